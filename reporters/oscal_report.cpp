#include "reporters/oscal_report.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "engine/core/file_digest.h"
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

// A value for OSCAL's string type (no blank at either end, no line break): blanks and control
// characters become '_'. For names from outside (a user name read back from a report).
std::string OscalString(std::string_view text) {
  std::string value(text);
  for (char& c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7F) c = '_';
  }
  return value.empty() ? "_" : value;
}

std::string ControlId(std::string_view framework, std::string_view requirement) {
  return std::string(framework) + "_" + std::string(requirement);
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
    seed_ = report.invocation.started_at;
    for (const std::string& argument : report.invocation.arguments) seed_ += "\x1f" + argument;
    start_ = OscalTime(report.invocation.started_at);
    for (const ServerInfo& server : report.servers) servers_.emplace(server.name, &server);
    for (const RuleInfo& rule : report.rules) rules_.emplace(rule.id, &rule);
    for (std::size_t i = 0; i < report.findings.size(); ++i) {
      finding_index_.emplace(&report.findings[i], i);
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

  void Prop(std::string_view name, std::string_view value) {
    json_.BeginObject();
    json_.Member("name", name);
    json_.Member("ns", kNamespace);
    json_.Member("value", value);
    json_.EndObject();
  }

  void WriteMetadata() {
    const Invocation& invocation = report_.invocation;
    json_.Key("metadata");
    json_.BeginObject();
    json_.Member("title", "PostgreSQL transport security: pgward assessment results");
    json_.Member("last-modified",
                 !invocation.finished_at.empty() ? OscalTime(invocation.finished_at) : start_);
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
    const Invocation& invocation = report_.invocation;
    json_.BeginObject();
    json_.Member("uuid", Uuid("result", ""));
    json_.Member("title",
                 "pgward scan of " + std::to_string(report_.targets.size()) + " target(s)");
    std::string command;
    for (const std::string& argument : invocation.arguments) {
      command += (command.empty() ? "" : " ") + argument;
    }
    json_.Member("description", "Automated assessment of PostgreSQL transport security by pgward " +
                                    std::string(kVersion) + ": " + command);
    json_.Member("start", start_);
    if (!invocation.finished_at.empty()) json_.Member("end", OscalTime(invocation.finished_at));
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
    if (!report_.targets.empty()) {
      json_.Key("inventory-items");
      json_.BeginArray();
      for (const std::string& target : report_.targets) {
        json_.BeginObject();
        json_.Member("uuid", Uuid("target", target));
        const auto server = servers_.find(target);
        json_.Member("description", server != servers_.end()
                                        ? "PostgreSQL server " + DescribeServer(*server->second)
                                        : "Input " + target);
        json_.Key("props");
        json_.BeginArray();
        Prop("asset-type", server != servers_.end() ? "database" : "file");
        if (server != servers_.end() && server->second->version) {
          Prop("software-version", ServerVersionName(*server->second->version));
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
                 "The requirements of the frameworks the applied policies map their rules to. "
                 "Control ids are the framework id, '_' and the requirement.");
    json_.Key("control-selections");
    json_.BeginArray();
    bool any = false;
    for (const auto& [framework, results] : judged_) {
      std::vector<const RequirementResult*> assessed, not_assessed;
      for (const RequirementResult& result : results) {
        (result.verdict == RequirementVerdict::kNotAssessed ? not_assessed : assessed)
            .push_back(&result);
      }
      if (!assessed.empty()) {
        any = true;
        json_.BeginObject();
        json_.Member("description", framework->title + ": assessed");
        json_.Key("include-controls");
        json_.BeginArray();
        for (const RequirementResult* result : assessed) {
          json_.BeginObject();
          json_.Member("control-id", ControlId(framework->id, result->id));
          json_.EndObject();
        }
        json_.EndArray();
        json_.EndObject();
      }
      if (!not_assessed.empty()) {
        any = true;
        json_.BeginObject();
        json_.Member("description", framework->title + ": not assessed by this run");
        json_.Key("props");
        json_.BeginArray();
        Prop("assessment-status", "not-assessed");
        json_.EndArray();
        json_.Key("exclude-controls");
        json_.BeginArray();
        std::string why;
        for (const RequirementResult* result : not_assessed) {
          json_.BeginObject();
          json_.Member("control-id", ControlId(framework->id, result->id));
          json_.EndObject();
          why += (why.empty() ? "" : "; ") + result->id + ": " + result->reason;
        }
        json_.EndArray();
        json_.Member("remarks", "Neither satisfied nor not satisfied, so not a finding: " + why);
        json_.EndObject();
      }
    }
    if (!any) {
      json_.BeginObject();
      json_.Member("description", "No rule of this run maps to a compliance framework.");
      json_.EndObject();
    }
    json_.EndArray();
    json_.EndObject();
  }

  // TEST for a server (its facts come from querying and probing it, now or for the snapshot
  // scanned); EXAMINE for a file (a pg_hba.conf, a log).
  std::string_view Method(std::string_view target) const {
    return servers_.contains(std::string(target)) ? "TEST" : "EXAMINE";
  }

  std::string Collected(std::string_view target) const {
    const auto server = servers_.find(std::string(target));
    if (server != servers_.end() && !server->second->collected_at.empty()) {
      return OscalTime(server->second->collected_at);
    }
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

  // The resources that hold a target's evidence: the file itself, or the servers' facts.
  std::vector<const OscalResource*> EvidenceOf(std::string_view target) const {
    std::vector<const OscalResource*> evidence;
    const bool server = servers_.contains(std::string(target));
    for (const OscalResource& resource : options_.resources) {
      if (resource.path == target || (server && resource.path == options_.server_evidence)) {
        evidence.push_back(&resource);
      }
    }
    return evidence;
  }

  void WriteObservations() {
    if (report_.targets.empty() && report_.findings.empty()) return;
    json_.Key("observations");
    json_.BeginArray();
    for (const std::string& target : report_.targets) {
      json_.BeginObject();
      json_.Member("uuid", Uuid("evidence", target));
      json_.Member("title", "Evidence of " + target);
      std::size_t errors = 0;
      for (const EvidenceError& error : report_.errors) errors += error.target == target;
      json_.Member("description", errors == 0
                                      ? "Every piece of evidence pgward looks for was collected."
                                      : std::to_string(errors) +
                                            " piece(s) of evidence could not be collected: what "
                                            "needs them is not assessed.");
      json_.Key("methods");
      json_.Strings({std::string(Method(target))});
      Origins();
      Subject(target);
      if (const std::vector<const OscalResource*> evidence = EvidenceOf(target);
          !evidence.empty()) {
        json_.Key("relevant-evidence");
        json_.BeginArray();
        for (const OscalResource* resource : evidence) {
          json_.BeginObject();
          json_.Member("href", "#" + Uuid("resource", resource->path));
          json_.Member("description", resource->title);
          json_.EndObject();
        }
        json_.EndArray();
      }
      json_.Member("collected", Collected(target));
      json_.EndObject();
    }
    for (std::size_t i = 0; i < report_.findings.size(); ++i) {
      const Finding& finding = report_.findings[i];
      json_.BeginObject();
      json_.Member("uuid", Uuid("finding", std::to_string(i)));
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
        if (result.verdict == RequirementVerdict::kNotAssessed) continue;
        if (!open) {
          json_.Key("findings");
          json_.BeginArray();
          open = true;
        }
        const std::string control = ControlId(framework->id, result.id);
        json_.BeginObject();
        json_.Member("uuid", Uuid("requirement", control));
        json_.Member("title", framework->title + " requirement " + result.id);
        json_.Member("description", result.reason);
        Origins();
        json_.Key("target");
        json_.BeginObject();
        json_.Member("type", "objective-id");
        json_.Member("target-id", control + "_obj");
        json_.Member("title", framework->title + " requirement " + result.id);
        json_.Key("status");
        json_.BeginObject();
        const bool satisfied = result.verdict == RequirementVerdict::kSatisfied;
        json_.Member("state", satisfied ? "satisfied" : "not-satisfied");
        json_.Member("reason", satisfied ? "pass" : "fail");
        json_.EndObject();
        json_.EndObject();
        // The findings behind it; for a requirement satisfied, the evidence of the targets its
        // rules checked.
        std::vector<std::string> related;
        for (const Finding* finding : result.findings) {
          related.push_back(Uuid("finding", std::to_string(finding_index_.at(finding))));
        }
        if (related.empty()) {
          std::set<std::string> targets;
          for (const RuleCheck& check : report_.checks) {
            if (std::find(result.rules.begin(), result.rules.end(), check.rule_id) !=
                result.rules.end()) {
              targets.insert(check.target);
            }
          }
          for (const std::string& target : targets) related.push_back(Uuid("evidence", target));
        }
        if (!related.empty()) {
          json_.Key("related-observations");
          json_.BeginArray();
          for (const std::string& uuid : related) {
            json_.BeginObject();
            json_.Member("observation-uuid", uuid);
            json_.EndObject();
          }
          json_.EndArray();
        }
        json_.EndObject();
      }
    }
    if (open) json_.EndArray();
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
    for (const OscalResource& resource : options_.resources) {
      json_.BeginObject();
      json_.Member("uuid", Uuid("resource", resource.path));
      json_.Member("title", resource.title);
      json_.Key("rlinks");
      json_.BeginArray();
      json_.BeginObject();
      json_.Member("href", PercentEncode(resource.path));
      json_.Member("media-type", MediaType(resource.path));
      json_.Key("hashes");
      json_.BeginArray();
      json_.BeginObject();
      json_.Member("algorithm", "SHA-256");
      json_.Member("value", resource.sha256);
      json_.EndObject();
      json_.EndArray();
      json_.EndObject();
      json_.EndArray();
      json_.EndObject();
    }
    json_.EndArray();
    json_.EndObject();
  }

  const ScanReport& report_;
  const OscalOptions& options_;
  JsonWriter json_;
  std::string seed_;
  std::string start_;
  std::map<std::string, const ServerInfo*> servers_;
  std::map<std::string_view, const RuleInfo*> rules_;
  std::map<const Finding*, std::size_t> finding_index_;
  std::vector<std::pair<const FrameworkInfo*, std::vector<RequirementResult>>> judged_;
};

}  // namespace

OscalOptions OscalOptionsOf(const ScanReport& report) {
  OscalOptions options;
  for (const Artifact& artifact : report.artifacts) {
    options.resources.push_back({artifact.path, artifact.sha256, "An input the run read"});
  }
  return options;
}

void WriteOscalAssessmentResults(const ScanReport& report, const OscalOptions& options,
                                 std::ostream& out) {
  Writer(report, options, out).Write();
}

}  // namespace pgward::reporters
