#include "engine/collect/inventory.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>

#include "engine/core/file_digest.h"
#include "engine/core/input_file.h"
#include "engine/core/redact.h"
#include "engine/core/yaml_tree.h"

namespace pgward::collect {
namespace {

using Node = YamlTree::Node;

struct InventoryError {
  std::string message;
  YamlMark mark;
};

std::string Where(const std::string& path, const YamlMark& mark) {
  return path + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

std::string Scalar(const Node& node, const char* what) {
  if (!node.IsScalar()) throw InventoryError{std::string(what) + " must be a string", node.mark()};
  return node.Scalar();
}

int TimeoutMs(const Node& node) {
  int value = 0;
  const std::string& text = node.Scalar();
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!node.IsScalar() || error != std::errc() || end != text.data() + text.size() || value <= 0) {
    throw InventoryError{"timeout_ms must be a positive integer", node.mark()};
  }
  return value;
}

bool Flag(const Node& node, const char* what) {
  if (node.IsScalar() && (node.Scalar() == "true" || node.Scalar() == "false")) {
    return node.Scalar() == "true";
  }
  throw InventoryError{std::string(what) + " must be true or false", node.mark()};
}

void ReadConnect(const Node& node, std::map<std::string, std::string>& connect) {
  if (!node.IsMap())
    throw InventoryError{"connect must be a mapping of libpq keywords", node.mark()};
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string keyword = Scalar(node.Key(i), "a libpq keyword");
    // pgward sets these itself; a DSN or service names the database and server.
    if (keyword == "application_name" || keyword == "dbname") {
      throw InventoryError{"connect cannot set " + keyword + " (put the database in the dsn)",
                           node.Key(i).mark()};
    }
    connect[keyword] = Scalar(node.Value(i), "a libpq value");
  }
}

void CheckKeys(const Node& node, std::initializer_list<std::string_view> known) {
  for (size_t i = 0; i < node.size(); ++i) {
    const Node key = node.Key(i);
    if (std::find(known.begin(), known.end(), key.Scalar()) == known.end() || !key.IsScalar()) {
      throw InventoryError{"unknown key \"" + key.Scalar() + "\"", key.mark()};
    }
  }
}

Target ReadTarget(const Node& node, const Target& defaults,
                  const std::filesystem::path& directory) {
  if (!node.IsMap()) throw InventoryError{"a target must be a mapping", node.mark()};
  CheckKeys(node, {"name", "dsn", "service", "tags", "hba_file", "ident_file", "server_logs",
                   "log_line_prefix", "log_format", "timeout_ms", "connect", "require_direct_tls"});
  Target target = defaults;
  const std::optional<Node> name = node.Find("name");
  if (!name) throw InventoryError{"a target needs a name", node.mark()};
  target.name = Scalar(*name, "name");
  // Names appear in every report: a password pasted into one must not.
  if (target.name.empty() || RedactSecrets(target.name) != target.name) {
    throw InventoryError{"name must be non-empty and hold no password", name->mark()};
  }
  if (const std::optional<Node> dsn = node.Find("dsn")) target.dsn = Scalar(*dsn, "dsn");
  if (const std::optional<Node> service = node.Find("service")) {
    target.service = Scalar(*service, "service");
  }
  if (target.dsn.empty() && target.service.empty()) {
    throw InventoryError{"target " + target.name + " needs a dsn or a service", node.mark()};
  }
  if (const std::optional<Node> tags = node.Find("tags")) {
    if (!tags->IsSequence()) throw InventoryError{"tags must be a list", tags->mark()};
    for (size_t i = 0; i < tags->size(); ++i) {
      target.tags.push_back(Scalar(tags->Element(i), "a tag"));
    }
  }
  // Copies of the server's files, relative to the inventory and confined to its directory.
  target.inventory_directory =
      std::filesystem::absolute(directory.empty() ? "." : directory).lexically_normal().string();
  for (auto [key, path] :
       {std::pair{"hba_file", &target.hba_file}, std::pair{"ident_file", &target.ident_file}}) {
    if (const std::optional<Node> value = node.Find(key)) {
      const std::filesystem::path file = Scalar(*value, key);
      *path = (file.is_absolute() ? file : directory / file).lexically_normal().string();
    }
  }
  if (const std::optional<Node> logs = node.Find("server_logs")) {
    if (!logs->IsSequence() || logs->size() == 0) {
      throw InventoryError{"server_logs must be a list of files, rotated ones first", logs->mark()};
    }
    for (size_t i = 0; i < logs->size(); ++i) {
      const std::filesystem::path file = Scalar(logs->Element(i), "a server log");
      target.server_logs.push_back(
          (file.is_absolute() ? file : directory / file).lexically_normal().string());
    }
  }
  if (const std::optional<Node> prefix = node.Find("log_line_prefix")) {
    target.log_line_prefix = Scalar(*prefix, "log_line_prefix");
  }
  if (const std::optional<Node> format = node.Find("log_format")) {
    target.log_format = Scalar(*format, "log_format");
    if (target.log_format != "stderr" && target.log_format != "csvlog" &&
        target.log_format != "jsonlog") {
      throw InventoryError{"log_format must be stderr, csvlog or jsonlog", format->mark()};
    }
  }
  if (const std::optional<Node> timeout = node.Find("timeout_ms")) {
    target.timeout_ms = TimeoutMs(*timeout);
  }
  if (const std::optional<Node> connect = node.Find("connect")) {
    ReadConnect(*connect, target.connect);
  }
  if (const std::optional<Node> direct = node.Find("require_direct_tls")) {
    target.require_direct_tls = Flag(*direct, "require_direct_tls");
  }
  return target;
}

}  // namespace

InventoryResult LoadInventory(const std::string& path) {
  InventoryResult result;
  const InputFile file = ReadInputFile(path, kDefaultMaxConfigBytes);
  if (file.error) {
    result.error = path + ": cannot read the file: " + *file.error;
    return result;
  }
  std::variant<YamlTree, YamlError> parsed = YamlTree::Parse(file.contents);
  if (const YamlError* error = std::get_if<YamlError>(&parsed)) {
    result.error = Where(path, error->mark) + ": " + error->message;
    return result;
  }
  const Node document = std::get<YamlTree>(parsed).root();
  try {
    if (!document.IsMap())
      throw InventoryError{"an inventory is a mapping with targets", document.mark()};
    CheckKeys(document, {"defaults", "targets"});
    Target defaults;
    if (const std::optional<Node> node = document.Find("defaults")) {
      if (!node->IsMap()) throw InventoryError{"defaults must be a mapping", node->mark()};
      CheckKeys(*node, {"timeout_ms", "connect", "require_direct_tls"});
      if (const std::optional<Node> timeout = node->Find("timeout_ms")) {
        defaults.timeout_ms = TimeoutMs(*timeout);
      }
      if (const std::optional<Node> connect = node->Find("connect")) {
        ReadConnect(*connect, defaults.connect);
      }
      if (const std::optional<Node> direct = node->Find("require_direct_tls")) {
        defaults.require_direct_tls = Flag(*direct, "require_direct_tls");
      }
    }
    const std::optional<Node> targets = document.Find("targets");
    if (!targets || !targets->IsSequence() || targets->size() == 0) {
      throw InventoryError{"targets must be a non-empty list", document.mark()};
    }
    const std::filesystem::path directory = std::filesystem::path(path).parent_path();
    std::set<std::string> names;
    result.targets.reserve(targets->size());
    for (size_t i = 0; i < targets->size(); ++i) {
      const Node node = targets->Element(i);
      Target target = ReadTarget(node, defaults, directory);
      target.source = SourceLocation{path, node.mark().line + 1};
      if (!names.insert(target.name).second) {
        throw InventoryError{"two targets are named " + target.name, node.mark()};
      }
      result.targets.push_back(std::move(target));
    }
  } catch (const InventoryError& error) {
    result.targets.clear();
    result.error = Where(path, error.mark) + ": " + error.message;
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
