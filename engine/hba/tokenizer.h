#pragma once

// The first half of the server's reading of an authentication file (hba.c:
// tokenize_auth_file, next_field_expand, next_token and the @file / include machinery).
// Internal to engine/hba: the parser turns the lines into HbaRules.
//
// Records are handed out as views: the texts point into the file's read buffer or into
// scratch storage that the tokenizer reuses for the next record, so that a large file costs
// no allocation per token or per line. Whatever outlives the sink call must be copied.

#include <cstddef>
#include <forward_list>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/hba/file_gate.h"

namespace pgward::hba::internal {

// One token of a record. `quoted` is the server's initial_quote (see Token in model.h).
struct TokenView {
  std::string_view text;
  bool quoted = false;

  bool IsKeyword(std::string_view keyword) const { return !quoted && text == keyword; }
};

// TokenizedAuthLine: a record with at least one field, or a tokenizer error. A field is a
// comma-separated list of tokens, @file references already expanded.
struct TokenizedLine {
  std::shared_ptr<const std::string> file;
  int line = 0;
  // The tokens of all the fields, in order; field i ends before tokens[field_ends[i]].
  std::vector<TokenView> tokens;
  std::vector<std::size_t> field_ends;
  std::optional<std::string> error;
  // The path of a file this record names that the gate refused (the error says so).
  std::optional<std::string> refused_path;
  // Texts of tokens read from @files, whose buffers are gone by the time the record is
  // complete (a list, so that the texts never move).
  std::forward_list<std::string> expanded_texts;

  std::size_t FieldCount() const { return field_ends.size(); }
  std::span<const TokenView> Field(std::size_t index) const {
    const std::size_t begin = index == 0 ? 0 : field_ends[index - 1];
    return std::span<const TokenView>(tokens).subspan(begin, field_ends[index] - begin);
  }
};

// Receives the records in file order, as soon as each is complete. The record and the texts
// it points to are valid only during the call.
using LineSink = std::function<void(const TokenizedLine&)>;

// Tokenizes `contents`, read from `file`, with the rules of `pg_version`, passing the records
// of the file and of everything it includes (opened through `gate`) to `emit`. The records of a
// file share its path. Tokenizing ends early when the gate stops.
void TokenizeAuthFile(std::string_view contents, std::shared_ptr<const std::string> file,
                      int pg_version, FileGate& gate, const LineSink& emit);

// The same for a file open on `fd`, read in blocks as tokenizing goes, so that the whole file
// is never in memory. Returns 0, or the errno of a read() that failed; the records emitted
// before the failure are then incomplete.
int TokenizeAuthFile(int fd, std::shared_ptr<const std::string> file, int pg_version,
                     FileGate& gate, const LineSink& emit);

// The size in bytes of the regular file open on `fd`, or 0 if unknown.
std::size_t RegularFileSize(int fd);

}  // namespace pgward::hba::internal
