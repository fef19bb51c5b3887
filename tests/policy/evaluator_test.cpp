#include "engine/policy/evaluator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "engine/policy/loader.h"

namespace pgward::policy {
namespace {

const char* kPolicy = R"yaml(apiVersion: pgward/v1
kind: Policy
metadata: {name: test}
parameters:
  min_tls: {type: tls_version, default: TLSv1.2}
  allowed: {type: string_list, default: ["TLS_AES_.*", "ECDHE-[A-Z]+-AES[0-9]+-GCM-SHA[0-9]+"]}
rules:
  - id: CONN-PLAIN
    title: plaintext
    severity: high
    target: connection
    where: {local: {eq: false}}
    assert: {encrypted: {eq: true}}
    message: "{count} plaintext session(s) of {user} from {client_addr} ({application_name})"
  - id: CONN-OLD
    title: old TLS
    severity: medium
    target: connection
    where: {ssl: {eq: true}}
    assert: {tls_version: {ge: {param: min_tls}}}
    message: "{user} uses {tls_version} < {param.min_tls}"
  - id: CONN-CIPHER
    title: cipher
    severity: medium
    target: connection
    where: {ssl: {eq: true}}
    assert: {cipher: {matches_any: {param: allowed}}}
    message: "{cipher}"
)yaml";

struct Session {
  int pid;
  const char* user;
  const char* app;
  const char* addr;  // nullptr: Unix socket
  bool ssl;
  const char* version;
  const char* cipher;
};

void AddSession(FactSet& facts, const Session& s, bool with_encrypted = true) {
  FactTable& t = facts.table(FactKind::kConnection);
  const size_t row = t.AppendRow();
  t.SetString(row, FieldOf<FactKind::kConnection>("server"), "db1");
  t.SetInteger(row, FieldOf<FactKind::kConnection>("pid"), s.pid);
  t.SetString(row, FieldOf<FactKind::kConnection>("user"), s.user);
  t.SetString(row, FieldOf<FactKind::kConnection>("database"), "app");
  t.SetString(row, FieldOf<FactKind::kConnection>("application_name"), s.app);
  if (s.addr)
    t.SetAddress(row, FieldOf<FactKind::kConnection>("client_addr"), *ParseIpAddress(s.addr));
  t.SetBool(row, FieldOf<FactKind::kConnection>("local"), s.addr == nullptr);
  t.SetBool(row, FieldOf<FactKind::kConnection>("ssl"), s.ssl);
  if (with_encrypted) t.SetBool(row, FieldOf<FactKind::kConnection>("encrypted"), s.ssl);
  if (s.version)
    t.SetTlsVersion(row, FieldOf<FactKind::kConnection>("tls_version"),
                    *ParseTlsVersion(s.version));
  if (s.cipher) t.SetString(row, FieldOf<FactKind::kConnection>("cipher"), s.cipher);
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

Policy LoadTestPolicy() {
  LoadResult result = LoadPolicyText(kPolicy, "test.yaml");
  EXPECT_TRUE(result.errors.empty()) << result.errors[0].ToString();
  return std::move(*result.policy);
}

TEST(EvaluatorTest, PooledPlaintextSessionsBecomeOneFindingWithACount) {
  const Policy policy = LoadTestPolicy();
  const auto facts = std::make_shared<FactSet>();
  for (int pid = 100; pid < 500; ++pid) {
    AddSession(*facts, {pid, "billing", "billing-api", "10.0.0.5", false, nullptr, nullptr});
  }
  AddSession(*facts, {900, "billing", "billing-api", "10.0.0.6", false, nullptr, nullptr});
  AddSession(*facts, {901, "cron", "cron", nullptr, false, nullptr, nullptr});
  const Evaluation evaluation = Evaluate({&policy}, facts);
  ASSERT_EQ(evaluation.findings.size(), 2u);
  const Finding& pooled =
      evaluation.findings[0].count == 400 ? evaluation.findings[0] : evaluation.findings[1];
  EXPECT_EQ(pooled.count, 400);
  EXPECT_EQ(pooled.message, "400 plaintext session(s) of billing from 10.0.0.5 (billing-api)");
  EXPECT_EQ(pooled.sample_pids, (std::vector<std::int64_t>{100, 101, 102, 103, 104}));
  ASSERT_TRUE(pooled.subject);
  EXPECT_FALSE(pooled.subject->Shows(FieldOf<FactKind::kConnection>("pid")));
  EXPECT_TRUE(pooled.subject->Shows(FieldOf<FactKind::kConnection>("user")));
  EXPECT_EQ(pooled.subject->Text("user"), "billing");
  EXPECT_EQ(pooled.target, "db1");
  EXPECT_EQ(pooled.status, FindingStatus::kFail);
  EXPECT_EQ(pooled.severity, Severity::kHigh);
  // The Unix-socket session is not selected.
  for (const Finding& finding : evaluation.findings)
    EXPECT_NE(finding.subject->Text("user"), "cron");
}

// The first variant whose condition holds gives a failing fact its severity and message; facts
// that differ only in a volatile field a variant reads fold apart, each group its variant's.
TEST(EvaluatorTest, AVariantGivesItsFactsItsSeverityAndMessage) {
  const std::string text =
      Replace(kPolicy, R"(    message: "{user} uses {tls_version} < {param.min_tls}")",
              R"(    message: "{user} uses {tls_version} < {param.min_tls}"
    variants:
      - when: {tls_version: {eq: TLSv1}}
        severity: critical
        message: "{count} session(s) of {user} use TLSv1"
      - when: {pid: {ge: 300}}
        severity: low
      - when: {pid: {ge: 200}}
        message: "{count} late session(s) of {user}")");
  LoadResult loaded = LoadPolicyText(text, "test.yaml");
  ASSERT_TRUE(loaded.policy) << loaded.errors[0].ToString();
  const auto facts = std::make_shared<FactSet>();
  for (int pid = 100; pid < 400; ++pid) {
    AddSession(*facts,
               {pid, "billing", "api", "10.0.0.5", true, "TLSv1.1", "TLS_AES_128_GCM_SHA256"});
  }
  AddSession(*facts, {500, "billing", "api", "10.0.0.5", true, "TLSv1", "TLS_AES_128_GCM_SHA256"});
  const Evaluation evaluation = Evaluate({&*loaded.policy}, facts);
  std::vector<std::tuple<std::string, std::int64_t, std::string>> got;
  for (const Finding& finding : evaluation.findings) {
    if (finding.rule_id == "CONN-OLD") {
      got.emplace_back(std::string(SeverityName(finding.severity)), finding.count, finding.message);
    }
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::tuple<std::string, std::int64_t, std::string>>{
                     {"critical", 1, "1 session(s) of billing use TLSv1"},
                     {"low", 100, "billing uses TLSv1.1 < TLSv1.2"},
                     {"medium", 100, "100 late session(s) of billing"},
                     {"medium", 100, "billing uses TLSv1.1 < TLSv1.2"}}));
}

TEST(EvaluatorTest, FingerprintsIgnorePidsAndDifferForDifferentProblems) {
  const Policy policy = LoadTestPolicy();
  const auto first = std::make_shared<FactSet>(), second = std::make_shared<FactSet>();
  AddSession(*first, {1, "app", "web", "10.0.0.5", false, nullptr, nullptr});
  AddSession(*second, {777, "app", "web", "10.0.0.5", false, nullptr, nullptr});
  AddSession(*second, {778, "app", "web", "10.0.0.7", false, nullptr, nullptr});
  const Evaluation a = Evaluate({&policy}, first);
  const Evaluation b = Evaluate({&policy}, second);
  ASSERT_EQ(a.findings.size(), 1u);
  ASSERT_EQ(b.findings.size(), 2u);
  EXPECT_EQ(a.findings[0].fingerprint.size(), 32u);
  const bool same = a.findings[0].fingerprint == b.findings[0].fingerprint ||
                    a.findings[0].fingerprint == b.findings[1].fingerprint;
  EXPECT_TRUE(same);
  EXPECT_NE(b.findings[0].fingerprint, b.findings[1].fingerprint);
}

TEST(EvaluatorTest, ComparesTlsVersionsInOrderAndMatchesCipherAllowlistsWhole) {
  const Policy policy = LoadTestPolicy();
  const auto facts = std::make_shared<FactSet>();
  AddSession(*facts, {1, "a", "x", "10.0.0.1", true, "TLSv1.3", "TLS_AES_256_GCM_SHA384"});
  AddSession(*facts, {2, "b", "x", "10.0.0.1", true, "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"});
  AddSession(*facts, {3, "c", "x", "10.0.0.1", true, "TLSv1.1", "ECDHE-RSA-AES128-SHA"});
  // A partial match of an allowlist entry must not admit a suite.
  AddSession(*facts, {4, "d", "x", "10.0.0.1", true, "TLSv1.2", "XTLS_AES_256_GCM_SHA384"});
  const Evaluation evaluation = Evaluate({&policy}, facts);
  std::vector<std::string> fired;
  for (const Finding& finding : evaluation.findings) {
    fired.push_back(finding.rule_id + ":" + finding.subject->Text("user").value());
  }
  EXPECT_EQ(fired, (std::vector<std::string>{"CONN-CIPHER:c", "CONN-CIPHER:d", "CONN-OLD:c"}));
  EXPECT_EQ(evaluation.findings[2].message, "c uses TLSv1.1 < TLSv1.2");
}

TEST(EvaluatorTest, MissingEvidenceIsAnErrorNeverAPass) {
  const Policy policy = LoadTestPolicy();
  const auto facts = std::make_shared<FactSet>();
  // `encrypted` was not collected: CONN-PLAIN cannot decide.
  AddSession(*facts, {1, "app", "web", "10.0.0.5", false, nullptr, nullptr},
             /*with_encrypted=*/false);
  const Evaluation evaluation = Evaluate({&policy}, facts);
  ASSERT_EQ(evaluation.findings.size(), 1u);
  EXPECT_EQ(evaluation.findings[0].status, FindingStatus::kError);
  EXPECT_EQ(evaluation.findings[0].message,
            "cannot evaluate CONN-PLAIN: evidence missing (encrypted not collected)");
  // The rules for TLS sessions had nothing to check: they did not apply and have no check.
  ASSERT_EQ(evaluation.checks.size(), 1u);
  EXPECT_EQ(evaluation.checks[0].rule_id, "CONN-PLAIN");
  EXPECT_EQ(evaluation.checks[0].errors, 1u);
}

// A policy evaluated over one fact set, then over another (hba diff, a process that scans
// twice): the memoized answers of the first must not leak into the second, even when the second
// set is allocated where the first one was.
TEST(EvaluatorTest, APolicyEvaluatedTwiceForgetsTheFirstFacts) {
  const Policy policy = LoadTestPolicy();
  const auto fired = [&](const std::shared_ptr<FactSet>& facts) {
    std::vector<std::string> rules;
    for (const Finding& finding : Evaluate({&policy}, facts).findings) {
      rules.push_back(finding.rule_id);
    }
    return rules;
  };
  std::vector<std::string> fresh;
  {
    const auto facts = std::make_shared<FactSet>();
    AddSession(*facts, {1, "a", "x", "10.0.0.1", true, "TLSv1.1", "ECDHE-RSA-AES128-SHA"});
    fresh = fired(facts);
  }
  for (int round = 0; round < 3; ++round) {
    {
      // Different values, interned in another order.
      const auto first = std::make_shared<FactSet>();
      AddSession(*first, {2, "b", "y", "10.0.0.2", true, "TLSv1.3", "TLS_AES_256_GCM_SHA384"});
      EXPECT_TRUE(fired(first).empty());
    }
    const auto second = std::make_shared<FactSet>();
    AddSession(*second, {1, "a", "x", "10.0.0.1", true, "TLSv1.1", "ECDHE-RSA-AES128-SHA"});
    EXPECT_EQ(fired(second), fresh);
  }
  EXPECT_FALSE(fresh.empty());
}

TEST(EvaluatorTest, ChecksRecordRulesThatPassed) {
  const Policy policy = LoadTestPolicy();
  const auto facts = std::make_shared<FactSet>();
  AddSession(*facts, {1, "a", "x", "10.0.0.1", true, "TLSv1.3", "TLS_AES_256_GCM_SHA384"});
  const Evaluation evaluation = Evaluate({&policy}, facts);
  EXPECT_TRUE(evaluation.findings.empty());
  ASSERT_EQ(evaluation.checks.size(), 3u);
  for (const RuleCheck& check : evaluation.checks) {
    EXPECT_EQ(check.target, "db1");
    EXPECT_EQ(check.facts_checked, 1u);
    EXPECT_EQ(check.failures, 0u);
  }
}

TEST(EvaluatorTest, IdenticalLinesKeepApartByASuffixedFingerprint) {
  LoadResult loaded = LoadPolicyText(R"yaml(apiVersion: pgward/v1
kind: Policy
metadata: {name: test}
rules:
  - id: HBA-TRUST
    title: trust
    severity: high
    target: hba_rule
    assert: {method: {ne: trust}}
    message: "{method} on line {line}"
)yaml",
                                     "test.yaml");
  ASSERT_TRUE(loaded.policy) << loaded.errors[0].ToString();
  const auto facts = std::make_shared<FactSet>();
  FactTable& rules = facts->table(FactKind::kHbaRule);
  // The line is volatile: the same record moved keeps its fingerprint, and two copies of it
  // in one file differ only by the suffix.
  for (const int line : {3, 7, 5}) {
    const size_t row = rules.AppendRow();
    rules.SetString(row, FieldOf<FactKind::kHbaRule>("file"), "pg_hba.conf");
    rules.SetInteger(row, FieldOf<FactKind::kHbaRule>("line"), line);
    rules.SetString(row, FieldOf<FactKind::kHbaRule>("type"), "host");
    rules.SetString(row, FieldOf<FactKind::kHbaRule>("method"), line == 5 ? "md5" : "trust");
  }
  const Evaluation evaluation = Evaluate({&*loaded.policy}, facts);
  ASSERT_EQ(evaluation.findings.size(), 2u);
  EXPECT_EQ(evaluation.findings[0].message, "trust on line 3");
  EXPECT_EQ(evaluation.findings[1].message, "trust on line 7");
  EXPECT_EQ(evaluation.findings[0].fingerprint.size(), 32u);
  EXPECT_EQ(evaluation.findings[1].fingerprint, evaluation.findings[0].fingerprint + "/2");
}

TEST(EvaluatorTest, LongListsInMessagesAreCutToACount) {
  std::vector<std::string> names;
  for (int i = 1; i <= 130; ++i) names.push_back("suite" + std::to_string(i));
  std::string message;
  AppendSummarized(message, std::vector<std::string_view>(names.begin(), names.end()));
  EXPECT_EQ(message,
            "suite1, suite2, suite3, suite4, suite5, suite6, suite7, and 123 more (130 in all)");
  // Up to kMessageListItems, everything is shown.
  message.clear();
  AppendSummarized(message, std::vector<std::string_view>(names.begin(), names.begin() + 8));
  EXPECT_EQ(message, "suite1, suite2, suite3, suite4, suite5, suite6, suite7, suite8");
}

}  // namespace
}  // namespace pgward::policy
