#include "engine/policy/waivers.h"

#include <algorithm>

#include "engine/core/input_file.h"
#include "engine/core/suggest.h"
#include "engine/core/yaml_tree.h"
#include "engine/model/fact_format.h"

namespace pgward::policy {
namespace {

constexpr std::string_view kWaiverKeys[] = {"rule", "match", "justification", "owner", "expires"};
constexpr std::string_view kMatchKeys[] = {"target",           "location",    "user",
                                           "application_name", "client_addr", "fingerprint"};
constexpr std::int64_t kDay = 24 * 60 * 60;

class WaiverReader {
 public:
  WaiverReader(std::string path, const std::set<std::string>& known_rules)
      : path_(std::move(path)), known_rules_(known_rules) {}

  WaiversLoadResult Read() {
    WaiversLoadResult result;
    const InputFile file = ReadInputFile(path_, kDefaultMaxConfigBytes);
    if (file.error) {
      Error(LoadErrorCode::kUnreadable, std::nullopt,
            "cannot read the waivers file: " + *file.error);
      result.errors = std::move(errors_);
      return result;
    }
    const std::variant<YamlTree, YamlError> parsed = YamlTree::Parse(file.contents);
    if (const YamlError* error = std::get_if<YamlError>(&parsed)) {
      Error(LoadErrorCode::kInvalidYaml, error->mark, "invalid YAML: " + error->message);
    } else {
      ReadRoot(std::get<YamlTree>(parsed).root(), result.waivers);
    }
    result.errors = std::move(errors_);
    if (!result.errors.empty()) result.waivers.clear();
    return result;
  }

 private:
  void Error(LoadErrorCode code, std::optional<YamlMark> mark, std::string message) {
    SourcePosition position{path_, 0, 0};
    if (mark) position = {path_, mark->line + 1, mark->column + 1};
    errors_.push_back({code, position, std::move(message)});
  }

  // Keys outside `allowed`, and keys given twice: libyaml takes both, the first would silently
  // win, and a waiver's match must say one thing.
  void CheckKeys(const YamlNode& map, std::span<const std::string_view> allowed,
                 const std::string& where) {
    std::set<std::string_view> seen;
    for (size_t i = 0; i < map.size(); ++i) {
      const std::string& key = map.Key(i).Scalar();
      if (!seen.insert(key).second) {
        Error(LoadErrorCode::kDuplicate, map.Key(i).mark(),
              "duplicate key '" + key + "' in " + where);
        continue;
      }
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string message = "unknown key '" + key + "' in " + where;
      if (auto match = ClosestMatch(key, allowed)) message += " (did you mean '" + *match + "'?)";
      Error(LoadErrorCode::kUnknownKey, map.Key(i).mark(), message);
    }
  }

  std::optional<std::string> Text(const YamlNode& map, const char* key, bool required) {
    const std::optional<YamlNode> node = map.Find(key);
    if (!node) {
      if (required)
        Error(LoadErrorCode::kMissingKey, map.mark(),
              std::string("missing required key '") + key + "' in waiver");
      return std::nullopt;
    }
    if (!node->IsScalar() || node->Scalar().empty()) {
      Error(LoadErrorCode::kWrongType, node->mark(),
            std::string("'") + key + "' must be a non-empty string");
      return std::nullopt;
    }
    return node->Scalar();
  }

  void ReadRoot(const YamlNode& root, std::vector<Waiver>& waivers) {
    if (!root.IsMap() || root.ScalarOf("apiVersion") != "pgward/v1" ||
        root.ScalarOf("kind") != "Waivers") {
      Error(LoadErrorCode::kUnsupported, root.mark(),
            "a waivers file starts with apiVersion: pgward/v1 and kind: Waivers");
      return;
    }
    constexpr std::string_view kRootKeys[] = {"apiVersion", "kind", "waivers"};
    CheckKeys(root, kRootKeys, "a Waivers file");
    const std::optional<YamlNode> list = root.Find("waivers");
    if (!list || !list->IsSequence()) {
      Error(LoadErrorCode::kMissingKey, root.mark(), "missing required list 'waivers'");
      return;
    }
    for (size_t i = 0; i < list->size(); ++i) {
      if (std::optional<Waiver> waiver = ReadWaiver(list->Element(i))) {
        waivers.push_back(std::move(*waiver));
      }
    }
  }

  std::optional<Waiver> ReadWaiver(const YamlNode& node) {
    if (!node.IsMap()) {
      Error(LoadErrorCode::kWrongType, node.mark(), "each waiver must be a mapping");
      return std::nullopt;
    }
    const size_t errors_before = errors_.size();
    CheckKeys(node, kWaiverKeys, "waiver");
    Waiver waiver;
    waiver.source = path_ + ":" + std::to_string(node.mark().line + 1);
    waiver.rule_id = Text(node, "rule", true).value_or("");
    if (!waiver.rule_id.empty() && !known_rules_.contains(waiver.rule_id)) {
      const std::vector<std::string_view> rules(known_rules_.begin(), known_rules_.end());
      std::string message = "waiver for unknown rule '" + waiver.rule_id + "'";
      if (auto match = ClosestMatch(waiver.rule_id, rules)) {
        message += " (did you mean '" + *match + "'?)";
      }
      Error(LoadErrorCode::kUnknownName, node.Find("rule")->mark(), message);
    }
    waiver.justification = Text(node, "justification", true).value_or("");
    waiver.owner = Text(node, "owner", true).value_or("");
    if (std::optional<std::string> expires = Text(node, "expires", true)) {
      const std::optional<std::int64_t> day =
          expires->size() == 10 ? ParseTimestamp(*expires) : std::nullopt;
      if (!day) {
        Error(LoadErrorCode::kInvalidValue, node.Find("expires")->mark(),
              "'expires' must be a date, YYYY-MM-DD");
      } else {
        waiver.expires = *expires;
        waiver.expires_at = *day + kDay - 1;
      }
    }
    if (const std::optional<YamlNode> match = node.Find("match")) {
      if (!match->IsMap()) {
        Error(LoadErrorCode::kWrongType, match->mark(), "'match' must be a mapping");
      } else {
        CheckKeys(*match, kMatchKeys, "waiver match");
        waiver.target = Text(*match, "target", false);
        waiver.location = Text(*match, "location", false);
        waiver.user = Text(*match, "user", false);
        waiver.application_name = Text(*match, "application_name", false);
        waiver.fingerprint = Text(*match, "fingerprint", false);
        if (std::optional<std::string> cidr = Text(*match, "client_addr", false)) {
          waiver.client_addr = ParseIpRange(*cidr);
          if (!waiver.client_addr) {
            Error(LoadErrorCode::kInvalidValue, match->Find("client_addr")->mark(),
                  "invalid CIDR '" + *cidr + "' in waiver match");
          }
        }
      }
    }
    if (errors_.size() != errors_before) return std::nullopt;
    return waiver;
  }

  std::string path_;
  const std::set<std::string>& known_rules_;
  std::vector<LoadError> errors_;
};

bool SubjectIs(const Finding& finding, std::string_view field, const std::string& value) {
  return finding.subject && finding.subject->Text(field) == value;
}

bool Matches(const Waiver& waiver, const Finding& finding) {
  if (waiver.rule_id != finding.rule_id) return false;
  if (waiver.target && *waiver.target != finding.target) return false;
  if (waiver.location) {
    if (!finding.location) return false;
    const std::string location =
        finding.location->file + ":" + std::to_string(finding.location->line);
    // A path relative to the scan's working directory, or just the tail the user wrote.
    if (location != *waiver.location && !location.ends_with("/" + *waiver.location)) return false;
  }
  if (waiver.user && !SubjectIs(finding, "user", *waiver.user)) return false;
  if (waiver.application_name &&
      !SubjectIs(finding, "application_name", *waiver.application_name)) {
    return false;
  }
  if (waiver.client_addr) {
    if (!finding.subject) return false;
    const std::optional<std::string> text = finding.subject->Text("client_addr");
    if (!text) return false;
    const std::optional<IpAddress> address = ParseIpAddress(*text);
    if (!address || !waiver.client_addr->Contains(*address)) return false;
  }
  if (waiver.fingerprint && *waiver.fingerprint != finding.fingerprint) return false;
  return true;
}

}  // namespace

WaiversLoadResult LoadWaivers(const std::string& path, const std::set<std::string>& known_rules) {
  return WaiverReader(path, known_rules).Read();
}

std::vector<std::string> ApplyWaivers(const std::vector<Waiver>& waivers,
                                      std::vector<Finding>& findings, std::int64_t now) {
  std::vector<bool> used(waivers.size(), false);
  std::vector<std::shared_ptr<const WaiverNote>> notes(waivers.size());
  for (Finding& finding : findings) {
    // Missing evidence is never waived: a waiver accepts a known problem, not an unknown one.
    if (finding.status != FindingStatus::kFail) continue;
    for (size_t i = 0; i < waivers.size(); ++i) {
      if (!Matches(waivers[i], finding)) continue;
      used[i] = true;
      const Waiver& waiver = waivers[i];
      if (!notes[i]) {
        notes[i] = std::make_shared<const WaiverNote>(
            WaiverNote{waiver.justification, waiver.owner, waiver.expires, waiver.source});
      }
      finding.waiver = notes[i];
      if (now > waiver.expires_at) {
        finding.note =
            "waiver " + waiver.source + " (" + waiver.owner + ") expired on " + waiver.expires;
      } else {
        finding.status = FindingStatus::kWaived;
      }
      break;
    }
  }
  std::vector<std::string> warnings;
  for (size_t i = 0; i < waivers.size(); ++i) {
    if (!used[i]) {
      warnings.push_back("waiver " + waivers[i].source + " for " + waivers[i].rule_id +
                         " matched no finding");
    }
  }
  return warnings;
}

}  // namespace pgward::policy
