#pragma once

#include <ostream>

#include "engine/findings/report.h"

namespace pgward::reporters {

// The Prometheus text exposition format (0.0.4), for node_exporter's textfile collector: the
// run (when it finished, how long it took, whether its evidence is complete, its exit code),
// each target's evidence, findings per target, rule, severity and status (a check that passed
// shows 0, so a series does not vanish when a problem is fixed), and what the run observed:
// sessions by encryption and protocol, certificate expiry, the protocols the probe found
// accepted, whether plaintext TCP reaches pg_hba.conf. Labels never carry pids or client
// addresses: cardinality stays that of the fleet and its rules. Sorted: the same report gives
// the same bytes.
void WriteMetrics(const ScanReport& report, std::ostream& out);

}  // namespace pgward::reporters
