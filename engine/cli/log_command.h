#pragma once

// `pgward log summary FILE...`: what PostgreSQL server logs say about connections over the
// period they cover (log_connections lines, TLS protocols and suites used, authentication and
// handshake failures, the pg_hba.conf lines used, and who is behind each).

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace pgward::cli {

struct LogSummaryOptions {
  std::vector<std::string> files;
  std::string log_format;  // "" to recognise it from the content
  std::string line_prefix;
  std::string since, until;
  std::string min_tls_version = "TLSv1.2";
  unsigned jobs = 0;  // threads reading stderr and jsonlog; 0 for every core
  enum class Format { kText, kJson } format = Format::kText;
};

// Exit 0 once every file was read; 2 for a bad option value or a file that cannot be read (the
// summary of the others is not printed: an incomplete summary would understate what happened).
int RunLogSummary(const LogSummaryOptions& options, std::ostream& out, std::ostream& err);

}  // namespace pgward::cli
