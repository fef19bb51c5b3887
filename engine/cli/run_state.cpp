#include "engine/cli/run_state.h"

#include <algorithm>
#include <cstdio>

#include "engine/core/file_digest.h"
#include "engine/core/input_file.h"
#include "reporters/atomic_file.h"
#include "reporters/render.h"

namespace pgward::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "run-";
constexpr std::string_view kLogPositions = "log-positions.json";
constexpr std::string_view kSuffix = ".json";

// run-000042.json -> 42; nullopt for any other name.
std::optional<unsigned long> RunNumber(const fs::path& path) {
  const std::string name = path.filename().string();
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  const std::string digits =
      name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoul(digits);
}

// A directory name from a label that may be a file name of any kind.
std::string SafeLabel(const std::string& label) {
  std::string safe;
  for (char c : label) {
    safe += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  }
  return safe.empty() ? "scan" : safe.substr(0, 64);
}

}  // namespace

std::variant<RunState, std::string> RunState::Open(const fs::path& directory,
                                                   const std::string& label,
                                                   const std::vector<std::string>& identity,
                                                   size_t keep) {
  std::string joined;
  for (const std::string& part : identity) joined += part + '\n';
  RunState state;
  state.directory_ = directory / (SafeLabel(label) + "-" + Sha256Hex(joined).substr(0, 12));
  state.keep_ = std::max<size_t>(keep, 1);
  std::error_code error;
  fs::create_directories(state.directory_, error);
  if (error)
    return "--state-dir: cannot create " + state.directory_.string() + ": " + error.message();
  return state;
}

std::vector<fs::path> RunState::Reports() const {
  std::vector<std::pair<unsigned long, fs::path>> numbered;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory_, error)) {
    if (const std::optional<unsigned long> number = RunNumber(entry.path())) {
      numbered.emplace_back(*number, entry.path());
    }
  }
  std::sort(numbered.begin(), numbered.end());
  std::vector<fs::path> reports;
  for (auto& [number, path] : numbered) reports.push_back(std::move(path));
  return reports;
}

std::optional<std::string> RunState::previous() const {
  const std::vector<fs::path> reports = Reports();
  if (reports.empty()) return std::nullopt;
  return reports.back().string();
}

std::optional<std::string> RunState::Save(const ScanReport& report) const {
  std::vector<fs::path> reports = Reports();
  const unsigned long next = reports.empty() ? 1 : *RunNumber(reports.back()) + 1;
  char name[32];
  std::snprintf(name, sizeof name, "run-%06lu.json", next);
  if (std::optional<std::string> error = reporters::WriteFileAtomically(
          directory_ / name,
          [&](std::ostream& out) { reporters::WriteReport("json", report, {}, out); },
          reporters::Durability::kSynced)) {
    return "--state-dir: " + *error;
  }
  reports.push_back(directory_ / name);
  std::error_code error;
  for (size_t i = 0; i + keep_ < reports.size(); ++i) fs::remove(reports[i], error);
  return std::nullopt;
}

std::variant<logs::LogPositions, std::string> RunState::LoadLogPositions() const {
  const fs::path path = directory_ / kLogPositions;
  std::error_code error;
  if (!fs::exists(path, error)) return logs::LogPositions();
  const InputFile file = ReadInputFile(path.string(), kDefaultMaxConfigBytes);
  if (file.error) return "--state-dir: cannot read " + path.string() + ": " + *file.error;
  std::string reason;
  std::optional<logs::LogPositions> positions = logs::LogPositions::FromJson(file.contents, reason);
  if (!positions) return "--state-dir: " + path.string() + ": " + reason;
  return std::move(*positions);
}

std::optional<std::string> RunState::SaveLogPositions(const logs::LogPositions& positions) const {
  if (std::optional<std::string> error = reporters::WriteFileAtomically(
          directory_ / kLogPositions, [&](std::ostream& out) { out << positions.ToJson(); },
          reporters::Durability::kSynced)) {
    return "--state-dir: " + *error;
  }
  return std::nullopt;
}

}  // namespace pgward::cli
