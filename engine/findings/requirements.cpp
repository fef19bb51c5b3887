#include "engine/findings/requirements.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "engine/model/fact_schema.h"

namespace pgward {
namespace {

// "12.3.3" as (12, 3, 3): requirements in their numbering's order, not the text's.
std::vector<int> Numbering(std::string_view id) {
  std::vector<int> parts;
  while (!id.empty()) {
    const std::size_t dot = id.find('.');
    int part = 0;
    std::from_chars(id.data(), id.data() + std::min(dot, id.size()), part);
    parts.push_back(part);
    id = dot == std::string_view::npos ? std::string_view() : id.substr(dot + 1);
  }
  return parts;
}

}  // namespace

std::string_view RequirementVerdictName(RequirementVerdict verdict) {
  switch (verdict) {
    case RequirementVerdict::kSatisfied:
      return "satisfied";
    case RequirementVerdict::kNotSatisfied:
      return "not_satisfied";
    case RequirementVerdict::kNotAssessed:
      return "not_assessed";
  }
  return "";
}

std::vector<std::string> RequiredEvidence(std::string_view framework) {
  if (framework == "pci-dss-4.0.1") return {"2.2.7", "4.2.1", "4.2.1.1", "8.3.2", "12.3.3"};
  return {};
}

// Fact types a server gives (live, a snapshot, its TLS probe), not a file or a log: those about
// a server by their target field. A run that read no server had nothing to check them on, which
// is not their passing.
bool OnlyAServerShows(std::string_view target) {
  const FactTypeSpec* type = FindFactType(target);
  return type != nullptr && type->target_field == "server";
}

std::vector<RequirementResult> JudgeRequirements(const ScanReport& report,
                                                 std::string_view framework,
                                                 const std::vector<std::string>& required) {
  std::map<std::string, RequirementResult> results;
  for (const std::string& id : required) results[id].id = id;
  std::map<std::string, std::vector<std::string>> requirements_of;  // rule id -> requirements
  std::set<std::string> server_rules;  // rules of what only a server shows (OnlyAServerShows)
  for (const RuleInfo& rule : report.rules) {
    if (OnlyAServerShows(rule.target)) server_rules.insert(rule.id);
    const auto mapped = rule.compliance.find(std::string(framework));
    if (mapped == rule.compliance.end()) continue;
    // A requirement named twice by one rule is one requirement.
    for (const std::string& id :
         std::set<std::string>(mapped->second.begin(), mapped->second.end())) {
      RequirementResult& result = results[id];
      result.id = id;
      result.rules.push_back(rule.id);
      requirements_of[rule.id].push_back(id);
    }
  }
  for (const RuleCheck& check : report.checks) {
    const auto mapped = requirements_of.find(check.rule_id);
    if (mapped == requirements_of.end()) continue;
    for (const std::string& id : mapped->second) ++results[id].checks;
  }
  for (const Finding& finding : report.findings) {
    const auto mapped = requirements_of.find(finding.rule_id);
    if (mapped == requirements_of.end()) continue;
    for (const std::string& id : mapped->second) results[id].findings.push_back(&finding);
  }
  std::vector<RequirementResult> judged;
  for (auto& entry : results) {
    // Not a structured binding: clang 14 (the fuzz build's) cannot capture one in a lambda.
    RequirementResult& result = entry.second;
    const auto count = [&](FindingStatus status) {
      return std::count_if(result.findings.begin(), result.findings.end(),
                           [&](const Finding* finding) { return finding->status == status; });
    };
    const auto failing = count(FindingStatus::kFail);
    const auto errors = count(FindingStatus::kError);
    if (failing > 0) {
      result.verdict = RequirementVerdict::kNotSatisfied;
      result.reason = std::to_string(failing) + " failing finding(s)";
    } else if (errors > 0) {
      result.verdict = RequirementVerdict::kNotAssessed;
      result.reason = std::to_string(errors) + " check(s) could not be decided: evidence missing";
    } else if (!report.errors.empty()) {
      // A server that could not be reached checked nothing: what passed elsewhere does not
      // satisfy the requirement for the run.
      result.verdict = RequirementVerdict::kNotAssessed;
      result.reason =
          "the run is incomplete: " + std::to_string(report.errors.size()) + " evidence error(s)";
    } else if (result.checks == 0) {
      result.verdict = RequirementVerdict::kNotAssessed;
      result.reason = result.rules.empty() ? "no rule of this run maps to it"
                                           : "its rules found nothing to check in this run";
    } else if (const auto unread = std::count_if(
                   result.rules.begin(), result.rules.end(),
                   [&](const std::string& rule) { return server_rules.contains(rule); });
               report.servers.empty() && unread > 0) {
      // An hba file passing its checks says nothing of the server's TLS settings, sessions or
      // certificates that the requirement's other rules check.
      result.verdict = RequirementVerdict::kNotAssessed;
      result.reason = "the run read no server: " + std::to_string(unread) + " of its " +
                      std::to_string(result.rules.size()) +
                      " rules check what only a server shows; the others' checks passed (" +
                      std::to_string(result.checks) + ")";
    } else {
      result.verdict = RequirementVerdict::kSatisfied;
      result.reason = "every check of its rules passed (" + std::to_string(result.checks) + ")";
      if (const auto waived = count(FindingStatus::kWaived); waived > 0) {
        result.reason += ", with " + std::to_string(waived) + " waived finding(s)";
      }
    }
    judged.push_back(std::move(result));
  }
  std::sort(judged.begin(), judged.end(),
            [](const RequirementResult& a, const RequirementResult& b) {
              return Numbering(a.id) < Numbering(b.id);
            });
  return judged;
}

}  // namespace pgward
