#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "engine/collect/target.h"
#include "engine/model/collection.h"
#include "engine/model/fact_table.h"
#include "tests/sandbox/live_client.h"
#include "tests/sandbox/sandbox.h"

namespace pgward::collect::testing {

// Every fact of `kind` as "field=value; ..." text with its source, in table order: two fact
// sets are the same facts when these are equal for every kind.
std::vector<std::string> DescribeFacts(const FactSet& facts, FactKind kind);

// Rule id, target, message and fingerprint of every finding of the built-in baseline pack.
std::vector<std::string> BaselineFindings(const FactSet& facts);
// The same of the built-in pack `pack`.
std::vector<std::string> PackFindings(const FactSet& facts, const std::string& pack);

// The messages of the findings of `rule_id` about `target` among BaselineFindings.
std::multiset<std::string> Messages(const std::vector<std::string>& findings,
                                    const std::string& rule_id, const std::string& target);

// Every error message, one per line.
std::string ErrorText(const Evidence& evidence);

Target TargetFor(const std::string& name, const std::string& dsn, int timeout_ms = 20000);

// Collection as a scan does it: libpq, then each server's hba evidence.
Evidence Collect(std::vector<Target> targets, FactSet& facts, int concurrency = 4);

// The oracle of the connection query: the statistics views teams query (pg_stat_activity,
// pg_stat_ssl, pg_stat_gssapi, pg_stat_replication) joined to pg_roles, in ConnectionColumn
// order, for client backends and replication senders, ordered by pid.
inline constexpr const char* kStatisticsViewsQuery =
    "SELECT a.pid, a.usename, a.datname, a.application_name, host(a.client_addr), s.ssl, "
    "s.version, s.cipher, s.bits, NULL::boolean, s.client_dn, s.client_serial::text, "
    "s.issuer_dn, g.gss_authenticated, g.principal, g.encrypted, r.rolsuper, r.rolreplication, "
    "a.backend_type, p.state "
    "FROM pg_catalog.pg_stat_activity a LEFT JOIN pg_catalog.pg_stat_ssl s ON s.pid = a.pid "
    "LEFT JOIN pg_catalog.pg_stat_gssapi g ON g.pid = a.pid "
    "LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid "
    "LEFT JOIN pg_catalog.pg_stat_replication p ON p.pid = a.pid "
    "WHERE a.backend_type IN ('client backend', 'walsender') ORDER BY a.pid";

// kStatisticsViewsQuery for the server's `major` version: pg_stat_ssl has compression before 14.
std::string StatisticsViewsQuery(int major);

// The server facts pgward makes of `server`'s settings as pg_settings shows them to a superuser,
// for a scanner connected over verified TLS 1.3 without a password, described (as DescribeFacts).
std::vector<std::string> ServerFactsFromPgSettings(const sandbox::Sandbox& server, int version);

// Clients of every kind, open until destroyed: over the Unix socket, plaintext TCP, TLS 1.2 and
// 1.3 with a chosen suite each, and TLS with a client certificate (the cert_only role).
std::vector<sandbox::LiveClient> PlantClients(const sandbox::Sandbox& server);

// The connection facts of `server` for the sessions `pids`, described.
std::vector<std::string> SessionFacts(const FactSet& facts, const std::string& server,
                                      const std::set<std::int64_t>& pids);

}  // namespace pgward::collect::testing
