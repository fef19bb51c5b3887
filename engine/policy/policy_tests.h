#pragma once

// Policy unit tests, like `conftest verify`: files of kind PolicyTest name a policy (or pack)
// and list cases, each with facts and the findings one rule must produce on them.
//
//   apiVersion: pgward/v1
//   kind: PolicyTest
//   policy: ../catalog.yaml          # relative to this file
//   cases:
//     - name: a plaintext session fires
//       rule: PGW-CONN-001
//       set: {min_tls_version: TLSv1.3}   # optional parameter values
//       facts: {connection: [{server: db1, local: false, encrypted: false}]}
//       expect: {fail: 1, messages: ["..."]}   # error: N counts evidence errors
//
// Every rule of a tested policy must have a case where it fails and one where it does not.

#include <string>
#include <vector>

namespace pgward::policy {

struct PolicyTestOutcome {
  std::string location;  // file:line of the case
  std::string rule_id;
  std::string name;
  bool passed = false;
  std::string detail;  // why it failed
};

struct PolicyTestReport {
  std::vector<PolicyTestOutcome> outcomes;
  // Files that could not be loaded, and rules without a failing or a passing case.
  std::vector<std::string> errors;
};

// Runs every PolicyTest file found under `directory` (recursively, *.yaml / *.yml).
PolicyTestReport RunPolicyTests(const std::string& directory);

}  // namespace pgward::policy
