#include "reporters/hba_explain_report.h"

#include "reporters/json_writer.h"
#include "reporters/printable.h"

namespace pgward::reporters {

void WriteExplanationJson(const ConnectionExplanation& explanation, std::ostream& out) {
  {
    JsonWriter json(out);
    json.BeginObject();
    json.Key("matched");
    json.Bool(explanation.matched.has_value());
    const std::optional<ConnectionExplanation::Match>& match = explanation.matched;
    json.Key("rule_number");
    json.OptionalInt(match ? match->rule_number : std::nullopt);
    json.Key("file_name");
    json.OptionalString(match ? std::optional(match->file_name) : std::nullopt);
    json.Key("line_number");
    json.OptionalInt(match ? std::optional(match->line_number) : std::nullopt);
    json.Key("type");
    json.OptionalString(match ? std::optional(match->type) : std::nullopt);
    json.Key("auth_method");
    json.OptionalString(match ? std::optional(match->auth_method) : std::nullopt);
    json.Member("reason", !match ? "no line matches: the server rejects the connection (implicit "
                                   "reject)"
                          : match->reject ? "first matching line, a reject line: the server refuses"
                                          : "first matching line");
    json.Key("file_loads");
    json.Bool(explanation.file_loads);
    json.Key("undecided");
    json.BeginArray();
    for (const std::string& location : explanation.undecided) json.String(location);
    json.EndArray();
    json.Key("skipped");
    json.BeginArray();
    for (const ExplainedLine& line : explanation.skipped) {
      json.BeginObject();
      json.Member("line", line.location);
      json.Member("reason", line.reason);
      json.EndObject();
    }
    json.EndArray();
    json.EndObject();
  }
  out << "\n";
}

// Every string here comes from the file under review or the command line: Printable keeps
// escape sequences in its tokens off the terminal.
void WriteExplanationText(const ConnectionExplanation& explanation, std::ostream& out) {
  out << Printable(explanation.attempt) << ":\n";
  if (const std::optional<ConnectionExplanation::Match>& match = explanation.matched) {
    out << "  " << Printable(match->file_name) << ":" << match->line_number << ": "
        << Printable(match->record) << "\n";
    out << (match->reject
                ? "  is the first matching line: a reject line, the server refuses the connection\n"
                : "  is the first matching line: the server authenticates with it\n");
  } else {
    out << "  no line matches: the server rejects the connection (implicit reject)\n";
  }
  if (!explanation.undecided.empty()) {
    out << "  unless one of these earlier lines matches (decided by DNS or the server's "
           "interfaces):\n";
    for (const std::string& location : explanation.undecided) {
      out << "    " << Printable(location) << "\n";
    }
  }
  if (!explanation.skipped.empty()) out << "Earlier lines that do not match:\n";
  for (const ExplainedLine& line : explanation.skipped) {
    out << "  " << Printable(line.location) << ": " << Printable(line.reason) << "\n";
  }
  if (!explanation.file_loads) {
    out << "Warning: the server would refuse to load this file (lines with errors above); "
           "it keeps its previous rules, or does not start.\n";
  }
}

}  // namespace pgward::reporters
