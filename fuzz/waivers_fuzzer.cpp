// libFuzzer target for waivers files: any bytes give waivers or errors, never a crash, a leak, a
// hang or unbounded memory; the waivers read are then applied to findings of every kind of
// target, location and subject.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/policy/waivers.h"
#include "fuzz/fuzz_file.h"

namespace {

std::vector<pgward::Finding> SampleFindings() {
  using pgward::FactKind;
  using pgward::FieldOf;
  auto facts = std::make_shared<pgward::FactSet>();
  pgward::FactTable& connections = facts->table(FactKind::kConnection);
  connections.AppendRow();
  connections.SetString(0, FieldOf<FactKind::kConnection>("user"), "legacy_app");
  connections.SetString(0, FieldOf<FactKind::kConnection>("application_name"), "old-jdbc");
  connections.SetAddress(0, FieldOf<FactKind::kConnection>("client_addr"),
                         *pgward::ParseIpAddress("10.20.1.2"));
  // A fact type without the fields waivers match on.
  pgward::FactTable& rules = facts->table(FactKind::kHbaRule);
  rules.AppendRow();
  rules.SetString(0, FieldOf<FactKind::kHbaRule>("method"), "trust");

  std::vector<pgward::Finding> findings(3);
  findings[0].rule_id = "PGW-CONN-001";
  findings[0].target = "db1";
  findings[0].subject = pgward::FindingSubject{facts, FactKind::kConnection, 0, true};
  findings[0].fingerprint = "0123abcd";
  findings[1].rule_id = "PGW-HBA-001";
  findings[1].target = "pg_hba.conf";
  findings[1].location = pgward::SourceLocation{"pg_hba.conf", 12};
  findings[1].subject = pgward::FindingSubject{facts, FactKind::kHbaRule, 0, false};
  findings[2].rule_id = "PGW-SRV-001";
  findings[2].target = "db2";
  findings[2].status = pgward::FindingStatus::kError;
  return findings;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::set<std::string> known_rules = {"PGW-CONN-001", "PGW-HBA-001", "PGW-SRV-001"};
  const pgward::policy::WaiversLoadResult result = pgward::policy::LoadWaivers(
      pgward::fuzz::WriteInputFile(data, size, "waivers.yaml"), known_rules);
  // Nothing is waived from a file with an error.
  if (!result.errors.empty() && !result.waivers.empty()) __builtin_trap();
  std::vector<pgward::Finding> findings = SampleFindings();
  pgward::policy::ApplyWaivers(result.waivers, findings, /*now=*/1'800'000'000);
  // An error is never waived: missing evidence is not an accepted exception.
  if (findings[2].status != pgward::FindingStatus::kError) __builtin_trap();
  return 0;
}
