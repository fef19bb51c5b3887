#include "engine/logs/log_position.h"

#include <nlohmann/json.hpp>

namespace pgward::logs {

std::uint64_t LogPositions::ResumeAt(const FileIdentity& file, std::uint64_t size) const {
  const auto found = offsets_.find(file);
  if (found == offsets_.end() || found->second > size) return 0;
  return found->second;
}

void LogPositions::Set(const FileIdentity& file, std::uint64_t offset) { offsets_[file] = offset; }

std::string LogPositions::ToJson() const {
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const auto& [file, offset] : offsets_) {
    files.push_back({{"device", file.device}, {"inode", file.inode}, {"offset", offset}});
  }
  return nlohmann::ordered_json{{"files", files}}.dump(1) + "\n";
}

std::optional<LogPositions> LogPositions::FromJson(const std::string& text, std::string& error) {
  const nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (!document.is_object() || !document.contains("files") || !document["files"].is_array()) {
    error = "not a log positions document";
    return std::nullopt;
  }
  LogPositions positions;
  for (const nlohmann::json& file : document["files"]) {
    if (!file.is_object() || !file.contains("device") || !file.contains("inode") ||
        !file.contains("offset") || !file["device"].is_number_unsigned() ||
        !file["inode"].is_number_unsigned() || !file["offset"].is_number_unsigned()) {
      error = "an entry without an unsigned device, inode and offset";
      return std::nullopt;
    }
    positions.Set({file["device"].get<std::uint64_t>(), file["inode"].get<std::uint64_t>()},
                  file["offset"].get<std::uint64_t>());
  }
  return positions;
}

}  // namespace pgward::logs
