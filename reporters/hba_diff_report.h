#pragma once

// `pgward hba diff`: what a change to a pg_hba.conf opens or closes, and the findings it brings
// or removes, as text (terminals, CI logs), JSON, or Markdown (a pull-request comment or
// $GITHUB_STEP_SUMMARY). The command fills this model; the renderings know no hba types.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "engine/findings/report.h"

namespace pgward::reporters {

struct DecidingLine {
  std::string file;
  int line = 0;
  std::string method;      // "reject" for an explicit reject line
  std::string clientcert;  // empty without a client certificate check
};

struct AccessChangeView {
  std::string change;      // opened, closed, weakened, strengthened, moved
  std::string connection;  // local, tcp_plaintext, tcp_tls, tcp_gssenc
  std::vector<std::string> databases;
  std::vector<std::string> users;
  std::vector<std::string> addresses;  // CIDR blocks; a host name or samehost/samenet; none for
                                       // local connections
  std::optional<DecidingLine> base;    // absent: no line matched (the implicit reject)
  std::optional<DecidingLine> head;
};

struct HbaDiffReport {
  std::string base;  // the files compared, as named on the command line
  std::string head;
  bool base_loads = true;  // false: a line the server refuses; it would not load the file
  bool head_loads = true;
  std::vector<AccessChangeView> changes;
  // In the head, and not in the base (by fingerprint) or failing worse there (baseline_state
  // new or worsened: a map line the base could not decide, now failing).
  std::vector<Finding> new_findings;
  std::vector<Finding> fixed_findings;  // in the base, not in the head
  size_t unchanged_findings = 0;
  std::vector<RuleInfo> rules;      // for titles and fixes
  std::vector<std::string> errors;  // what could not be read: the comparison is incomplete
  int exit_code = 0;
};

void WriteHbaDiffText(const HbaDiffReport& report, std::ostream& out);
void WriteHbaDiffJson(const HbaDiffReport& report, std::ostream& out);
void WriteHbaDiffMarkdown(const HbaDiffReport& report, std::ostream& out);

}  // namespace pgward::reporters
