#include "engine/logs/log_position.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

namespace pgward::logs {
namespace {

// A time in milliseconds as ToJson writes it: an integer that fits in 64 signed bits (nlohmann
// takes larger unsigned ones for integers too).
bool IsMilliseconds(const nlohmann::json& value) {
  return value.is_number_integer() &&
         (!value.is_number_unsigned() ||
          value.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX));
}

}  // namespace

std::optional<FileIdentity> IdentityOf(const std::string& path) {
  struct stat status {};
  if (stat(path.c_str(), &status) != 0) return std::nullopt;
  return FileIdentity{static_cast<std::uint64_t>(status.st_dev),
                      static_cast<std::uint64_t>(status.st_ino)};
}

const LogPosition* LogPositions::Find(const FileIdentity& file) const {
  const auto found = positions_.find(file);
  return found == positions_.end() ? nullptr : &found->second;
}

void LogPositions::Set(const FileIdentity& file, LogPosition position) {
  positions_[file] = std::move(position);
}

ReloadMemory LogPositions::Reloads(const std::string& log) const {
  const auto found = reloads_.find(log);
  return found == reloads_.end() ? ReloadMemory() : found->second;
}

void LogPositions::SetReloads(const std::string& log, ReloadMemory memory) {
  if (memory.empty()) {
    reloads_.erase(log);
  } else {
    reloads_[log] = std::move(memory);
  }
}

std::string LogPositions::ToJson() const {
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const auto& [file, position] : positions_) {
    nlohmann::ordered_json entry = {{"device", file.device},
                                    {"inode", file.inode},
                                    {"offset", position.offset},
                                    {"head_sha256", position.head_digest}};
    if (!position.open_connections.empty()) {
      nlohmann::ordered_json open = nlohmann::ordered_json::array();
      for (const OpenConnection& connection : position.open_connections) {
        nlohmann::ordered_json entry = {{"backend", connection.backend},
                                        {"client", connection.client}};
        if (connection.received) entry["received_ms"] = *connection.received;
        open.push_back(std::move(entry));
      }
      entry["open_connections"] = std::move(open);
    }
    files.push_back(std::move(entry));
  }
  nlohmann::ordered_json document{{"files", files}};
  if (!reloads_.empty()) {
    nlohmann::ordered_json logs = nlohmann::ordered_json::array();
    for (const auto& [log, memory] : reloads_) {
      nlohmann::ordered_json outdated = nlohmann::ordered_json::array();
      for (const OutdatedConfiguration& configuration : memory.outdated) {
        nlohmann::ordered_json entry = {{"configuration", configuration.configuration}};
        if (configuration.last_failed) entry["last_failed_ms"] = *configuration.last_failed;
        entry["process"] = configuration.process;
        outdated.push_back(std::move(entry));
      }
      nlohmann::ordered_json entry = {{"log", log}};
      if (memory.applied) entry["applied_ms"] = *memory.applied;
      entry["outdated"] = std::move(outdated);
      logs.push_back(std::move(entry));
    }
    document["reloads"] = std::move(logs);
  }
  return document.dump(1) + "\n";
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
    LogPosition position{
        file["offset"].get<std::uint64_t>(), file["head_sha256"].get<std::string>(), {}};
    if (file.contains("open_connections")) {
      const nlohmann::json& open = file["open_connections"];
      if (!open.is_array()) {
        error = "open_connections that is not a list";
        return std::nullopt;
      }
      for (const nlohmann::json& connection : open) {
        if (!connection.is_object() || !connection.contains("backend") ||
            !connection.contains("client") || !connection["backend"].is_string() ||
            !connection["client"].is_string() ||
            (connection.contains("received_ms") && !IsMilliseconds(connection["received_ms"]))) {
          error = "an open connection without a backend and a client";
          return std::nullopt;
        }
        position.open_connections.push_back(
            {connection["backend"].get<std::string>(), connection["client"].get<std::string>(),
             connection.contains("received_ms")
                 ? std::optional<std::int64_t>(connection["received_ms"].get<std::int64_t>())
                 : std::nullopt});
      }
    }
    positions.Set({file["device"].get<std::uint64_t>(), file["inode"].get<std::uint64_t>()},
                  std::move(position));
  }
  if (document.contains("reloads")) {
    const nlohmann::json& logs = document["reloads"];
    if (!logs.is_array()) {
      error = "reloads that is not a list";
      return std::nullopt;
    }
    for (const nlohmann::json& log : logs) {
      if (!log.is_object() || !log.contains("log") || !log["log"].is_string() ||
          !log.contains("outdated") || !log["outdated"].is_array() ||
          (log.contains("applied_ms") && !IsMilliseconds(log["applied_ms"]))) {
        error = "a reloads entry without a log, its outdated configurations and a valid time";
        return std::nullopt;
      }
      ReloadMemory memory;
      if (log.contains("applied_ms")) memory.applied = log["applied_ms"].get<std::int64_t>();
      for (const nlohmann::json& configuration : log["outdated"]) {
        if (!configuration.is_object() || !configuration.contains("configuration") ||
            !configuration["configuration"].is_string() || !configuration.contains("process") ||
            !configuration["process"].is_string() ||
            (configuration.contains("last_failed_ms") &&
             !IsMilliseconds(configuration["last_failed_ms"]))) {
          error = "an outdated configuration without a name, a process and a valid time";
          return std::nullopt;
        }
        memory.outdated.push_back(
            {configuration["configuration"].get<std::string>(),
             configuration.contains("last_failed_ms")
                 ? std::optional<std::int64_t>(configuration["last_failed_ms"].get<std::int64_t>())
                 : std::nullopt,
             configuration["process"].get<std::string>()});
      }
      positions.SetReloads(log["log"].get<std::string>(), std::move(memory));
    }
  }
  return positions;
}

}  // namespace pgward::logs
