#include "tests/collect/collect_test_util.h"

#include "engine/model/fact_format.h"
#include "engine/policy/builtin.h"
#include "engine/policy/evaluator.h"
#include "engine/scan/gather.h"

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

Target TargetFor(const std::string& name, const std::string& dsn, int timeout_ms) {
  Target target;
  target.name = name;
  target.dsn = dsn;
  target.timeout_ms = timeout_ms;
  return target;
}

Evidence Collect(std::vector<Target> targets, FactSet& facts, int concurrency) {
  scan::LivePlan plan;
  plan.collect.targets = std::move(targets);
  plan.collect.concurrency = concurrency;
  return scan::GatherLive(plan, facts);
}

std::vector<std::string> SessionFacts(const FactSet& facts, const std::string& server,
                                      const std::set<std::int64_t>& pids) {
  const FactTable& table = facts.table(FactKind::kConnection);
  const std::vector<std::string> described = DescribeFacts(facts, FactKind::kConnection);
  std::vector<std::string> kept;
  for (size_t row = 0; row < table.size(); ++row) {
    if (FormatField(table, row, FieldOf<FactKind::kConnection>("server")) == server &&
        pids.contains(*table.Integer(row, FieldOf<FactKind::kConnection>("pid")))) {
      kept.push_back(described[row]);
    }
  }
  return kept;
}

}  // namespace pgward::collect::testing
