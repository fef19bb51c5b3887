#include "engine/scan/hba_evidence.h"

#include <filesystem>

#include "engine/core/file_digest.h"
#include "engine/hba/certificate_names.h"
#include "engine/hba/hba_facts.h"
#include "engine/hba/ident.h"
#include "engine/hba/ident_view.h"
#include "engine/hba/view_rules_facts.h"

namespace pgward::scan {

namespace {

// What a pg_ident.conf leaves missing, said only where it is `wanted`: a record uses a map for
// certificate names (the file's problems are evidence for nothing else pgward checks), or the
// user named the file, who must hear that it could not be read. A file with an error
// row is refused whole by the server (at startup it has no maps, after a reload the ones it
// had), so the maps in force are not known: null then, as for no file at all.
const hba::IdentFile* CheckIdentFile(const hba::IdentFile& ident, bool wanted,
                                     const std::string& target, HbaFileEvidence& evidence) {
  // A device or FIFO where the file should be is an input error whatever uses it.
  if (ident.input_error) {
    evidence.input_error = *hba::UnreadableReason(ident);
    return nullptr;
  }
  if (ident.read_error) {
    if (wanted) evidence.errors.push_back({target, *hba::UnreadableReason(ident), std::nullopt});
    return nullptr;
  }
  if (!wanted) return ident.HasErrors() ? nullptr : &ident;
  for (const hba::RefusedReference& refused : ident.refused) {
    evidence.errors.push_back({target, hba::RefusalMessage(refused), std::nullopt});
  }
  for (const hba::IdentMapping& mapping : ident.mappings) {
    if (!mapping.error) continue;
    evidence.errors.push_back(
        {target,
         *mapping.location.file + ":" + std::to_string(mapping.location.line) + ": " +
             *mapping.error +
             ": the server refuses the whole pg_ident.conf, so the maps in force are not known",
         SourceLocation{*mapping.location.file, mapping.location.line}});
  }
  return ident.HasErrors() ? nullptr : &ident;
}

// Parses `path` into `evidence`: nullopt when it gave no rules (unreadable, or an input error).
std::optional<hba::HbaFile> ReadHbaFile(const std::string& path, const std::string& target,
                                        const hba::ParseOptions& options,
                                        HbaFileEvidence& evidence) {
  hba::HbaFile file = hba::ParseHbaFile(path, options);
  if (file.input_error) {
    evidence.input_error = *hba::UnreadableReason(file);
    return std::nullopt;
  }
  if (file.read_error) {
    evidence.errors.push_back({target, *hba::UnreadableReason(file), std::nullopt});
    return std::nullopt;
  }
  for (const hba::RefusedReference& refused : file.refused) {
    evidence.errors.push_back({target, hba::RefusalMessage(refused), std::nullopt});
  }
  evidence.files_read.insert(path);
  for (const hba::HbaRule& rule : file.rules) evidence.files_read.insert(*rule.location.file);
  return file;
}

// A pg_ident.conf read here: its files are the run's artifacts.
hba::IdentFile ReadIdentFile(const std::string& path, const hba::ParseOptions& options,
                             HbaFileEvidence& evidence) {
  hba::IdentFile ident = hba::ParseIdentFile(path, options);
  if (!ident.read_error && !ident.input_error) {
    evidence.files_read.insert(path);
    for (const hba::IdentMapping& mapping : ident.mappings) {
      evidence.files_read.insert(*mapping.location.file);
    }
  }
  return ident;
}

}  // namespace

std::optional<std::string> IdentFileFor(const std::string& hba_path,
                                        const std::optional<std::string>& named) {
  if (named) return named;
  if (hba_path == "-") return std::nullopt;
  const std::filesystem::path beside =
      std::filesystem::path(hba_path).parent_path() / "pg_ident.conf";
  std::error_code error;
  if (!std::filesystem::exists(std::filesystem::symlink_status(beside, error))) return std::nullopt;
  return beside.string();
}

HbaFileEvidence AddHbaFileFacts(const std::string& path,
                                const std::optional<std::string>& named_ident,
                                const std::string& target, const hba::ParseOptions& options,
                                FactSet& facts) {
  HbaFileEvidence evidence;
  const std::optional<hba::HbaFile> file = ReadHbaFile(path, target, options, evidence);
  if (!file || evidence.input_error) return evidence;
  std::optional<hba::IdentFile> ident;
  const hba::IdentFile* maps = nullptr;
  if (const std::optional<std::string> ident_path = IdentFileFor(path, named_ident)) {
    ident = ReadIdentFile(*ident_path, options, evidence);
    maps = CheckIdentFile(*ident, named_ident || hba::UsesCertificateMaps(*file), target, evidence);
    if (evidence.input_error) return evidence;
  }
  hba::AddHbaRuleFacts(*file, {.pg_version = options.pg_version, .ident_maps = maps}, facts);
  return evidence;
}

hba::FileAccess InventoryFileAccess(const collect::Target& target, const hba::FileAccess& access) {
  hba::FileAccess confined = access;
  if (confined.include_root.empty()) confined.include_root = target.inventory_directory;
  return confined;
}

void AddServerHbaFacts(const collect::Target& target, const collect::ServerHbaAnswer& answer,
                       const hba::FileAccess& access, FactSet& facts, ServerEvidence& server,
                       std::vector<Artifact>& artifacts) {
  const auto before = TableSizes(facts);
  hba::ParseOptions options;
  options.access = InventoryFileAccess(target, access);
  options.pg_version = hba::PgVersionOf(answer.version);
  options.ssl_enabled = answer.ssl;
  HbaFileEvidence evidence;
  // Facts name the files with the server in front: every server of a fleet has its own
  // /etc/postgresql/.../pg_hba.conf, and findings about them must not merge.
  const auto on_server = [&](const std::string& path) { return server.name + ":" + path; };
  std::optional<hba::HbaFile> file;
  if (target.hba_file) {
    file = ReadHbaFile(*target.hba_file, target.name, options, evidence);
  } else if (answer.view_rows) {
    std::vector<FileRulesRow> named = *answer.view_rows;
    for (FileRulesRow& row : named) {
      if (row.file_name) row.file_name = on_server(*row.file_name);
    }
    file = hba::HbaFileFromView(named, on_server(answer.hba_file.value_or("pg_hba.conf")));
  }
  std::optional<hba::IdentFile> ident;
  if (target.ident_file) {
    ident = ReadIdentFile(*target.ident_file, options, evidence);
  } else if (answer.ident_rows) {
    std::vector<IdentMappingRow> named = *answer.ident_rows;
    for (IdentMappingRow& row : named) {
      if (row.file_name) row.file_name = on_server(*row.file_name);
    }
    ident = hba::IdentFileFromView(named, on_server(answer.ident_file.value_or("pg_ident.conf")),
                                   options.pg_version);
  }
  if (file && !evidence.input_error) {
    const bool uses_maps = hba::UsesCertificateMaps(*file);
    // A copy the inventory names must be read; the server's own only matters where it is used.
    const hba::IdentFile* maps =
        ident ? CheckIdentFile(*ident, uses_maps || target.ident_file, target.name, evidence)
              : nullptr;
    // The maps a certificate line relies on are evidence of their own: say what would give it.
    if (!ident && uses_maps && answer.ident_unread) {
      evidence.errors.push_back({target.name, *answer.ident_unread, std::nullopt});
    }
    const hba::HbaContext context{.pg_version = options.pg_version,
                                  .pg_version_known = answer.version > 0,
                                  .ident_maps = maps,
                                  .roles = answer.roles.value_or(AssumedPrivilegedRoles())};
    hba::AddHbaRuleFacts(*file, context, facts);
  }
  if (evidence.input_error)
    server.errors.push_back({target.name, *evidence.input_error, std::nullopt});
  for (EvidenceError& error : evidence.errors) server.errors.push_back(std::move(error));
  // Copies read here are artifacts; the server's own files are not this machine's to hash.
  if (target.hba_file || target.ident_file) AddArtifacts(evidence.files_read, artifacts);
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
