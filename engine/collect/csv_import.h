#pragma once

// Import of what teams already export: `psql --csv` output of the audit query joining
// pg_stat_activity and pg_stat_ssl (docs/snapshot-format.md names the query and columns).

#include <optional>
#include <string>

#include "engine/model/collection.h"
#include "engine/model/fact_table.h"

namespace pgward::collect {

// Appends connection facts for the rows of the CSV file at `path`, one server per value of
// the optional `server` column (else one server named after the file), and their servers to
// `evidence`. Rows whose TLS state is NULL were hidden from the exporting role: they are
// errors, never Unix-socket sessions. Returns why the file cannot be used.
std::optional<std::string> ImportAuditCsv(const std::string& path, FactSet& facts,
                                          Evidence& evidence);

}  // namespace pgward::collect
