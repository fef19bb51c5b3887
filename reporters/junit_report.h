#pragma once

#include <ostream>

#include "engine/findings/report.h"

namespace pgward::reporters {

// JUnit XML valid against the strict Jenkins schema (junit-10.xsd): one testsuite per target,
// one testcase per rule x target (classname pgward.<rule id>, a name made of the rule's title
// and the target, never of a message, so that CI test history stays stable), plus an evidence
// testcase per target. A violation is a failure (type = severity), a waived finding or a rule
// with nothing to check is skipped, missing evidence is an error, and a pass is an empty
// testcase: the proof that the control was checked. Text from the evidence is made valid XML:
// invalid UTF-8 and characters XML 1.0 forbids become U+FFFD.
// Written as it is made, a finding's details at a time: beyond an index of the findings by rule
// and target, the memory it takes does not grow with their number.
void WriteJunitReport(const ScanReport& report, std::ostream& out);

}  // namespace pgward::reporters
