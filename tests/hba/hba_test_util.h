#pragma once

// Helpers shared by the hba tests: temporary directories and a compact rendering of view rows
// in the format of `psql -A -F'|' -P null=<NULL>`, so that expectations can be compared with
// what a real server prints for the same file.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <strings.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/hba/file_rules_view.h"
#include "engine/hba/parser.h"

namespace pgward::hba::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pgward-hba-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes `contents` to `relative` (creating directories) and returns the absolute path.
  std::string Write(const std::string& relative, std::string_view contents) const {
    const std::filesystem::path file = std::filesystem::path(path_) / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << contents;
    return file.string();
  }

 private:
  std::string path_;
};

inline std::string ArrayElement(const std::string& text) {
  bool quote = text.empty() || strcasecmp(text.c_str(), "NULL") == 0;
  for (char c : text) {
    if (c == '"' || c == '\\' || c == '{' || c == '}' || c == ',' ||
        std::isspace(static_cast<unsigned char>(c))) {
      quote = true;
    }
  }
  if (!quote) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

inline std::string Column(const std::optional<std::string>& value) {
  return value ? *value : "<NULL>";
}

inline std::string Column(const std::optional<std::vector<std::string>>& values) {
  if (!values) return "<NULL>";
  std::string text = "{";
  for (std::size_t i = 0; i < values->size(); ++i) {
    if (i > 0) text += ',';
    text += ArrayElement((*values)[i]);
  }
  return text + "}";
}

// "line|type|database|user|address|netmask|method|options|error", prefixed with
// "rule_number|file_name|" from PostgreSQL 16.
inline std::string Describe(const FileRulesRow& row, bool with_file_columns) {
  std::string text;
  if (with_file_columns) {
    text += row.rule_number ? std::to_string(*row.rule_number) : "<NULL>";
    text += "|" + Column(row.file_name) + "|";
  }
  text += std::to_string(row.line_number) + "|" + Column(row.type) + "|" + Column(row.database) +
          "|" + Column(row.user_name) + "|" + Column(row.address) + "|" + Column(row.netmask) +
          "|" + Column(row.auth_method) + "|" + Column(row.options) + "|" + Column(row.error);
  return text;
}

inline ParseOptions ForVersion(int pg_version) {
  ParseOptions options;
  options.pg_version = pg_version;
  return options;
}

// The rows of the view for `contents` read as /etc/pg_hba.conf, without the file columns.
inline std::vector<std::string> ViewRows(std::string_view contents, ParseOptions options,
                                         const std::string& path = "/etc/pg_hba.conf") {
  const HbaFile file = ParseHbaText(contents, path, options);
  std::vector<std::string> rows;
  for (const FileRulesRow& row : RenderFileRules(file, options.pg_version)) {
    rows.push_back(Describe(row, false));
  }
  return rows;
}

inline std::vector<std::string> ViewRows(std::string_view contents, int pg_version) {
  ParseOptions options;
  options.pg_version = pg_version;
  return ViewRows(contents, options);
}

// The single row of a one-record file.
inline std::string OneRow(std::string_view contents, int pg_version = kDefaultPgVersion) {
  const std::vector<std::string> rows = ViewRows(contents, pg_version);
  EXPECT_EQ(rows.size(), 1u) << contents;
  return rows.empty() ? "" : rows.front();
}

}  // namespace pgward::hba::testing
