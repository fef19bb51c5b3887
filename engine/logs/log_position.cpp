#include "engine/logs/log_position.h"

#include <nlohmann/json.hpp>

namespace pgward::logs {

const LogPosition* LogPositions::Find(const FileIdentity& file) const {
  const auto found = positions_.find(file);
  return found == positions_.end() ? nullptr : &found->second;
}

void LogPositions::Set(const FileIdentity& file, LogPosition position) {
  positions_[file] = std::move(position);
}

std::string LogPositions::ToJson() const {
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const auto& [file, position] : positions_) {
    files.push_back({{"device", file.device},
                     {"inode", file.inode},
                     {"offset", position.offset},
                     {"head_sha256", position.head_digest}});
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
        !file.contains("offset") || !file.contains("head_sha256") ||
        !file["device"].is_number_unsigned() || !file["inode"].is_number_unsigned() ||
        !file["offset"].is_number_unsigned() || !file["head_sha256"].is_string()) {
      error = "an entry without an unsigned device, inode and offset and a head_sha256";
      return std::nullopt;
    }
    positions.Set({file["device"].get<std::uint64_t>(), file["inode"].get<std::uint64_t>()},
                  {file["offset"].get<std::uint64_t>(), file["head_sha256"].get<std::string>()});
  }
  return positions;
}

}  // namespace pgward::logs
