#include "engine/findings/report.h"

#include "engine/core/exit_code.h"

namespace pgward {

int ExitCodeFor(const ScanReport& report) {
  bool incomplete = !report.errors.empty();
  bool failing = false;
  for (const Finding& finding : report.findings) {
    if (finding.status == FindingStatus::kError) incomplete = true;
    if (finding.status == FindingStatus::kFail && finding.severity >= report.invocation.fail_on) {
      failing = true;
    }
  }
  if (incomplete) return ToInt(ExitCode::kIncompleteEvidence);
  return ToInt(failing ? ExitCode::kFindings : ExitCode::kOk);
}

}  // namespace pgward
