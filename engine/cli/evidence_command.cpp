#include "engine/cli/evidence_command.h"

#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/core/exit_code.h"
#include "engine/evidence/signature.h"
#include "pgward/version.h"
#include "reporters/atomic_file.h"
#include "reporters/crypto_inventory_report.h"
#include "reporters/printable.h"
#include "reporters/render.h"
#include "reporters/requirements_report.h"

namespace pgward::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kPciFramework[] = "pci-dss-4.0.1";
constexpr char kRequirementsFile[] = "requirements.json";
constexpr char kInventoryJsonFile[] = "crypto-inventory.json";
constexpr char kInventoryCsvFile[] = "crypto-inventory.csv";

std::string OperatingSystemUser() {
  if (const passwd* entry = getpwuid(geteuid())) return entry->pw_name;
  return std::to_string(geteuid());
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

std::optional<std::string> ReadWhole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace

std::optional<std::string> CheckEvidenceOptions(const EvidenceOptions& options) {
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

std::optional<std::string> WriteEvidenceBundle(const ScanReport& report, const FactSet& facts,
                                               const std::vector<evidence::PackVersion>& packs,
                                               const EvidenceOptions& options) {
  const fs::path directory(options.directory);
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) return "cannot create " + options.directory + ": " + error.message();
  std::vector<std::string> written;
  for (const std::string_view format : reporters::ReportFormats()) {
    const std::string name = reporters::DefaultFileName(format);
    if (std::optional<std::string> failed = reporters::WriteFileAtomically(
            directory / name,
            [&](std::ostream& out) { reporters::WriteReport(format, report, {}, out); })) {
      return failed;
    }
    written.push_back(name);
  }
  // The requirements PCI DSS asks evidence of (4.2.1, 4.2.1.1, 2.2.7, 8.3.2, 12.3.3) and those
  // the run's rules map to.
  const std::vector<RequirementResult> requirements =
      JudgeRequirements(report, kPciFramework, {"2.2.7", "4.2.1", "4.2.1.1", "8.3.2", "12.3.3"});
  if (std::optional<std::string> failed =
          reporters::WriteFileAtomically(directory / kRequirementsFile, [&](std::ostream& out) {
            reporters::WriteRequirementsJson(kPciFramework, requirements, out);
          })) {
    return failed;
  }
  written.push_back(kRequirementsFile);
  // The certificates, protocols and suites seen (4.2.1.1, 12.3.3).
  const CryptoInventory inventory = BuildCryptoInventory(facts);
  for (const auto& [name, write] :
       {std::pair{kInventoryJsonFile, &reporters::WriteCryptoInventoryJson},
        std::pair{kInventoryCsvFile, &reporters::WriteCryptoInventoryCsv}}) {
    if (std::optional<std::string> failed = reporters::WriteFileAtomically(
            directory / name, [&](std::ostream& out) { write(inventory, out); })) {
      return failed;
    }
    written.push_back(name);
  }
  evidence::Manifest manifest;
  manifest.tool_version = kVersion;
  manifest.command_line = report.invocation.arguments;
  manifest.operating_system_user = OperatingSystemUser();
  manifest.host = HostName();
  manifest.started_at = report.invocation.started_at;
  manifest.finished_at = report.invocation.finished_at;
  manifest.packs = packs;
  manifest.inputs = report.artifacts;
  manifest.files = evidence::DescribeFiles(options.directory, written);
  const std::string manifest_json = evidence::ManifestJson(manifest);
  if (std::optional<std::string> failed =
          reporters::WriteFileAtomically(directory / evidence::kManifestFile, manifest_json)) {
    return failed;
  }
  if (options.sign_key.empty()) return std::nullopt;
  const auto signature = evidence::SignDetached(manifest_json, options.sign_key, options.sign_cert);
  if (const auto* failure = std::get_if<evidence::SignatureError>(&signature)) {
    return failure->message;
  }
  return reporters::WriteFileAtomically(directory / evidence::kSignatureFile,
                                        std::get<std::string>(signature));
}

int RunEvidenceVerify(const EvidenceVerifyOptions& options, std::ostream& out, std::ostream& err) {
  const fs::path directory(options.directory);
  const std::optional<std::string> manifest_json = ReadWhole(directory / evidence::kManifestFile);
  if (!manifest_json) {
    err << "pgward: cannot read "
        << reporters::Printable((directory / evidence::kManifestFile).string()) << "\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  std::string reason;
  const std::optional<evidence::Manifest> manifest =
      evidence::ParseManifest(*manifest_json, reason);
  if (!manifest) {
    err << "pgward: " << reporters::Printable(options.directory) << "/" << evidence::kManifestFile
        << ": " << reason << "\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  std::vector<std::string> problems = evidence::CheckFiles(options.directory, *manifest);
  const std::optional<std::string> signature = ReadWhole(directory / evidence::kSignatureFile);
  std::string signed_by;
  if (signature) {
    const evidence::SignatureCheck check = evidence::VerifyDetached(
        *manifest_json, *signature,
        options.ca_file.empty() ? std::nullopt : std::optional<std::string>(options.ca_file));
    if (!check.valid) {
      problems.push_back(std::string(evidence::kSignatureFile) + ": " + check.error);
    } else {
      signed_by = check.signer;
    }
  } else if (!options.ca_file.empty()) {
    problems.push_back(std::string(evidence::kSignatureFile) +
                       ": missing (the bundle is not signed)");
  }
  for (const std::string& problem : problems)
    out << "FAIL " << reporters::Printable(problem) << "\n";
  if (!problems.empty()) {
    out << problems.size() << " problem(s): the bundle is not as it was written\n";
    return ToInt(ExitCode::kFindings);
  }
  out << "OK   " << manifest->files.size() << " file(s) as the manifest says (run by "
      << reporters::Printable(manifest->operating_system_user) << " on "
      << reporters::Printable(manifest->host) << ", " << manifest->started_at << " to "
      << manifest->finished_at << ")\n";
  if (signature) {
    out << "OK   manifest signed by " << reporters::Printable(signed_by)
        << (options.ca_file.empty() ? " (not checked against a CA: give --ca-file)"
                                    : ", which chains to " + options.ca_file)
        << "\n";
  } else {
    out << "NOTE the bundle is not signed\n";
  }
  return ToInt(ExitCode::kOk);
}

}  // namespace pgward::cli
