#include "tests/collect/collect_test_util.h"

#include "engine/model/fact_format.h"
#include "engine/policy/builtin.h"
#include "engine/policy/evaluator.h"

namespace pgward::collect::testing {

std::vector<std::string> DescribeFacts(const FactSet& facts, FactKind kind) {
  const FactTable& table = facts.table(kind);
  std::vector<std::string> described;
  for (size_t row = 0; row < table.size(); ++row) {
    std::string text;
    for (size_t field = 0; field < table.spec().fields.size(); ++field) {
      text += std::string(table.spec().fields[field].name) + "=";
      AppendFieldJson(text, table, row, field);
      text += "; ";
    }
    const FactSource& source = table.source(row);
    text += "source=" +
            (source.file == kAbsent ? std::string("-")
                                    : std::string(facts.pool().String(source.file))) +
            ":" + std::to_string(source.line);
    described.push_back(text);
  }
  return described;
}

std::vector<std::string> BaselineFindings(const FactSet& facts) {
  policy::LoadResult baseline = policy::LoadBuiltinPack("baseline");
  if (!baseline.policy) return {"baseline pack does not load"};
  // Not owned: the findings do not outlive `facts`.
  const policy::Evaluation evaluation =
      policy::Evaluate({&*baseline.policy},
                       std::shared_ptr<const FactSet>(std::shared_ptr<const FactSet>(), &facts));
  std::vector<std::string> findings;
  for (const Finding& finding : evaluation.findings) {
    findings.push_back(finding.rule_id + " " + finding.target + " " + finding.message + " " +
                       finding.fingerprint);
  }
  return findings;
}

std::string ErrorText(const Evidence& evidence) {
  std::string text;
  for (const EvidenceError& error : evidence.Errors()) {
    text += error.target + ": " + error.message + "\n";
  }
  return text;
}

}  // namespace pgward::collect::testing
