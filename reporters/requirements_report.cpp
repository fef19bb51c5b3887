#include "reporters/requirements_report.h"

#include <ostream>

#include "reporters/json_writer.h"

namespace pgward::reporters {

void WriteRequirementsJson(std::string_view framework,
                           const std::vector<RequirementResult>& requirements, std::ostream& out) {
  JsonWriter json(out);
  json.BeginObject();
  json.Member("framework", framework);
  json.Key("requirements");
  json.BeginArray();
  for (const RequirementResult& requirement : requirements) {
    json.BeginObject();
    json.Member("id", requirement.id);
    json.Member("verdict", RequirementVerdictName(requirement.verdict));
    json.Member("reason", requirement.reason);
    json.Key("rules");
    json.Strings(requirement.rules);
    json.IntMember("checks", static_cast<std::int64_t>(requirement.checks));
    json.Key("findings");
    json.BeginArray();
    for (const Finding* finding : requirement.findings) {
      json.BeginObject();
      json.Member("rule_id", finding->rule_id);
      json.Member("status", FindingStatusName(finding->status));
      json.Member("severity", SeverityName(finding->severity));
      json.Member("target", finding->target);
      json.Member("message", finding->message);
      json.Member("fingerprint", finding->fingerprint);
      json.EndObject();
    }
    json.EndArray();
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
  out << "\n";
}

}  // namespace pgward::reporters
