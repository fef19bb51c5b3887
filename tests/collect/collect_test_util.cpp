#include "tests/collect/collect_test_util.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "engine/collect/queries.h"
#include "engine/collect/server_facts.h"
#include "engine/model/fact_format.h"
#include "engine/policy/builtin.h"
#include "engine/policy/evaluator.h"
#include "engine/scan/gather.h"

namespace pgward::collect::testing {

std::vector<std::string> DescribeFacts(const FactSet& facts, FactKind kind) {
  const FactTable& table = facts.table(kind);
  std::vector<std::string> described;
  for (size_t row = 0; row < table.size(); ++row) {
    std::string text;
    for (size_t field = 0; field < table.spec().fields.size(); ++field) {
      text += std::string(table.spec().fields[field].name) + "=";
      AppendFieldJson(text, table, row, field);
      text += "; ";
    }
    const FactSource& source = table.source(row);
    text += "source=" +
            (source.file == kAbsent ? std::string("-")
                                    : std::string(facts.pool().String(source.file))) +
            ":" + std::to_string(source.line);
    described.push_back(text);
  }
  return described;
}

std::vector<std::string> BaselineFindings(const FactSet& facts) {
  return PackFindings(facts, "baseline");
}

std::vector<std::string> PackFindings(const FactSet& facts, const std::string& pack) {
  policy::LoadResult loaded = policy::LoadBuiltinPack(pack);
  if (!loaded.policy) return {pack + " pack does not load"};
  // Not owned: the findings do not outlive `facts`.
  const policy::Evaluation evaluation = policy::Evaluate(
      {&*loaded.policy}, std::shared_ptr<const FactSet>(std::shared_ptr<const FactSet>(), &facts));
  std::vector<std::string> findings;
  for (const Finding& finding : evaluation.findings) {
    findings.push_back(finding.rule_id + " " + finding.target + " " + finding.message + " " +
                       finding.fingerprint);
  }
  return findings;
}

std::string ErrorText(const Evidence& evidence) {
  std::string text;
  for (const EvidenceError& error : evidence.Errors()) {
    text += error.target + ": " + error.message + "\n";
  }
  return text;
}

std::multiset<std::string> Messages(const std::vector<std::string>& findings,
                                    const std::string& rule_id, const std::string& target) {
  std::multiset<std::string> messages;
  const std::string prefix = rule_id + " " + target + " ";
  for (const std::string& finding : findings) {
    if (!finding.starts_with(prefix)) continue;
    const std::string rest = finding.substr(prefix.size());
    messages.insert(rest.substr(0, rest.rfind(' ')));  // the fingerprint goes
  }
  return messages;
}

Target TargetFor(const std::string& name, const std::string& dsn, int timeout_ms) {
  Target target;
  target.name = name;
  target.dsn = dsn;
  target.timeout_ms = timeout_ms;
  return target;
}

Evidence Collect(std::vector<Target> targets, FactSet& facts, int concurrency) {
  scan::LivePlan plan;
  plan.collect.targets = std::move(targets);
  plan.collect.concurrency = concurrency;
  return scan::GatherLive(plan, facts);
}

std::string StatisticsViewsQuery(int major) {
  std::string query = kStatisticsViewsQuery;
  if (major < 14) {
    const std::string null_compression = "s.bits, NULL::boolean,";
    query.replace(query.find(null_compression), null_compression.size(), "s.bits, s.compression,");
  }
  return query;
}

std::vector<std::string> ServerFactsFromPgSettings(const sandbox::Sandbox& server, int version) {
  ServerRows rows;
  rows.name = "db";
  rows.version = version;
  rows.role = sandbox::kScannerRole;
  rows.stats_visible = true;
  std::string names;
  size_t settings_of_version = 0;
  for (const SettingSpec& setting : CollectedSettings()) {
    if (!setting.In(version)) continue;
    names += std::string(names.empty() ? "'" : ", '") + setting.name + "'";
    ++settings_of_version;
  }
  for (const sandbox::Sandbox::Row& row : server.Query(
           "SELECT name, setting FROM pg_catalog.pg_settings WHERE name IN (" + names + ")")) {
    rows.settings[*row[0]] = *row[1];
  }
  EXPECT_EQ(rows.settings.size(), settings_of_version);
  rows.scanner = {.host = "127.0.0.1",
                  .port = server.port(),
                  .ssl = true,
                  .tls_version = "TLSv1.3",
                  .verified = true,
                  .channel_binding = "prefer"};
  FactSet expected;
  ServerEvidence expected_server;
  AddServerFacts(rows, expected, expected_server);
  return DescribeFacts(expected, FactKind::kServer);
}

std::vector<sandbox::LiveClient> PlantClients(const sandbox::Sandbox& server) {
  std::vector<sandbox::LiveClient> clients;
  clients.emplace_back(server, sandbox::ClientSpec{.transport = sandbox::Transport::kUnixSocket,
                                                   .user = sandbox::kPlainAppRole,
                                                   .application_name = "it-unix"});
  clients.emplace_back(server, sandbox::ClientSpec{.transport = sandbox::Transport::kTcpPlaintext,
                                                   .user = sandbox::kPlainAppRole,
                                                   .application_name = "it-plaintext"});
  clients.emplace_back(server, sandbox::ClientSpec{.transport = sandbox::Transport::kTcpTls,
                                                   .user = sandbox::kTlsAppRole,
                                                   .application_name = "it-tls12",
                                                   .max_tls_version = TLS1_2_VERSION,
                                                   .cipher_list = "ECDHE-RSA-AES128-GCM-SHA256"});
  clients.emplace_back(server, sandbox::ClientSpec{.transport = sandbox::Transport::kTcpTls,
                                                   .user = sandbox::kTlsAppRole,
                                                   .application_name = "it-tls13",
                                                   .min_tls_version = TLS1_3_VERSION,
                                                   .ciphersuites = "TLS_CHACHA20_POLY1305_SHA256"});
  clients.emplace_back(server,
                       sandbox::ClientSpec{.transport = sandbox::Transport::kTcpTls,
                                           .user = sandbox::kCertOnlyRole,
                                           .application_name = "it-cert",
                                           .client_certificate_role = sandbox::kCertOnlyRole});
  return clients;
}

std::vector<std::string> SessionFacts(const FactSet& facts, const std::string& server,
                                      const std::set<std::int64_t>& pids) {
  const FactTable& table = facts.table(FactKind::kConnection);
  const std::vector<std::string> described = DescribeFacts(facts, FactKind::kConnection);
  std::vector<std::string> kept;
  for (size_t row = 0; row < table.size(); ++row) {
    if (FormatField(table, row, FieldOf<FactKind::kConnection>("server")) == server &&
        pids.contains(*table.Integer(row, FieldOf<FactKind::kConnection>("pid")))) {
      kept.push_back(described[row]);
    }
  }
  return kept;
}

}  // namespace pgward::collect::testing
