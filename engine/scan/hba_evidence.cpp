#include "engine/scan/hba_evidence.h"

#include "engine/core/file_digest.h"
#include "engine/hba/hba_facts.h"
#include "engine/hba/view_rules_facts.h"

namespace pgward::scan {

HbaFileEvidence AddHbaFileFacts(const std::string& path, const std::string& target,
                                const hba::ParseOptions& options, FactSet& facts) {
  HbaFileEvidence evidence;
  const hba::HbaFile file = hba::ParseHbaFile(path, options);
  if (file.input_error) {
    evidence.input_error = *hba::UnreadableReason(file);
    return evidence;
  }
  if (file.read_error) {
    evidence.errors.push_back({target, *hba::UnreadableReason(file), std::nullopt});
    return evidence;
  }
  for (const hba::RefusedReference& refused : file.refused) {
    evidence.errors.push_back({target, hba::RefusalMessage(refused), std::nullopt});
  }
  hba::AddHbaRuleFacts(file, options.pg_version, facts);
  evidence.files_read.insert(path);
  for (const hba::HbaRule& rule : file.rules) evidence.files_read.insert(*rule.location.file);
  return evidence;
}

void AddServerHbaFacts(const collect::Target& target, const collect::ServerHbaAnswer& answer,
                       const hba::FileAccess& access, FactSet& facts, ServerEvidence& server,
                       std::vector<Artifact>& artifacts) {
  const auto before = TableSizes(facts);
  if (target.hba_file) {
    hba::ParseOptions options;
    options.access = access;
    options.pg_version = hba::PgVersionOf(answer.version);
    options.ssl_enabled = answer.ssl;
    HbaFileEvidence file = AddHbaFileFacts(*target.hba_file, target.name, options, facts);
    if (file.input_error) server.errors.push_back({target.name, *file.input_error, std::nullopt});
    for (EvidenceError& error : file.errors) server.errors.push_back(std::move(error));
    AddArtifacts(file.files_read, artifacts);
  } else if (answer.view_rows) {
    // Facts name the file with the server in front: every server of a fleet has its own
    // /etc/postgresql/.../pg_hba.conf, and findings about them must not merge.
    std::vector<FileRulesRow> named = *answer.view_rows;
    for (FileRulesRow& row : named) {
      if (row.file_name) row.file_name = server.name + ":" + *row.file_name;
    }
    const std::string file = server.name + ":" + answer.hba_file.value_or("pg_hba.conf");
    hba::AddHbaViewRuleFacts(named, file, hba::PgVersionOf(answer.version), facts);
  }
  // The server's other facts were appended before; its hba facts are contiguous of their own.
  const auto rows = RowsSince(before, facts);
  for (const FactKind kind : {FactKind::kHbaRule, FactKind::kHbaAccess}) {
    server.rows[static_cast<size_t>(kind)] = rows[static_cast<size_t>(kind)];
  }
}

void AddArtifacts(const std::set<std::string>& paths, std::vector<Artifact>& artifacts) {
  for (const std::string& path : paths) {
    if (std::optional<std::string> digest = Sha256OfFile(path)) {
      artifacts.push_back({path, *digest});
    }
  }
}

}  // namespace pgward::scan
