#pragma once

// `pgward hba explain`: which line of a pg_hba.conf decides one connection attempt, and why
// the earlier lines do not, as JSON or as text. The command fills this model from the first-
// match analysis; the renderings know nothing of hba types.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace pgward::reporters {

struct ExplainedLine {
  std::string location;  // FILE:LINE
  std::string reason;    // why it does not match
};

struct ConnectionExplanation {
  // "hostssl connection from 10.0.0.5 as user "app" to database "db1"".
  std::string attempt;
  struct Match {
    std::optional<int> rule_number;  // as the view numbers it; absent before 16
    std::string file_name;
    int line_number = 0;
    std::string type;
    std::string auth_method;
    std::string record;  // the line as the server holds it, secrets masked
    bool reject = false;
  };
  std::optional<Match> matched;  // absent: no line matches, an implicit reject
  // Earlier lines whose match depends on DNS or the server's interfaces (FILE:LINE).
  std::vector<std::string> undecided;
  std::vector<ExplainedLine> skipped;  // earlier lines that do not match
  bool file_loads = true;              // false: lines with errors; the server refuses the file
};

void WriteExplanationJson(const ConnectionExplanation& explanation, std::ostream& out);
void WriteExplanationText(const ConnectionExplanation& explanation, std::ostream& out);

}  // namespace pgward::reporters
