#pragma once

// The reports the reporter tests check: reports built here for what scans cannot produce yet
// (live servers, waivers, collection errors, hostile names), and pgward scan on the fixtures.

#include <string>
#include <vector>

#include "engine/findings/report.h"
#include "reporters/render.h"
#include "tests/support/command.h"

namespace pgward::testing {

// The source root the constructed reports' files live under (never read: rendering is lexical).
inline constexpr char kFixtureSourceRoot[] = "/src/pgward-fixture";

// Every shape the formats must carry: an hba target with a finding in an included file whose
// name needs percent-encoding, a file outside the source root, live servers with folded
// connections, a waiver, an expired waiver, an undecided rule, a collection error, a rule that
// passed and one with nothing to check; times set.
ScanReport RichReport();

// Role, application and target names with control characters, invalid UTF-8, markup and "]]>".
ScanReport HostileReport();

struct ReportCase {
  std::string name;    // fixtures/reports/<name>.<extension>
  std::string format;  // a format of reporters::ReportFormats()
  std::string text;
};

// Every report of the suite, each format of each case, rendered once: the golden tests compare
// them, the validator tests check them all.
const std::vector<ReportCase>& SuiteReports();

// "sarif" -> "sarif", "junit" -> "junit.xml", "text" -> "txt".
std::string Extension(const std::string& format);

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);

// A fresh directory under /tmp, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The validators, where scripts/install-deps puts them (make test runs it first).
inline constexpr char kXmllint[] = "/usr/bin/xmllint";
inline constexpr char kDebianPython[] = "/usr/bin/python3";  // has python3-jsonschema
std::string SarifMultitool();

// Fails the current test when a validator is missing, with the command that installs it.
bool RequireTool(const std::string& path);

// Writes every report of the suite in `format` into `directory` as <case>.<extension>; returns
// their paths.
std::vector<std::string> WriteSuiteReports(const std::string& format, const std::string& extension,
                                           const std::string& directory);

// Validates each file (strict UTF-8 JSON) against a JSON schema with python3-jsonschema, in the
// draft the schema declares, printing every violation and "N validated, E errors"; exit 1 on any.
CommandResult ValidateAgainstSchema(const std::string& schema,
                                    const std::vector<std::string>& files);

}  // namespace pgward::testing
