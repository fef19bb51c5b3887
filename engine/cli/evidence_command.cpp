#include "engine/cli/evidence_command.h"

#include <algorithm>
#include <filesystem>

#include "engine/collect/snapshot.h"
#include "engine/core/exit_code.h"
#include "engine/core/run_identity.h"
#include "engine/evidence/signature.h"
#include "engine/model/fact_format.h"
#include "pgward/version.h"
#include "reporters/atomic_file.h"
#include "reporters/crypto_inventory_report.h"
#include "reporters/oscal_report.h"
#include "reporters/printable.h"
#include "reporters/render.h"
#include "reporters/requirements_report.h"

namespace pgward::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kPciFramework[] = "pci-dss-4.0.1";
constexpr char kRequirementsFile[] = "requirements.json";
constexpr char kSnapshotFile[] = "snapshot.json";
constexpr char kInventoryJsonFile[] = "crypto-inventory.json";
constexpr char kInventoryCsvFile[] = "crypto-inventory.csv";

// A manifest lists a run's files: kilobytes. A signature is a few kilobytes.
constexpr std::size_t kMaxManifestBytes = std::size_t{64} << 20;
constexpr std::size_t kMaxSignatureBytes = std::size_t{1} << 20;

}  // namespace

std::optional<std::string> CheckEvidenceOptions(const EvidenceOptions& options,
                                                const std::vector<std::string>& report_paths) {
  if (options.sign_key.empty() != options.sign_cert.empty()) {
    return "--sign-key and --sign-cert go together";
  }
  if (options.directory.empty()) {
    if (!options.sign_key.empty())
      return "--sign-key signs an evidence bundle: give --evidence-dir";
    return std::nullopt;
  }
  // A key that cannot sign is told before the scan, not after it wrote an unsigned bundle.
  if (!options.sign_key.empty()) {
    const auto trial = evidence::SignDetached("", options.sign_key, options.sign_cert);
    if (const auto* failure = std::get_if<evidence::SignatureError>(&trial)) {
      return failure->message;
    }
  }
  const fs::path bundle = fs::weakly_canonical(fs::absolute(options.directory));
  for (const std::string& path : report_paths) {
    const fs::path report = fs::weakly_canonical(fs::absolute(path));
    const auto [inside, rest] =
        std::mismatch(bundle.begin(), bundle.end(), report.begin(), report.end());
    if (inside == bundle.end()) {
      return "--evidence-dir " + options.directory + " would hold " + path +
             ", which its manifest does not list: write the run's other reports elsewhere";
    }
  }
  std::error_code error;
  const fs::file_status status = fs::symlink_status(options.directory, error);
  if (!fs::exists(status)) return std::nullopt;
  if (!fs::is_directory(status))
    return "--evidence-dir " + options.directory + " is not a directory";
  if (!fs::is_empty(options.directory, error) || error) {
    return "--evidence-dir " + options.directory +
           " is not empty: a bundle holds one run (give a new directory for each)";
  }
  return std::nullopt;
}

std::optional<std::string> WriteEvidenceBundle(const ScanReport& report, const Evidence& servers,
                                               const FactSet& facts,
                                               const std::vector<evidence::PackVersion>& packs,
                                               const RunTimes& run,
                                               const EvidenceOptions& options) {
  const fs::path directory(options.directory);
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) return "cannot create " + options.directory + ": " + error.message();
  std::vector<std::string> written;
  for (const std::string_view format : reporters::ReportFormats()) {
    // OSCAL's back-matter names the bundle's files: written once they are.
    if (format == "oscal") continue;
    const std::string name = reporters::DefaultFileName(format);
    if (std::optional<std::string> failed = reporters::WriteFileAtomically(
            directory / name,
            [&](std::ostream& out) { reporters::WriteReport(format, report, {}, out); },
            reporters::Durability::kSynced)) {
      return failed;
    }
    written.push_back(name);
  }
  // Every fact collected from the servers, to be evaluated again (scan --snapshot) by the
  // assessor, dated by its collection.
  if (!servers.servers.empty()) {
    Evidence dated = servers;
    // A CSV export does not say when it was made: the document is dated by this run.
    if (dated.collected_at.empty()) dated.collected_at = run.started_at;
    if (dated.collector_version.empty()) dated.collector_version = kVersion;
    if (std::optional<std::string> failed = reporters::WriteFileAtomically(
            directory / kSnapshotFile, collect::WriteSnapshot(dated, facts),
            reporters::Durability::kSynced)) {
      return failed;
    }
    written.push_back(kSnapshotFile);
  }
  // The requirements PCI DSS asks evidence of and those the run's rules map to.
  const std::vector<RequirementResult> requirements =
      JudgeRequirements(report, kPciFramework, RequiredEvidence(kPciFramework));
  if (std::optional<std::string> failed = reporters::WriteFileAtomically(
          directory / kRequirementsFile,
          [&](std::ostream& out) {
            reporters::WriteRequirementsJson(kPciFramework, requirements, out);
          },
          reporters::Durability::kSynced)) {
    return failed;
  }
  written.push_back(kRequirementsFile);
  // The certificates, protocols and suites seen (4.2.1.1, 12.3.3).
  const CryptoInventory& inventory = report.inventory;
  // A pair, not a structured binding: clang before 16 cannot capture a binding in a lambda.
  for (const auto& file : {std::pair{kInventoryJsonFile, &reporters::WriteCryptoInventoryJson},
                           std::pair{kInventoryCsvFile, &reporters::WriteCryptoInventoryCsv}}) {
    if (std::optional<std::string> failed = reporters::WriteFileAtomically(
            directory / file.first, [&](std::ostream& out) { file.second(inventory, out); },
            reporters::Durability::kSynced)) {
      return failed;
    }
    written.push_back(file.first);
  }
  // OSCAL assessment results whose resources are the bundle's files, by hash, and the inputs.
  reporters::OscalOptions oscal = reporters::OscalOptionsOf(report);
  for (const std::string& name : written) {
    std::string error;
    std::optional<evidence::BundleFile> file =
        evidence::DescribeFile(options.directory, name, error);
    if (!file) return name + ": " + error;
    oscal.bundle_files.push_back({name, file->sha256, "Evidence bundle file " + name});
  }
  if (!servers.servers.empty()) oscal.server_evidence = kSnapshotFile;
  oscal.started_at = run.started_at;
  oscal.finished_at = run.finished_at;
  const std::string oscal_name = reporters::DefaultFileName("oscal");
  if (std::optional<std::string> failed = reporters::WriteFileAtomically(
          directory / oscal_name,
          [&](std::ostream& out) { reporters::WriteOscalAssessmentResults(report, oscal, out); },
          reporters::Durability::kSynced)) {
    return failed;
  }
  written.push_back(oscal_name);
  evidence::Manifest manifest;
  manifest.tool_version = kVersion;
  manifest.command_line = report.invocation.arguments;
  manifest.operating_system_user = OperatingSystemUser();
  manifest.host = HostName();
  manifest.started_at = run.started_at;
  // The run ends when its bundle is complete, just before it is signed: verify holds the
  // signing time to this, however long a large fleet's files took to write.
  manifest.finished_at = NowTimestamp();
  manifest.packs = packs;
  manifest.inputs = report.artifacts;
  std::sort(written.begin(), written.end());
  for (const std::string& name : written) {
    std::string error;
    std::optional<evidence::BundleFile> file =
        evidence::DescribeFile(options.directory, name, error);
    if (!file) return name + ": " + error;
    manifest.files.push_back(std::move(*file));
  }
  const std::string manifest_json = evidence::ManifestJson(manifest);
  // Signed before anything is written, so that a key that fails leaves no unsigned manifest.
  std::optional<std::string> signature;
  if (!options.sign_key.empty()) {
    auto signed_manifest =
        evidence::SignDetached(manifest_json, options.sign_key, options.sign_cert);
    if (const auto* failure = std::get_if<evidence::SignatureError>(&signed_manifest)) {
      return failure->message;
    }
    signature = std::move(std::get<std::string>(signed_manifest));
  }
  if (signature) {
    if (std::optional<std::string> failed = reporters::WriteFileAtomically(
            directory / evidence::kSignatureFile, *signature, reporters::Durability::kSynced)) {
      return failed;
    }
  }
  if (std::optional<std::string> failed = reporters::WriteFileAtomically(
          directory / evidence::kManifestFile, manifest_json, reporters::Durability::kSynced)) {
    return failed;
  }
  // The bundle's directory, made above, under its name in its parent ("out/bundle/" names
  // "bundle" in "out" too).
  fs::path bundle = fs::absolute(directory, error).lexically_normal();
  if (error) return "cannot flush " + options.directory + ": " + error.message();
  if (!bundle.has_filename()) bundle = bundle.parent_path();
  return reporters::SyncDirectory(bundle.parent_path());
}

int RunEvidenceVerify(const EvidenceVerifyOptions& options, std::ostream& out, std::ostream& err) {
  if (options.ca_file.empty() != options.unsigned_bundle) {
    err << "pgward: give --ca-file CA (the manifest's signer must chain to it) or --unsigned "
           "(check the files against the manifest only, which anyone could have rewritten), "
           "not both\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  std::string manifest_json;
  if (std::optional<std::string> error = evidence::ReadBundleFile(
          options.directory, evidence::kManifestFile, kMaxManifestBytes, manifest_json)) {
    err << "pgward: " << reporters::Printable(options.directory) << "/" << evidence::kManifestFile
        << ": " << *error << "\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  std::string reason;
  const std::optional<evidence::Manifest> manifest = evidence::ParseManifest(manifest_json, reason);
  if (!manifest) {
    err << "pgward: " << reporters::Printable(options.directory) << "/" << evidence::kManifestFile
        << ": " << reason << "\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  std::vector<std::string> problems = evidence::CheckFiles(options.directory, *manifest);
  std::string signed_by, signed_at;
  if (!options.unsigned_bundle) {
    std::string signature;
    if (std::optional<std::string> error = evidence::ReadBundleFile(
            options.directory, evidence::kSignatureFile, kMaxSignatureBytes, signature)) {
      problems.push_back(std::string(evidence::kSignatureFile) + ": " + *error +
                         (*error == "missing" ? " (the bundle is not signed)" : ""));
    } else {
      const evidence::SignatureCheck check =
          evidence::VerifyDetached(manifest_json, signature, options.ca_file);
      if (!check.valid) {
        problems.push_back(std::string(evidence::kSignatureFile) + ": " + check.error);
      } else {
        signed_by = check.signer;
        signed_at = check.signed_at;
        // Signed when the run ended, as pgward signs: a manifest signed long before or after
        // the run it describes is someone's backdating (or re-signing), not this run's.
        constexpr std::int64_t kSlackSeconds = 300;
        const std::optional<std::int64_t> at = ParseTimestamp(signed_at);
        const std::optional<std::int64_t> started = ParseTimestamp(manifest->started_at);
        const std::optional<std::int64_t> finished = ParseTimestamp(manifest->finished_at);
        if (at && started && finished &&
            (*at < *started - kSlackSeconds || *at > *finished + kSlackSeconds)) {
          problems.push_back(std::string(evidence::kSignatureFile) + ": signed at " + signed_at +
                             ", not when the run it vouches for ended (" + manifest->started_at +
                             " to " + manifest->finished_at + ")");
        }
      }
    }
  }
  for (const std::string& problem : problems)
    out << "FAIL " << reporters::Printable(problem) << "\n";
  if (!problems.empty()) {
    out << problems.size() << " problem(s): the bundle cannot be vouched for\n";
    return ToInt(ExitCode::kFindings);
  }
  out << "OK   " << manifest->files.size() << " file(s) as the manifest says (run by "
      << reporters::Printable(manifest->operating_system_user) << " on "
      << reporters::Printable(manifest->host) << ", " << reporters::Printable(manifest->started_at)
      << " to " << reporters::Printable(manifest->finished_at) << ")\n";
  if (options.unsigned_bundle) {
    out << "NOTE no signature was checked (--unsigned): the manifest vouches for the files, "
           "nothing vouches for the manifest\n";
  } else {
    out << "OK   manifest signed by " << reporters::Printable(signed_by)
        << (signed_at.empty() ? "" : " at " + signed_at) << ", which chains to "
        << reporters::Printable(options.ca_file)
        << (signed_at.empty() ? "" : " (as of the signing time)") << "\n";
  }
  return ToInt(ExitCode::kOk);
}

}  // namespace pgward::cli
