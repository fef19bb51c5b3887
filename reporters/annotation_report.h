#pragma once

// Findings where CI systems show them next to the code: GitHub Actions workflow-command
// annotations (`::error file=...,line=...::message`, shown on the pull request's diff) and the
// GitLab Code Quality report (a JSON array the merge request widget reads). Only what fails is
// there: failing findings, findings whose evidence is missing, and evidence not collected;
// waived findings are left out.

#include <ostream>
#include <string>

#include "engine/findings/report.h"

namespace pgward::reporters {

// GitHub shows 10 annotations of each level per step: past 9, one more says how many are left
// and where to read them.
void WriteGithubAnnotations(const ScanReport& report, const std::string& source_root,
                            std::ostream& out);

// https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format: description,
// check_name, fingerprint, severity (info, minor, major, critical, blocker), location.path
// (relative to the repository root) and location.lines.begin.
void WriteGitlabCodeQuality(const ScanReport& report, const std::string& source_root,
                            std::ostream& out);

}  // namespace pgward::reporters
