#include "engine/collect/inventory.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "engine/core/file_digest.h"
#include "engine/core/input_file.h"
#include "engine/core/redact.h"
#include "engine/core/yaml_document.h"

namespace pgward::collect {
namespace {

struct InventoryError {
  std::string message;
  YAML::Mark mark;
};

std::string Where(const std::string& path, const YAML::Mark& mark) {
  return path + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

std::string Scalar(const YAML::Node& node, const char* what) {
  if (!node.IsScalar()) throw InventoryError{std::string(what) + " must be a string", node.Mark()};
  return node.as<std::string>();
}

int TimeoutMs(const YAML::Node& node) {
  int value = 0;
  if (!node.IsScalar() || !YAML::convert<int>::decode(node, value) || value <= 0) {
    throw InventoryError{"timeout_ms must be a positive integer", node.Mark()};
  }
  return value;
}

void ReadConnect(const YAML::Node& node, std::map<std::string, std::string>& connect) {
  if (!node.IsMap())
    throw InventoryError{"connect must be a mapping of libpq keywords", node.Mark()};
  for (const auto& entry : node) {
    const std::string keyword = Scalar(entry.first, "a libpq keyword");
    // pgward sets these itself; a DSN or service names the database and server.
    if (keyword == "application_name" || keyword == "dbname") {
      throw InventoryError{"connect cannot set " + keyword + " (put the database in the dsn)",
                           entry.first.Mark()};
    }
    connect[keyword] = Scalar(entry.second, "a libpq value");
  }
}

void CheckKeys(const YAML::Node& node, std::initializer_list<std::string_view> known) {
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      throw InventoryError{"unknown key \"" + key + "\"", entry.first.Mark()};
    }
  }
}

Target ReadTarget(const YAML::Node& node, const Target& defaults,
                  const std::filesystem::path& directory) {
  if (!node.IsMap()) throw InventoryError{"a target must be a mapping", node.Mark()};
  CheckKeys(node, {"name", "dsn", "service", "tags", "hba_file", "timeout_ms", "connect"});
  Target target = defaults;
  if (!node["name"]) throw InventoryError{"a target needs a name", node.Mark()};
  target.name = Scalar(node["name"], "name");
  // Names appear in every report: a password pasted into one must not.
  if (target.name.empty() || RedactSecrets(target.name) != target.name) {
    throw InventoryError{"name must be non-empty and hold no password", node["name"].Mark()};
  }
  if (node["dsn"]) target.dsn = Scalar(node["dsn"], "dsn");
  if (node["service"]) target.service = Scalar(node["service"], "service");
  if (target.dsn.empty() && target.service.empty()) {
    throw InventoryError{"target " + target.name + " needs a dsn or a service", node.Mark()};
  }
  if (const YAML::Node tags = node["tags"]) {
    if (!tags.IsSequence()) throw InventoryError{"tags must be a list", tags.Mark()};
    for (const YAML::Node& tag : tags) target.tags.push_back(Scalar(tag, "a tag"));
  }
  if (node["hba_file"]) {
    const std::filesystem::path file = Scalar(node["hba_file"], "hba_file");
    target.hba_file = (file.is_absolute() ? file : directory / file).lexically_normal().string();
  }
  if (node["timeout_ms"]) target.timeout_ms = TimeoutMs(node["timeout_ms"]);
  if (node["connect"]) ReadConnect(node["connect"], target.connect);
  return target;
}

}  // namespace

InventoryResult LoadInventory(const std::string& path) {
  InventoryResult result;
  YAML::Node document;
  const InputFile file = ReadInputFile(path, kDefaultMaxConfigBytes);
  if (file.error) {
    result.error = path + ": cannot read the file: " + *file.error;
    return result;
  }
  try {
    document = LoadYamlDocument(file.contents);
  } catch (const YAML::Exception& error) {
    result.error = Where(path, error.mark) + ": " + error.msg;
    return result;
  }
  try {
    if (!document.IsMap())
      throw InventoryError{"an inventory is a mapping with targets", document.Mark()};
    CheckKeys(document, {"defaults", "targets"});
    Target defaults;
    if (const YAML::Node node = document["defaults"]) {
      if (!node.IsMap()) throw InventoryError{"defaults must be a mapping", node.Mark()};
      CheckKeys(node, {"timeout_ms", "connect"});
      if (node["timeout_ms"]) defaults.timeout_ms = TimeoutMs(node["timeout_ms"]);
      if (node["connect"]) ReadConnect(node["connect"], defaults.connect);
    }
    const YAML::Node targets = document["targets"];
    if (!targets || !targets.IsSequence() || targets.size() == 0) {
      throw InventoryError{"targets must be a non-empty list", document.Mark()};
    }
    const std::filesystem::path directory = std::filesystem::path(path).parent_path();
    std::set<std::string> names;
    for (const YAML::Node& node : targets) {
      Target target = ReadTarget(node, defaults, directory);
      target.source = SourceLocation{path, node.Mark().line + 1};
      if (!names.insert(target.name).second) {
        throw InventoryError{"two targets are named " + target.name, node.Mark()};
      }
      result.targets.push_back(std::move(target));
    }
  } catch (const InventoryError& error) {
    result.targets.clear();
    result.error = Where(path, error.mark) + ": " + error.message;
  } catch (const YAML::Exception& error) {
    result.targets.clear();
    result.error = Where(path, error.mark) + ": " + error.msg;
  }
  return result;
}

std::vector<Target> SelectByTags(const std::vector<Target>& targets,
                                 const std::vector<std::string>& tags) {
  if (tags.empty()) return targets;
  std::vector<Target> selected;
  for (const Target& target : targets) {
    const bool match = std::any_of(tags.begin(), tags.end(), [&](const std::string& tag) {
      return std::find(target.tags.begin(), target.tags.end(), tag) != target.tags.end();
    });
    if (match) selected.push_back(target);
  }
  return selected;
}

std::vector<Target> SelectShard(std::vector<Target> targets, size_t index, size_t count) {
  std::erase_if(targets, [&](const Target& target) {
    const std::string digest = Sha256Hex(target.name);
    return std::stoull(digest.substr(0, 15), nullptr, 16) % count != index;
  });
  return targets;
}

}  // namespace pgward::collect
