#include "reporters/oscal_report.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "engine/core/file_digest.h"
#include "engine/core/utf8.h"
#include "engine/findings/requirements.h"
#include "engine/model/fact_format.h"
#include "pgward/version.h"
#include "reporters/json_writer.h"
#include "reporters/source_path.h"

namespace pgward::reporters {
namespace {

constexpr std::string_view kOscalVersion = "1.0.6";
// pgward's namespace for the props OSCAL does not define.
constexpr std::string_view kNamespace = "https://github.com/pgward/pgward/ns/oscal";
// OSCAL needs a time where --reproducible leaves the run's out: the epoch says "not recorded".
constexpr std::string_view kNoTime = "1970-01-01T00:00:00Z";

// A time as OSCAL's date-time pattern takes it (UTC, a year from 1900 to 2999), or kNoTime.
std::string OscalTime(std::string_view text) {
  constexpr std::int64_t kYear1900 = -2208988800, kYear3000 = 32503680000;
  const std::optional<std::int64_t> seconds = ParseTimestamp(text);
  if (!seconds || *seconds < kYear1900 || *seconds >= kYear3000) return std::string(kNoTime);
  return FormatTimestamp(*seconds);
}

// ECMAScript's white space and line terminators (what \s matches, and '.' does not cross), and
// the controls: none may begin or end an OSCAL string, nor break one.
bool IsBlank(char32_t c) {
  return c <= 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

// A value for OSCAL's string type (^\S(.*\S)?$): blanks, controls and invalid UTF-8 become '_'.
std::string OscalString(std::string_view text) {
  std::string value;
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Char next = NextUtf8(text, i);
    if (!next.valid || IsBlank(next.code_point)) {
      value += '_';
    } else {
      value.append(text.substr(i, next.length));
    }
    i += next.length;
  }
  return value.empty() ? "_" : value;
}

// `text` in OSCAL's token alphabet, reversibly: letters, digits, '.' and '-' stay (but for a
// first character that is not a letter, when the text begins a token), every other byte becomes
// "_HH", so that two different texts never give one token.
std::string TokenPart(std::string_view text, bool begins_token) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string token;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const bool letter = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z');
    const bool keep = letter || ((i > 0 || !begins_token) &&
                                 ((byte >= '0' && byte <= '9') || byte == '.' || byte == '-'));
    if (keep) {
      token += static_cast<char>(byte);
    } else {
      token += '_';
      token += kHex[byte >> 4];
      token += kHex[byte & 0xF];
    }
  }
  return token.empty() ? "_" : token;
}

// "_" never precedes "_" in a TokenPart: "__" joins two of them unambiguously.
std::string ControlId(std::string_view framework, std::string_view requirement) {
  return TokenPart(framework, true) + "__" + TokenPart(requirement, false);
}

bool IsSha256(std::string_view digest) {
  return digest.size() == 64 && std::all_of(digest.begin(), digest.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string MediaType(std::string_view path) {
  const auto ends = [&](std::string_view suffix) {
    return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
  };
  if (ends(".json") || ends(".sarif")) return "application/json";
  if (ends(".xml")) return "application/xml";
  if (ends(".html")) return "text/html";
  if (ends(".csv")) return "text/csv";
  if (ends(".p7s")) return "application/pkcs7-signature";
  if (ends(".yaml") || ends(".yml")) return "application/yaml";
  return "text/plain";
}

class Writer {
 public:
  Writer(const ScanReport& report, const OscalOptions& options, std::ostream& out)
      : report_(report), options_(options), json_(out) {
    const Invocation& invocation = report.invocation;
    // What the run was and what it found: two runs differ in their UUIDs when either differs.
    // Hashed as it goes: a report of a million findings is never joined into one string. Should
    // OpenSSL fail, the seed is empty: the UUIDs are still unique within the document.
    Sha256Hasher identity;
    identity.Update(invocation.started_at);
    for (const std::string& argument : invocation.arguments) {
      identity.Update("\x1f");
      identity.Update(argument);
    }
    for (const Finding& finding : report.findings) {
      identity.Update("\x1f");
      identity.Update(finding.fingerprint);
    }
    seed_ = identity.FinishHex();
    start_ = OscalTime(!options.started_at.empty() ? options.started_at : invocation.started_at);
    const std::string& finished =
        !options.finished_at.empty() ? options.finished_at : invocation.finished_at;
    if (!finished.empty()) end_ = OscalTime(finished);
    for (const RuleInfo& rule : report.rules) rules_.emplace(rule.id, &rule);
    // Every target anything is said of: the run's, and a server's own files its findings name.
    subjects_.insert(report.targets.begin(), report.targets.end());
    for (const Finding& finding : report.findings) {
      subjects_.insert(finding.target);
      if (finding.status == FindingStatus::kError) ++missing_[finding.target];
    }
    for (const RuleCheck& check : report.checks) subjects_.insert(check.target);
    for (const EvidenceError& error : report.errors) {
      subjects_.insert(error.target);
      ++missing_[error.target];
    }
    for (const FrameworkInfo& framework : report.frameworks) {
      judged_.emplace_back(&framework,
                           JudgeRequirements(report, framework.id, RequiredEvidence(framework.id)));
    }
  }

  void Write() {
    json_.BeginObject();
    json_.Key("assessment-results");
    json_.BeginObject();
    json_.Member("uuid", Uuid("document", ""));
    WriteMetadata();
    json_.Key("import-ap");
    json_.BeginObject();
    json_.Member("href", "#" + Uuid("plan", ""));
    json_.Member("remarks",
                 "No separate OSCAL assessment plan: the back-matter resource it points to names "
                 "the policies pgward applied.");
    json_.EndObject();
    json_.Key("results");
    json_.BeginArray();
    WriteResult();
    json_.EndArray();
    WriteBackMatter();
    json_.EndObject();
    json_.EndObject();
  }

 private:
  std::string Uuid(std::string_view kind, std::string_view id) const {
    return NameUuid(seed_ + "\x1e" + std::string(kind) + "\x1e" + std::string(id));
  }

  // A finding's observation, by its place in the report: unique although two findings may share
  // rule, target and fingerprint (the same line twice), and made when written, never held for
  // every finding at once.
  std::string FindingUuid(const Finding& finding) const {
    return Uuid("finding", std::to_string(&finding - report_.findings.data()));
  }

  void Prop(std::string_view name, std::string_view value) {
    json_.BeginObject();
    json_.Member("name", name);
    json_.Member("ns", kNamespace);
    json_.Member("value", OscalString(value));
    json_.EndObject();
  }

  void WriteMetadata() {
    const Invocation& invocation = report_.invocation;
    json_.Key("metadata");
    json_.BeginObject();
    json_.Member("title", "PostgreSQL transport security: pgward assessment results");
    json_.Member("last-modified", end_.empty() ? start_ : end_);
    json_.Member("version", kVersion);
    json_.Member("oscal-version", kOscalVersion);
    if (!invocation.user.empty()) {
      json_.Key("roles");
      json_.BeginArray();
      json_.BeginObject();
      json_.Member("id", "assessor");
      json_.Member("title", "Operator of the scan");
      json_.EndObject();
      json_.EndArray();
      json_.Key("parties");
      json_.BeginArray();
      json_.BeginObject();
      json_.Member("uuid", Uuid("party", invocation.user));
      json_.Member("type", "person");
      json_.Member("name", OscalString(invocation.user));
      if (!invocation.host.empty()) {
        json_.Member("remarks",
                     "Ran pgward as this operating-system user on host " + invocation.host + ".");
      }
      json_.EndObject();
      json_.EndArray();
      json_.Key("responsible-parties");
      json_.BeginArray();
      json_.BeginObject();
      json_.Member("role-id", "assessor");
      json_.Key("party-uuids");
      json_.Strings({Uuid("party", invocation.user)});
      json_.EndObject();
      json_.EndArray();
    }
    json_.EndObject();
  }

  void WriteResult() {
    json_.BeginObject();
    json_.Member("uuid", Uuid("result", ""));
    json_.Member("title",
                 "pgward scan of " + std::to_string(report_.targets.size()) + " target(s)");
    std::string command;
    for (const std::string& argument : report_.invocation.arguments) {
      command += (command.empty() ? "" : " ") + argument;
    }
    json_.Member("description", "Automated assessment of PostgreSQL transport security by pgward " +
                                    std::string(kVersion) + ": " + command);
    json_.Member("start", start_);
    if (!end_.empty()) json_.Member("end", end_);
    WriteLocalDefinitions();
    WriteReviewedControls();
    WriteObservations();
    WriteFindings();
    json_.EndObject();
  }

  void WriteLocalDefinitions() {
    json_.Key("local-definitions");
    json_.BeginObject();
    json_.Key("components");
    json_.BeginArray();
    json_.BeginObject();
    json_.Member("uuid", Uuid("component", "pgward"));
    json_.Member("type", "software");
    json_.Member("title", "pgward " + std::string(kVersion));
    json_.Member("description",
                 "Policy-as-code compliance scanner for PostgreSQL transport "
                 "security: the tool that made every observation here.");
    json_.Key("status");
    json_.BeginObject();
    json_.Member("state", "operational");
    json_.EndObject();
    json_.EndObject();
    json_.EndArray();
    if (!subjects_.empty()) {
      json_.Key("inventory-items");
      json_.BeginArray();
      for (const std::string& target : subjects_) {
        json_.BeginObject();
        json_.Member("uuid", Uuid("target", target));
        const ServerInfo* server = ServerOf(report_, target);
        const bool is_server = server != nullptr && server->name == target;
        json_.Member("description", is_server ? "PostgreSQL server " + DescribeServer(*server)
                                    : server  ? "A file of PostgreSQL server " + server->name +
                                                   ", read through it: " + target
                                             : "Input " + target);
        json_.Key("props");
        json_.BeginArray();
        Prop("asset-type", is_server ? "database" : "file");
        if (is_server && server->version) {
          Prop("software-version", ServerVersionName(*server->version));
        }
        json_.EndArray();
        json_.EndObject();
      }
      json_.EndArray();
    }
    json_.EndObject();
  }

  void WriteReviewedControls() {
    json_.Key("reviewed-controls");
    json_.BeginObject();
    json_.Member("description",
                 "The requirements of the frameworks the applied policies map their rules to, "
                 "and those PCI DSS asks evidence of. Control ids are the framework id and the "
                 "requirement, each escaped into OSCAL's token alphabet, joined by '__'.");
    json_.Key("control-selections");
    json_.BeginArray();
    bool any = false;
    for (const auto& [framework, results] : judged_) {
      if (results.empty()) continue;
      any = true;
      json_.BeginObject();
      json_.Member("description", framework->title.empty() ? framework->id : framework->title);
      json_.Key("include-controls");
      json_.BeginArray();
      for (const RequirementResult& result : results) {
        json_.BeginObject();
        json_.Member("control-id", ControlId(framework->id, result.id));
        json_.EndObject();
      }
      json_.EndArray();
      json_.EndObject();
    }
    if (!any) {
      json_.BeginObject();
      json_.Member("description", "No rule of this run maps to a compliance framework.");
      json_.EndObject();
    }
    json_.EndArray();
    json_.EndObject();
  }

  // TEST for a server and its own files (the facts come from querying it, now or for the
  // snapshot scanned); EXAMINE for a file scanned as such.
  std::string_view Method(std::string_view target) const {
    return ServerOf(report_, target) != nullptr ? "TEST" : "EXAMINE";
  }

  // When the target's evidence was collected: its server's time, else the run's.
  std::string Collected(std::string_view target) const {
    const ServerInfo* server = ServerOf(report_, target);
    if (server && !server->collected_at.empty()) return OscalTime(server->collected_at);
    return start_;
  }

  void Origins() {
    json_.Key("origins");
    json_.BeginArray();
    json_.BeginObject();
    json_.Key("actors");
    json_.BeginArray();
    json_.BeginObject();
    json_.Member("type", "tool");
    json_.Member("actor-uuid", Uuid("component", "pgward"));
    json_.EndObject();
    json_.EndArray();
    json_.EndObject();
    json_.EndArray();
  }

  void Subject(std::string_view target) {
    json_.Key("subjects");
    json_.BeginArray();
    json_.BeginObject();
    json_.Member("subject-uuid", Uuid("target", target));
    json_.Member("type", "inventory-item");
    json_.Member("title", target);
    json_.EndObject();
    json_.EndArray();
  }

  // The resources that hold a target's evidence: the input file itself, or the bundle's
  // snapshot of the servers' facts.
  std::vector<std::string> EvidenceOf(std::string_view target) const {
    std::vector<std::string> uuids;
    for (const OscalResource& input : options_.inputs) {
      if (input.path == target) uuids.push_back(Uuid("input", input.path));
    }
    if (!options_.server_evidence.empty() && ServerOf(report_, target) != nullptr) {
      uuids.push_back(Uuid("bundle", options_.server_evidence));
    }
    return uuids;
  }

  void WriteObservations() {
    if (subjects_.empty()) return;
    json_.Key("observations");
    json_.BeginArray();
    for (const std::string& target : subjects_) {
      json_.BeginObject();
      json_.Member("uuid", Uuid("evidence", target));
      json_.Member("title", "Evidence of " + target);
      const auto missing = missing_.find(target);
      json_.Member("description",
                   missing == missing_.end()
                       ? "Every piece of evidence the applied rules need was collected."
                       : std::to_string(missing->second) +
                             " piece(s) of evidence could not be collected or judged: what needs "
                             "them is not assessed, and not satisfied.");
      json_.Key("methods");
      json_.Strings({std::string(Method(target))});
      Origins();
      Subject(target);
      if (const std::vector<std::string> evidence = EvidenceOf(target); !evidence.empty()) {
        json_.Key("relevant-evidence");
        json_.BeginArray();
        for (const std::string& uuid : evidence) {
          json_.BeginObject();
          json_.Member("href", "#" + uuid);
          json_.Member("description", "The file the observation rests on.");
          json_.EndObject();
        }
        json_.EndArray();
      }
      json_.Member("collected", Collected(target));
      json_.EndObject();
    }
    for (const Finding& finding : report_.findings) {
      json_.BeginObject();
      json_.Member("uuid", FindingUuid(finding));
      const auto rule = rules_.find(finding.rule_id);
      json_.Member("title", finding.rule_id + (rule != rules_.end() && !rule->second->title.empty()
                                                   ? ": " + rule->second->title
                                                   : std::string()));
      std::string description = finding.message;
      if (finding.location) {
        description +=
            " (" + finding.location->file + ":" + std::to_string(finding.location->line) + ")";
      }
      if (finding.count > 1) description += " (" + std::to_string(finding.count) + " sessions)";
      json_.Member("description", description);
      json_.Key("props");
      json_.BeginArray();
      Prop("rule-id", finding.rule_id);
      Prop("severity", SeverityName(finding.severity));
      Prop("status", FindingStatusName(finding.status));
      json_.EndArray();
      json_.Key("methods");
      json_.Strings({std::string(Method(finding.target))});
      Origins();
      Subject(finding.target);
      json_.Member("collected", Collected(finding.target));
      if (finding.waiver) {
        json_.Member("remarks", "Waived by " + finding.waiver->owner + " until " +
                                    finding.waiver->expires + ": " + finding.waiver->justification);
      } else if (finding.note) {
        json_.Member("remarks", *finding.note);
      }
      json_.EndObject();
    }
    json_.EndArray();
  }

  void WriteFindings() {
    bool open = false;
    for (const auto& [framework, results] : judged_) {
      for (const RequirementResult& result : results) {
        if (!open) {
          json_.Key("findings");
          json_.BeginArray();
          open = true;
        }
        const std::string control = ControlId(framework->id, result.id);
        const std::string title = (framework->title.empty() ? framework->id : framework->title) +
                                  " requirement " + result.id;
        json_.BeginObject();
        json_.Member("uuid", Uuid("requirement", framework->id + "\x1e" + result.id));
        json_.Member("title", title);
        json_.Member("description", result.reason);
        const bool assessed = result.verdict != RequirementVerdict::kNotAssessed;
        if (!assessed) {
          json_.Key("props");
          json_.BeginArray();
          Prop("assessment-status", "not-assessed");
          json_.EndArray();
        }
        Origins();
        json_.Key("target");
        json_.BeginObject();
        json_.Member("type", "objective-id");
        json_.Member("target-id", control + "__obj");
        json_.Member("title", title);
        json_.Key("status");
        json_.BeginObject();
        // Not assessed is not a pass: not-satisfied, for the reason that it was not assessed.
        const bool satisfied = result.verdict == RequirementVerdict::kSatisfied;
        json_.Member("state", satisfied ? "satisfied" : "not-satisfied");
        json_.Member("reason", satisfied ? "pass" : assessed ? "fail" : "not-assessed");
        if (!assessed) json_.Member("remarks", "Not assessed by this run: " + result.reason);
        json_.EndObject();
        json_.EndObject();
        WriteRelatedObservations(result);
        json_.EndObject();
      }
    }
    if (open) json_.EndArray();
  }

  // The findings behind a requirement, and the evidence of the targets its rules checked.
  void WriteRelatedObservations(const RequirementResult& result) {
    std::set<std::string> targets;
    for (const RuleCheck& check : report_.checks) {
      if (std::find(result.rules.begin(), result.rules.end(), check.rule_id) !=
          result.rules.end()) {
        targets.insert(check.target);
      }
    }
    if (result.findings.empty() && targets.empty()) return;
    const auto related = [this](const std::string& uuid) {
      json_.BeginObject();
      json_.Member("observation-uuid", uuid);
      json_.EndObject();
    };
    json_.Key("related-observations");
    json_.BeginArray();
    for (const Finding* finding : result.findings) related(FindingUuid(*finding));
    for (const std::string& target : targets) related(Uuid("evidence", target));
    json_.EndArray();
  }

  void Resource(const std::string& uuid, const OscalResource& resource, const std::string& href) {
    json_.BeginObject();
    json_.Member("uuid", uuid);
    json_.Member("title", resource.title);
    json_.Member("description", resource.path);
    json_.Key("rlinks");
    json_.BeginArray();
    json_.BeginObject();
    json_.Member("href", href);
    json_.Member("media-type", MediaType(resource.path));
    if (IsSha256(resource.sha256)) {
      json_.Key("hashes");
      json_.BeginArray();
      json_.BeginObject();
      json_.Member("algorithm", "SHA-256");
      json_.Member("value", resource.sha256);
      json_.EndObject();
      json_.EndArray();
    }
    json_.EndObject();
    json_.EndArray();
    json_.EndObject();
  }

  void WriteBackMatter() {
    json_.Key("back-matter");
    json_.BeginObject();
    json_.Key("resources");
    json_.BeginArray();
    json_.BeginObject();
    json_.Member("uuid", Uuid("plan", ""));
    json_.Member("title", "The policies pgward applied");
    std::set<std::string> policies;
    for (const RuleInfo& rule : report_.rules) policies.insert(rule.policy);
    std::string names;
    for (const std::string& policy : policies) names += (names.empty() ? "" : ", ") + policy;
    json_.Member("description", "The rules of " + (names.empty() ? "no policy" : names) +
                                    ", evaluated over every target of the run.");
    json_.EndObject();
    // An input by its absolute file URI (wherever the document is read from); a bundle's file
    // relative to the document, beside it.
    std::set<std::string> written;
    for (const OscalResource& input : options_.inputs) {
      if (!written.insert("input\x1e" + input.path).second) continue;
      Resource(Uuid("input", input.path), input,
               "file://" + PercentEncode(AbsolutePath(input.path).generic_string()));
    }
    for (const OscalResource& file : options_.bundle_files) {
      if (!written.insert("bundle\x1e" + file.path).second) continue;
      Resource(Uuid("bundle", file.path), file, PercentEncode(file.path));
    }
    json_.EndArray();
    json_.EndObject();
  }

  const ScanReport& report_;
  const OscalOptions& options_;
  JsonWriter json_;
  std::string seed_;
  std::string start_, end_;
  std::map<std::string_view, const RuleInfo*> rules_;
  std::set<std::string> subjects_;
  std::map<std::string, std::size_t> missing_;  // target -> evidence errors and undecided findings
  std::vector<std::pair<const FrameworkInfo*, std::vector<RequirementResult>>> judged_;
};

}  // namespace

OscalOptions OscalOptionsOf(const ScanReport& report) {
  OscalOptions options;
  for (const Artifact& artifact : report.artifacts) {
    options.inputs.push_back({artifact.path, artifact.sha256, "An input the run read"});
  }
  return options;
}

void WriteOscalAssessmentResults(const ScanReport& report, const OscalOptions& options,
                                 std::ostream& out) {
  Writer(report, options, out).Write();
}

}  // namespace pgward::reporters
