#include "engine/hba/ident.h"

#include <algorithm>
#include <utility>

#include "engine/hba/auth_file.h"
#include "engine/hba/regex_check.h"
#include "engine/hba/tokenizer.h"

namespace pgward::hba {
namespace {

using internal::TokenizedLine;
using internal::TokenView;

constexpr std::string_view kMissingEntry = "missing entry at end of line";
constexpr std::string_view kMultipleValues = "multiple values in ident field";

// The one token of field `index` (IDENT_FIELD_ABSENT, IDENT_MULTI_VALUE), or the error.
std::optional<std::string> SingleToken(const TokenizedLine& line, std::size_t index,
                                       const TokenView*& token) {
  if (index >= line.FieldCount()) return std::string(kMissingEntry);
  const std::span<const TokenView> field = line.Field(index);
  if (field.size() > 1) return std::string(kMultipleValues);
  token = &field.front();
  return std::nullopt;
}

// regcomp_auth_token: a token is compiled when its first byte is '/', quoted or not.
std::optional<std::string> CompileIfRegex(Token& token) {
  if (token.text.empty() || token.text.front() != '/') return std::nullopt;
  token.regex = true;
  const std::string_view pattern = std::string_view(token.text).substr(1);
  if (std::optional<std::string> error = internal::CheckHbaRegex(pattern)) {
    return "invalid regular expression \"" + std::string(pattern) + "\": " + *error;
  }
  return std::nullopt;
}

// parse_ident_line. The fields are checked in order, each for absence then for a list.
std::optional<std::string> ParseLine(const TokenizedLine& line, int pg_version,
                                     IdentMapping& mapping) {
  const TokenView* map = nullptr;
  const TokenView* system_user = nullptr;
  const TokenView* pg_user = nullptr;
  if (auto error = SingleToken(line, 0, map)) return error;
  if (auto error = SingleToken(line, 1, system_user)) return error;
  if (auto error = SingleToken(line, 2, pg_user)) return error;
  mapping.map_name = map->text;
  mapping.system_user = Token(system_user->text, system_user->quoted);
  mapping.pg_user = Token(pg_user->text, pg_user->quoted);
  if (auto error = CompileIfRegex(mapping.system_user)) return error;
  // Before 16 the role is only ever compared as a string.
  if (pg_version >= 16) return CompileIfRegex(mapping.pg_user);
  return std::nullopt;
}

// The shortest line that makes a mapping ("m a b\n").
constexpr std::size_t kMinMappingLineBytes = 6;

template <typename Read>
IdentFile ParseRecords(const std::string& path, const ParseOptions& options, const Read& read) {
  IdentFile file;
  file.path = path;
  int map_number = 0;
  const internal::AuthFileReader reader{
      .access = options.access,
      .pg_version = options.pg_version,
      .min_record_bytes = kMinMappingLineBytes,
      .reserve =
          [&file](std::size_t expected) {
            constexpr std::size_t kMaxReserved = 1 << 16;
            file.mappings.reserve(std::min(expected, kMaxReserved));
          },
      .emit =
          [&](const TokenizedLine& line) {
            IdentMapping& mapping = file.mappings.emplace_back();
            mapping.location = {line.file, line.line};
            mapping.error = line.error;
            if (!mapping.error) mapping.error = ParseLine(line, options.pg_version, mapping);
            if (mapping.error) {
              IdentMapping error_row;
              error_row.location = std::move(mapping.location);
              error_row.error = std::move(mapping.error);
              mapping = std::move(error_row);
            } else {
              mapping.parsed = true;
              mapping.map_number = ++map_number;
            }
            if (line.refused_path) {
              file.refused.push_back({mapping.location, *line.refused_path});
            }
          },
  };
  internal::KeepIfComplete(read(reader), file, file.mappings);
  return file;
}

}  // namespace

bool IdentFile::HasErrors() const {
  return std::any_of(mappings.begin(), mappings.end(),
                     [](const IdentMapping& mapping) { return mapping.error.has_value(); });
}

IdentFile ParseIdentFile(const std::string& path, const ParseOptions& options) {
  return ParseRecords(path, options, [&](const internal::AuthFileReader& reader) {
    return internal::ReadAuthFile(path, reader);
  });
}

IdentFile ParseIdentText(std::string_view contents, const std::string& path,
                         const ParseOptions& options) {
  return ParseRecords(path, options, [&](const internal::AuthFileReader& reader) {
    return internal::ReadAuthText(contents, path, reader);
  });
}

std::optional<std::string> UnreadableReason(const IdentFile& file) {
  return internal::UnreadableReason(file.path, file.read_error, file.input_error);
}

}  // namespace pgward::hba
