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

// Whether `object` has no time `key`, or one IsMilliseconds takes.
bool HasNoOrValidTime(const nlohmann::json& object, const char* key) {
  return !object.contains(key) || IsMilliseconds(object[key]);
}

// The time `key` of `object`, checked with HasNoOrValidTime, if it has one.
std::optional<std::int64_t> TimeOf(const nlohmann::json& object, const char* key) {
  if (!object.contains(key)) return std::nullopt;
  return object[key].get<std::int64_t>();
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
    if (position.reloads_generation > 0) entry["reloads_generation"] = position.reloads_generation;
    if (!position.outdated_configurations.empty()) {
      nlohmann::ordered_json outdated = nlohmann::ordered_json::array();
      for (const OutdatedConfiguration& configuration : position.outdated_configurations) {
        nlohmann::ordered_json entry = {{"configuration", configuration.configuration}};
        if (configuration.last_failed) entry["last_failed_ms"] = *configuration.last_failed;
        entry["doubted"] = configuration.doubted;
        outdated.push_back(std::move(entry));
      }
      entry["outdated_configurations"] = std::move(outdated);
    }
    files.push_back(std::move(entry));
  }
  nlohmann::ordered_json document{{"files", files}};
  if (generation_ > 0) document["generation"] = generation_;
  return document.dump(1) + "\n";
}

std::optional<LogPositions> LogPositions::FromJson(const std::string& text, std::string& error) {
  const nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (!document.is_object() || !document.contains("files") || !document["files"].is_array()) {
    error = "not a log positions document";
    return std::nullopt;
  }
  LogPositions positions;
  if (document.contains("generation")) {
    if (!document["generation"].is_number_unsigned()) {
      error = "a generation that is not an unsigned integer";
      return std::nullopt;
    }
    positions.generation_ = document["generation"].get<std::uint64_t>();
  }
  for (const nlohmann::json& file : document["files"]) {
    if (!file.is_object() || !file.contains("device") || !file.contains("inode") ||
        !file.contains("offset") || !file.contains("head_sha256") ||
        !file["device"].is_number_unsigned() || !file["inode"].is_number_unsigned() ||
        !file["offset"].is_number_unsigned() || !file["head_sha256"].is_string()) {
      error = "an entry without an unsigned device, inode and offset and a head_sha256";
      return std::nullopt;
    }
    LogPosition position{
        file["offset"].get<std::uint64_t>(), file["head_sha256"].get<std::string>(), {}, 0, {}};
    if (file.contains("reloads_generation")) {
      if (!file["reloads_generation"].is_number_unsigned()) {
        error = "a reloads_generation that is not an unsigned integer";
        return std::nullopt;
      }
      position.reloads_generation = file["reloads_generation"].get<std::uint64_t>();
    }
    if (file.contains("open_connections")) {
      const nlohmann::json& open = file["open_connections"];
      if (!open.is_array()) {
        error = "open_connections that is not a list";
        return std::nullopt;
      }
      for (const nlohmann::json& connection : open) {
        if (!connection.is_object() || !connection.contains("backend") ||
            !connection.contains("client") || !connection["backend"].is_string() ||
            !connection["client"].is_string() || !HasNoOrValidTime(connection, "received_ms")) {
          error = "an open connection without a backend and a client";
          return std::nullopt;
        }
        position.open_connections.push_back({connection["backend"].get<std::string>(),
                                             connection["client"].get<std::string>(),
                                             TimeOf(connection, "received_ms")});
      }
    }
    if (file.contains("outdated_configurations")) {
      const nlohmann::json& outdated = file["outdated_configurations"];
      if (!outdated.is_array()) {
        error = "outdated_configurations that is not a list";
        return std::nullopt;
      }
      for (const nlohmann::json& configuration : outdated) {
        if (!configuration.is_object() || !configuration.contains("configuration") ||
            !configuration["configuration"].is_string() || !configuration.contains("doubted") ||
            !configuration["doubted"].is_boolean() ||
            !HasNoOrValidTime(configuration, "last_failed_ms")) {
          error = "an outdated configuration without a name, doubted or a valid time";
          return std::nullopt;
        }
        position.outdated_configurations.push_back(
            {configuration["configuration"].get<std::string>(),
             TimeOf(configuration, "last_failed_ms"), configuration["doubted"].get<bool>()});
      }
    }
    positions.Set({file["device"].get<std::uint64_t>(), file["inode"].get<std::uint64_t>()},
                  std::move(position));
  }
  return positions;
}

}  // namespace pgward::logs
