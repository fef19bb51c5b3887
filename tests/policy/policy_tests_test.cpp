// `policy test` cases whose shape is wrong fail with a reason, never pass by default.
#include "engine/policy/policy_tests.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace pgward::policy {
namespace {

namespace fs = std::filesystem;

TEST(PolicyTestsTest, ACaseWhoseExpectOrSetIsNoMappingFails) {
  const fs::path directory =
      fs::temp_directory_path() / ("pgward-policy-tests-" + std::to_string(getpid()));
  fs::create_directories(directory);
  std::ofstream(directory / "policy.yaml")
      << "apiVersion: pgward/v1\nkind: Policy\nmetadata: {name: p}\nrules:\n"
         "  - id: R1\n    title: t\n    severity: low\n    target: server\n"
         "    assert: {ssl: {eq: true}}\n    message: m\n";
  // With `expect: 1` read as no expectation, the first case would pass: the rule is silent.
  std::ofstream(directory / "tests.yaml")
      << "apiVersion: pgward/v1\nkind: PolicyTest\npolicy: policy.yaml\ncases:\n"
         "  - {name: scalar expect, rule: R1, facts: {server: [{server: db1, ssl: true}]},"
         " expect: 1}\n"
         "  - {name: list set, rule: R1, set: [a], facts: {server: [{server: db1, ssl: false}]},"
         " expect: {fail: 1}}\n"
         "  - {name: fraction, rule: R1, facts: {server: [{server: db1, ssl: false}]},"
         " expect: {fail: 0.5}}\n"
         "  - {name: fires, rule: R1, facts: {server: [{server: db1, ssl: false}]},"
         " expect: {fail: 1}}\n";
  const PolicyTestReport report = RunPolicyTests(directory.string());
  fs::remove_all(directory);
  ASSERT_EQ(report.outcomes.size(), 4u);
  EXPECT_FALSE(report.outcomes[0].passed);
  EXPECT_EQ(report.outcomes[0].detail, "'expect' and 'set' are mappings");
  EXPECT_FALSE(report.outcomes[1].passed);
  EXPECT_EQ(report.outcomes[1].detail, "'expect' and 'set' are mappings");
  EXPECT_FALSE(report.outcomes[2].passed);
  EXPECT_EQ(report.outcomes[2].detail, "'expect' counts ('fail', 'error') must be whole numbers");
  EXPECT_TRUE(report.outcomes[3].passed) << report.outcomes[3].detail;
}

}  // namespace
}  // namespace pgward::policy
