#pragma once

// The first half of the server's reading of an authentication file (hba.c:
// tokenize_auth_file, next_field_expand, next_token and the @file / include machinery).
// Internal to engine/hba: the parser turns the lines into HbaRules.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/hba/model.h"

namespace pgward::hba::internal {

// A field is a comma-separated list of tokens; @file references are already expanded.
using Field = std::vector<Token>;

// TokenizedAuthLine: a record with at least one field, or a tokenizer error.
struct TokenizedLine {
  std::shared_ptr<const std::string> file;  // shared by all the records of a file
  int line = 0;
  std::vector<Field> fields;
  std::optional<std::string> error;
};

// Receives the records in file order, as soon as each is complete.
using LineSink = std::function<void(TokenizedLine&&)>;

// Tokenizes `contents`, read from `file`, with the rules of `pg_version`, passing the records
// of the file and of everything it includes to `emit`.
void TokenizeAuthFile(std::string_view contents, const std::string& file, int pg_version,
                      const LineSink& emit);

// A whole file, or the errno of the open() or read() that failed: the server words the two
// failures differently.
struct FileContents {
  std::string data;
  int open_error = 0;
  int read_error = 0;
};
FileContents ReadWholeFile(const std::string& path);

}  // namespace pgward::hba::internal
