#pragma once

// Reading one authentication file (pg_hba.conf or pg_ident.conf) and everything it includes,
// through one FileGate, as records. Both files are read alike by the server (load_hba and
// load_ident call the same tokenize_auth_file); only the parsing of a record differs. Internal
// to engine/hba.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "engine/hba/model.h"
#include "engine/hba/parser.h"
#include "engine/hba/tokenizer.h"

namespace pgward::hba::internal {

// Why a file gave no records (at most one is set). The records emitted before either happened
// are incomplete: the caller drops them.
struct AuthFileOutcome {
  // The top-level file could not be read: no rows, as the server's ERROR.
  std::optional<FileReadError> read_error;
  // A device, FIFO or socket, or past a read limit (FileGate::input_error).
  std::optional<std::string> input_error;

  bool complete() const { return !read_error && !input_error; }
};

struct AuthFileReader {
  const FileAccess& access;
  int pg_version = kDefaultPgVersion;
  // The shortest line that makes a record: the file's size over it bounds the records, which
  // `reserve` is told once before the first.
  std::size_t min_record_bytes = 1;
  std::function<void(std::size_t)> reserve;
  LineSink emit;
};

// Keeps the records read into `file` (an HbaFile or IdentFile, `records` its rows) only when
// the read completed; otherwise none, and why.
template <typename File, typename Records>
void KeepIfComplete(AuthFileOutcome outcome, File& file, Records& records) {
  if (outcome.complete()) return;
  records = {};
  file.refused.clear();
  file.read_error = std::move(outcome.read_error);
  file.input_error = std::move(outcome.input_error);
}

// Why the file at `path` gave no rows, for an error message; nullopt when it was read.
std::optional<std::string> UnreadableReason(const std::string& path,
                                            const std::optional<FileReadError>& read_error,
                                            const std::optional<std::string>& input_error);

// Reads the file at `path` ("-": standard input, includes relative to the working directory).
AuthFileOutcome ReadAuthFile(const std::string& path, const AuthFileReader& reader);

// Reads `contents` as if it were the file at `path`.
AuthFileOutcome ReadAuthText(std::string_view contents, const std::string& path,
                             const AuthFileReader& reader);

}  // namespace pgward::hba::internal
