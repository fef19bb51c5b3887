// Snapshots, CSV import and inventories, without a server.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "engine/collect/inventory.h"
#include "engine/collect/server_facts.h"
#include "engine/collect/snapshot.h"
#include "engine/hba/hba_facts.h"
#include "engine/hba/view_rules_facts.h"
#include "engine/logs/log_facts.h"
#include "engine/model/fact_format.h"
#include "engine/model/facts_yaml.h"
#include "engine/scan/gather.h"
#include "tests/collect/collect_test_util.h"

namespace pgward::collect {
namespace {

using testing::DescribeFacts;
using testing::ErrorText;

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("pgward-collect-test-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string Write(const std::string& name, const std::string& contents) {
    const std::filesystem::path path = directory_ / name;
    std::ofstream(path, std::ios::binary) << contents;
    return path.string();
  }

  std::filesystem::path directory_;
};

// Facts of every kind and type, with values that need escaping, for one server.
Evidence SampleEvidence(FactSet& facts) {
  const auto before = TableSizes(facts);
  const std::variant<YamlTree, YamlError> document = YamlTree::Parse(R"(
server:
  - {server: db1, host: 10.0.0.1, port: 5432, version: 150018, ssl: true,
     ssl_min_protocol_version: TLSv1.2, ssl_ciphers: "HIGH:!aNULL",
     ssl_ciphers_expanded: [ECDHE-RSA-AES256-GCM-SHA384, AES256-SHA], ssl_ca_file: "",
     log_connections: false, scanner_ssl: true, scanner_verified: false, scanner_password: true,
     scanner_channel_binding: prefer, require_direct_tls: false}
connection:
  - {server: db1, pid: 7, user: "app \"quoted\"", database: "caf\u00e9\ttab", client_addr: 10.0.0.5,
     local: false, ssl: true, tls_version: TLSv1.3, cipher: TLS_AES_256_GCM_SHA384, bits: 256,
     client_dn: "/CN=\\back\\slash", encrypted: true, session_kind: client}
  - {server: db1, pid: 8, user: app, client_addr: "2001:db8::1", local: false, ssl: false,
     encrypted: false, compression: false, session_kind: client}
  - {server: other, pid: 9, local: true, ssl: false, encrypted: false, session_kind: client}
  - {server: db1, pid: 10, user: replicator, application_name: standby1, client_addr: 10.0.0.8,
     local: false, ssl: false, encrypted: false, session_kind: physical_replication,
     replication_state: streaming}
certificate:
  - {server: db1, depth: 0, subject: CN=db1, not_after: 2027-01-31T12:00:00Z, sans: ["DNS:db1", "IP:10.0.0.1"]}
probe_protocol:
  - {server: db1, version: TLSv1, accepted: false}
probe_cipher:
  - {server: db1, version: TLSv1.2, cipher: AES256-SHA, bits: 256}
hba_access:
  - {file: "db1:/etc/pg_hba.conf", connection: tcp_plaintext, range: 10.0.0.0/30, reachable: true}
replication_link:
  - {server: db1, kind: subscription, name: orders_sub, database: app, enabled: true, host: db0,
     port: "5432", sslmode: prefer, channel_binding: prefer, require_auth: scram-sha-256}
)");
  const std::optional<std::string> error =
      AddFactsFromYaml(std::get<YamlTree>(document).root(), facts);
  EXPECT_EQ(error, std::nullopt);
  FileRulesRow rule;
  rule.line_number = 3;
  rule.type = "host";
  rule.database = {{"all"}};
  rule.user_name = {{"all"}};
  rule.address = "10.0.0.0";
  rule.netmask = "255.0.0.0";
  rule.auth_method = "ldap";
  rule.options = {{"ldapserver=ldap", "ldapbindpasswd=hunter2"}};
  hba::AddHbaRuleFacts(hba::HbaFileFromView({rule}, "db1:/etc/pg_hba.conf"), {.pg_version = 15},
                       facts);

  // The server's log (an inventory's server_logs): a group of sessions, one of failures and an
  // SSL configuration the server did not reload.
  LogSummary log;
  LogSessionGroup sessions;
  sessions.transport = "tcp_tls";
  sessions.tls_version = "TLSv1.1";
  sessions.cipher = "ECDHE-RSA-AES128-SHA";
  sessions.bits = 128;
  sessions.user = "legacy";
  sessions.database = "app";
  sessions.client = "10.0.0.9";
  sessions.sessions = 3;
  sessions.first_seen = 1764729600000;
  sessions.last_seen = 1764730000999;
  log.session_groups.push_back(sessions);
  LogFailureGroup handshakes;
  handshakes.failure = LogFailure::kSslHandshake;
  handshakes.client = "10.0.0.7";
  handshakes.reason = "unsupported protocol";
  handshakes.attempts = 40;
  log.failure_groups.push_back(handshakes);
  log.reload_failures.push_back({"SSL configuration", 2, true, 1764729600123, 1764730000999});
  logs::AddLogFacts(log, "db1:/var/log/postgresql/postgresql-15-main.log", facts);

  Evidence evidence;
  evidence.collector_version = "0.1.0";
  evidence.collected_at = "2026-02-03T04:05:06Z";
  ServerEvidence server;
  server.name = "db1";
  server.host = "10.0.0.1";
  server.port = 5432;
  server.version = 150018;
  server.rows = RowsSince(before, facts);
  server.errors.push_back(
      {"db1", "role x cannot read pg_hba_file_rules: \"quoted\"", std::nullopt});
  server.errors.push_back({"db1", "cannot read", SourceLocation{"inventory.yaml", 4}});
  evidence.servers.push_back(server);
  ServerEvidence unreachable;
  unreachable.name = "db2";
  unreachable.errors.push_back({"db2", "cannot connect: connection refused", std::nullopt});
  evidence.servers.push_back(unreachable);
  return evidence;
}

TEST_F(SnapshotTest, RoundTripKeepsEveryFactExactly) {
  FactSet facts;
  const Evidence evidence = SampleEvidence(facts);
  const std::string json = WriteSnapshot(evidence, facts);
  EXPECT_EQ(json.find("hunter2"), std::string::npos);  // masked in the facts already
  const std::string path = Write("snapshot.json", json);

  FactSet loaded;
  Evidence reloaded;
  ASSERT_EQ(LoadSnapshot(path, loaded, reloaded), std::nullopt);
  for (const FactTypeSpec& type : AllFactTypes()) {
    SCOPED_TRACE(type.name);
    EXPECT_EQ(DescribeFacts(loaded, type.kind), DescribeFacts(facts, type.kind));
  }
  EXPECT_EQ(ErrorText(reloaded), ErrorText(evidence));
  ASSERT_EQ(reloaded.servers.size(), 2u);
  EXPECT_EQ(reloaded.servers[1].host, std::nullopt);
  EXPECT_EQ(reloaded.servers[0].errors[1].location->line, 4);
  EXPECT_EQ(WriteSnapshot(reloaded, loaded), json);
}

// Tables of thousands of rows, each row appended as it is read: every value of every type
// (escaped strings, lists, addresses of both families, ranges, sources) comes back in order,
// and a row that fails after thousands were appended leaves nothing behind.
TEST_F(SnapshotTest, LargeTablesKeepEveryFactInOrder) {
  std::string yaml = "connection:\n";
  for (int i = 0; i < 2500; ++i) {
    yaml += "  - {server: db1, pid: " + std::to_string(i) + ", user: \"u" + std::to_string(i) +
            (i % 7 == 0 ? "\\\"q\\t" : "") + "\", client_addr: " +
            (i % 3 == 0 ? "\"2001:db8::" + std::to_string(i % 4096) + "\""
                        : "10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256)) +
            ", ssl: " + (i % 2 == 0 ? "true, tls_version: TLSv1.3, bits: 256" : "false") +
            ", encrypted: " + (i % 2 == 0 ? "true" : "false") + ", session_kind: client}\n";
  }
  yaml += "certificate:\n";
  for (int i = 0; i < 700; ++i) {
    yaml += "  - {server: db1, depth: " + std::to_string(i % 3) + ", subject: CN=c" +
            std::to_string(i) + ", sans: [\"DNS:h" + std::to_string(i) + "\", \"IP:10.0.0." +
            std::to_string(i % 256) + "\"]}\n";
  }
  yaml += "hba_access:\n";
  for (int i = 0; i < 700; ++i) {
    yaml += "  - {file: \"db1:/etc/pg_hba.conf\", connection: tcp_plaintext, range: 10." +
            std::to_string(i / 256) + "." + std::to_string(i % 256) +
            ".0/24, reachable: " + (i % 2 == 0 ? "true" : "false") + "}\n";
  }
  const std::variant<YamlTree, YamlError> document = YamlTree::Parse(yaml);
  ASSERT_TRUE(std::holds_alternative<YamlTree>(document));
  FactSet facts;
  const auto empty = TableSizes(facts);
  ASSERT_EQ(AddFactsFromYaml(std::get<YamlTree>(document).root(), facts), std::nullopt);
  std::vector<FileRulesRow> rules;
  for (int line = 1; line <= 600; ++line) {
    FileRulesRow rule;
    rule.line_number = line;
    rule.type = line % 2 == 0 ? "hostssl" : "host";
    rule.database = {{"db" + std::to_string(line)}};
    rule.user_name = {{"all"}};
    rule.address = "10.0." + std::to_string(line % 256) + ".0";
    rule.netmask = "255.255.255.0";
    rule.auth_method = "scram-sha-256";
    rules.push_back(rule);
  }
  hba::AddHbaRuleFacts(hba::HbaFileFromView(rules, "db1:/etc/pg_hba.conf"), {.pg_version = 15},
                       facts);
  ASSERT_EQ(facts.table(FactKind::kConnection).size(), 2500u);
  Evidence evidence;
  evidence.collector_version = "0.1.0";
  evidence.collected_at = "2026-02-03T04:05:06Z";
  ServerEvidence server;
  server.name = "db1";
  server.rows = RowsSince(empty, facts);
  evidence.servers.push_back(server);
  const std::string json = WriteSnapshot(evidence, facts);

  FactSet loaded;
  Evidence reloaded;
  ASSERT_EQ(LoadSnapshot(Write("large.json", json), loaded, reloaded), std::nullopt);
  for (const FactTypeSpec& type : AllFactTypes()) {
    SCOPED_TRACE(type.name);
    EXPECT_EQ(DescribeFacts(loaded, type.kind), DescribeFacts(facts, type.kind));
  }
  EXPECT_EQ(WriteSnapshot(reloaded, loaded), json);

  // A server written before session kinds, with exactly two batches of rows (the last batch
  // handed over is empty): each row takes the implied kind, in order.
  std::string implied = json;
  std::string rows;
  for (int pid = 0; pid < 512; ++pid) {
    rows += (pid == 0 ? "[" : ",[") + std::to_string(pid) + ",\"old" + std::to_string(pid) + "\"]";
  }
  implied.insert(implied.rfind(']'),
                 R"(,{"name": "db2", "host": null, "port": null, "version": null,
      "connections": {"fields": ["pid", "user"], "rows": [)" +
                     rows + "]}}");
  FactSet with_old_server;
  Evidence old_evidence;
  ASSERT_EQ(LoadSnapshot(Write("implied.json", implied), with_old_server, old_evidence),
            std::nullopt);
  const FactTable& connections = with_old_server.table(FactKind::kConnection);
  ASSERT_EQ(connections.size(), 2500u + 512u);
  for (size_t pid = 0; pid < 512; ++pid) {
    const size_t row = 2500 + pid;
    ASSERT_EQ(connections.Integer(row, FieldOf<FactKind::kConnection>("pid")),
              static_cast<std::int64_t>(pid));
    ASSERT_EQ(connections.String(row, FieldOf<FactKind::kConnection>("user")),
              "old" + std::to_string(pid));
    ASSERT_EQ(connections.String(row, FieldOf<FactKind::kConnection>("session_kind")), "client");
    ASSERT_EQ(connections.String(row, FieldOf<FactKind::kConnection>("server")), "db2");
  }

  // Row 2000 of the connections, read after several batches were appended, is not a fact.
  std::string broken = json;
  const size_t row = broken.find("[2000,");
  ASSERT_NE(row, std::string::npos);
  broken.replace(row, 6, "[\"x\",");
  const auto before = TableSizes(loaded);
  const std::optional<std::string> error =
      LoadSnapshot(Write("broken.json", broken), loaded, reloaded);
  ASSERT_NE(error, std::nullopt);
  EXPECT_NE(error->find("connections.rows[2000].pid: expected an integer"), std::string::npos)
      << *error;
  EXPECT_EQ(TableSizes(loaded), before);
}

// The checked-in example of the format: it must stay readable, and the writer must keep writing
// it byte for byte (a change to the format is a new format_version).
// A snapshot written before pgward read server logs has no log members: it loads, with none.
TEST_F(SnapshotTest, ASnapshotFromBeforeServerLogsLoads) {
  FactSet facts;
  Evidence evidence;
  ASSERT_EQ(
      LoadSnapshot(std::string(PGWARD_SOURCE_DIR) + "/fixtures/snapshots/before-server-logs.json",
                   facts, evidence),
      std::nullopt);
  EXPECT_EQ(facts.table(FactKind::kConnection).size(), 3u);
  EXPECT_EQ(facts.table(FactKind::kLogSession).size(), 0u);
  // No inventory could ask for direct TLS then (pgward refused the key): nobody did.
  const FactTable& servers = facts.table(FactKind::kServer);
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(servers.Bool(0, FieldOf<FactKind::kServer>("require_direct_tls")), false);
  // Nor has it session kinds: pgward collected client sessions only then.
  const FactTable& connections = facts.table(FactKind::kConnection);
  for (size_t row = 0; row < connections.size(); ++row) {
    EXPECT_EQ(FormatField(connections, row, FieldOf<FactKind::kConnection>("session_kind")),
              "client");
  }
}

// A snapshot written before hba_rule facts had pg_version: a scan reads its rules in the dialect
// of the server the snapshot gives them beside, as a live collection parses them (a server newer
// than pgward knows reads as the newest it knows), not as absent.
TEST_F(SnapshotTest, HbaRulesOfASnapshotFromBeforePgVersionTakeTheServersVersion) {
  FactSet facts;
  const Evidence evidence = SampleEvidence(facts);
  const std::string written = WriteSnapshot(evidence, facts);
  for (const auto& [server_version, pg_version] : {std::pair{150018, 15}, std::pair{190001, 18}}) {
    SCOPED_TRACE(server_version);
    std::string json = written;
    for (const auto& [from, to] :
         {std::pair<std::string, std::string>{"\"pg_version\", ", ""},
          {"],15,false", "],false"},
          {"\"version\": 150018", "\"version\": " + std::to_string(server_version)}}) {
      const size_t at = json.find(from);
      ASSERT_NE(at, std::string::npos) << from;
      json.replace(at, from.size(), to);
    }
    scan::ScanInputs inputs;
    inputs.snapshots = {Write("old.json", json)};
    FactSet loaded;
    const scan::Gathered gathered = scan::Gather(inputs, loaded);
    ASSERT_EQ(gathered.input_error, std::nullopt);
    ASSERT_EQ(gathered.servers.servers.size(), 2u);
    const FactTable& rules = loaded.table(FactKind::kHbaRule);
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(rules.Integer(0, FieldOf<FactKind::kHbaRule>("pg_version")), pg_version);
  }
}

TEST_F(SnapshotTest, FixtureLoadsAndIsWrittenTheSame) {
  const std::string path = std::string(PGWARD_SOURCE_DIR) + "/fixtures/snapshots/two-servers.json";
  // After a deliberate change of the sample's facts: PGWARD_UPDATE_GOLDEN=1 rewrites the fixture
  // (review its diff), like the reporters' golden files.
  if (std::getenv("PGWARD_UPDATE_GOLDEN") != nullptr) {
    FactSet sample;
    const Evidence evidence = SampleEvidence(sample);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << WriteSnapshot(evidence, sample);
  }
  FactSet facts;
  Evidence evidence;
  ASSERT_EQ(LoadSnapshot(path, facts, evidence), std::nullopt);
  EXPECT_EQ(evidence.Targets(), (std::vector<std::string>{"db1", "db2"}));
  EXPECT_EQ(facts.table(FactKind::kConnection).size(), 4u);
  EXPECT_EQ(facts.table(FactKind::kHbaRule).size(), 1u);
  EXPECT_EQ(facts.table(FactKind::kLogSession).size(), 1u);
  EXPECT_EQ(facts.table(FactKind::kLogFailure).size(), 1u);
  EXPECT_EQ(facts.table(FactKind::kLogReload).size(), 1u);
  std::ifstream in(path, std::ios::binary);
  const std::string contents((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  EXPECT_EQ(WriteSnapshot(evidence, facts), contents);

  FactSet sample;
  const Evidence expected = SampleEvidence(sample);
  for (const FactTypeSpec& type : AllFactTypes()) {
    EXPECT_EQ(DescribeFacts(facts, type.kind), DescribeFacts(sample, type.kind)) << type.name;
  }
}

TEST_F(SnapshotTest, ReformattedSnapshotWithSortedKeysLoadsTheSame) {
  FactSet facts;
  const Evidence evidence = SampleEvidence(facts);
  // nlohmann's default object type sorts keys, as `jq -S` does: "connections" before "name".
  const nlohmann::json sorted = nlohmann::json::parse(WriteSnapshot(evidence, facts));
  const std::string path = Write("sorted.json", sorted.dump(2));
  FactSet loaded;
  Evidence reloaded;
  ASSERT_EQ(LoadSnapshot(path, loaded, reloaded), std::nullopt);
  for (const FactTypeSpec& type : AllFactTypes()) {
    SCOPED_TRACE(type.name);
    EXPECT_EQ(DescribeFacts(loaded, type.kind), DescribeFacts(facts, type.kind));
  }
}

TEST_F(SnapshotTest, InvalidSnapshotsAreRejectedWithTheReason) {
  const std::string header = R"({"format": "pgward-snapshot", "format_version": 1, )";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "invalid JSON"},
      {R"({"format": "other", "format_version": 1, "servers": []})", "not a pgward snapshot"},
      {R"({"format": "pgward-snapshot", "format_version": 2, "servers": []})",
       "format_version 2 is not supported"},
      {R"({"servers": []})", "no format"},
      // What the schema requires, the reader requires: a snapshot it accepts, it can write back.
      {header + R"("collector": {"name": "pgward", "version": "1"}, "servers": []})",
       "no \"collected_at\""},
      {header + R"("collected_at": "2026-01-02T03:04:05Z", "servers": []})", "no \"collector\""},
      {header + R"("collector": {"name": "other", "version": "1"}, "servers": []})",
       "collector: name is not \"pgward\""},
      {header + R"("servers": [{"name": "a", "host": null, "port": null, "version": null,
          "connections": {"fields": ["pid"], "rows": [["seven"]]}}]})",
       "connections.rows[0].pid: expected an integer"},
      {header + R"("servers": [{"name": "a", "host": null, "port": null, "version": null,
          "connections": {"fields": ["client_addr"], "rows": [["10.0.0.300"]]}}]})",
       "client_addr: expected an IP address"},
      {header + R"("servers": [{"name": "a", "host": null, "port": null, "version": null,
          "connections": {"fields": ["cipher_suite"], "rows": []}}]})",
       "unknown field \"cipher_suite\""},
      {header + R"("servers": [{"host": null}]})", "no name"},
      {header + R"("servers": [{"name": "a", "host": null, "port": null, "version": null,
          "connections": {"fields": ["pid", "user"], "rows": [[1]]}}]})",
       "2 values expected"},
  };
  for (const auto& [json, expected] : cases) {
    SCOPED_TRACE(json);
    FactSet facts;
    Evidence evidence;
    const std::optional<std::string> error = LoadSnapshot(Write("bad.json", json), facts, evidence);
    ASSERT_NE(error, std::nullopt);
    EXPECT_NE(error->find(expected), std::string::npos) << *error;
  }
  FactSet facts;
  Evidence evidence;
  EXPECT_NE(LoadSnapshot((directory_ / "missing.json").string(), facts, evidence), std::nullopt);
}

// A snapshot that fails halfway leaves nothing behind: the servers read before the bad one
// would otherwise be evaluated, and written into a bundle, as if the file were whole.
// A snapshot not written by pgward (by hand, by another tool) may hold an hba rule's credentials
// in clear: they are masked as they are read, so no report and no snapshot written back (an
// evidence bundle's) carries them.
TEST_F(SnapshotTest, CredentialsInHbaOptionsAreMaskedWhenRead) {
  std::ifstream in(std::string(PGWARD_SOURCE_DIR) + "/fixtures/snapshots/two-servers.json",
                   std::ios::binary);
  std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string masked = "\"ldapbindpasswd=********\"";
  const size_t at = json.find(masked);
  ASSERT_NE(at, std::string::npos);
  json.replace(at, masked.size(),
               "\"ldapbindpasswd=CLEAR-SECRET-1\", \"radiussecrets=CLEAR-SECRET-2,x\", "
               "\"ldap\\u0062indpasswd=CLEAR-SECRET-3\"");
  FactSet facts;
  Evidence evidence;
  ASSERT_EQ(LoadSnapshot(Write("clear.json", json), facts, evidence), std::nullopt);
  const std::string written = WriteSnapshot(evidence, facts);
  EXPECT_EQ(written.find("CLEAR-SECRET"), std::string::npos) << written;
  EXPECT_NE(written.find("\"ldapbindpasswd=********\",\"radiussecrets=********\","
                         "\"ldapbindpasswd=********\""),
            std::string::npos)
      << written;
}

// A server entry with no facts and no error saying why is no evidence of a clean server.
TEST_F(SnapshotTest, AServerWithNeitherFactsNorErrorsIsMissingEvidence) {
  const std::string json = R"({"format": "pgward-snapshot", "format_version": 1,
      "collector": {"name": "pgward", "version": "1"}, "collected_at": "2026-01-02T03:04:05Z",
      "servers": [{"name": "empty", "host": "db1", "port": 5432, "version": 150018}]})";
  FactSet facts;
  Evidence evidence;
  ASSERT_EQ(LoadSnapshot(Write("empty.json", json), facts, evidence), std::nullopt);
  ASSERT_EQ(evidence.servers.size(), 1u);
  ASSERT_EQ(evidence.servers[0].errors.size(), 1u);
  EXPECT_EQ(evidence.servers[0].errors[0].message,
            "the snapshot holds no facts of this server and no error saying why: nothing of it "
            "was checked");
}

TEST_F(SnapshotTest, AFileThatFailsHalfwayAddsNothing) {
  const std::string json = R"({"format": "pgward-snapshot", "format_version": 1,
      "collector": {"name": "pgward", "version": "1"}, "collected_at": "2026-01-02T03:04:05Z",
      "servers": [
        {"name": "good", "host": null, "port": null, "version": null,
         "connections": {"fields": ["pid"], "rows": [[1], [2]]}},
        {"name": "bad", "host": null, "port": null, "version": null, "bogus": 1}]})";
  FactSet facts;
  Evidence evidence;
  ASSERT_EQ(LoadSnapshot(std::string(PGWARD_SOURCE_DIR) + "/fixtures/snapshots/two-servers.json",
                         facts, evidence),
            std::nullopt);
  const auto before = TableSizes(facts);
  ASSERT_NE(LoadSnapshot(Write("half.json", json), facts, evidence), std::nullopt);
  EXPECT_EQ(evidence.Targets(), (std::vector<std::string>{"db1", "db2"}));
  EXPECT_EQ(TableSizes(facts), before);
  EXPECT_EQ(evidence.collected_at, "2026-02-03T04:05:06Z");
}

// Per-server times: a server's own, normalised; null stays not known (never the document's);
// absent is the document's.
TEST_F(SnapshotTest, AServersCollectionTimeIsItsOwnUnknownOrTheDocuments) {
  const std::string json = R"({"format": "pgward-snapshot", "format_version": 1,
      "collector": {"name": "pgward", "version": "1"}, "collected_at": "2026-01-02",
      "servers": [
        {"name": "own", "host": null, "port": null, "version": null,
         "collected_at": "2026-01-03"},
        {"name": "unknown", "host": null, "port": null, "version": null, "collected_at": null},
        {"name": "document", "host": null, "port": null, "version": null}]})";
  FactSet facts;
  Evidence evidence;
  ASSERT_EQ(LoadSnapshot(Write("times.json", json), facts, evidence), std::nullopt);
  ASSERT_EQ(evidence.servers.size(), 3u);
  EXPECT_EQ(evidence.servers[0].collected_at, "2026-01-03T00:00:00Z");
  EXPECT_EQ(evidence.servers[1].collected_at, "");
  EXPECT_EQ(evidence.servers[2].collected_at, "2026-01-02T00:00:00Z");
  // Written back, each keeps what it was.
  FactSet again;
  Evidence reread;
  ASSERT_EQ(LoadSnapshot(Write("again.json", WriteSnapshot(evidence, facts)), again, reread),
            std::nullopt);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(reread.servers[i].collected_at, evidence.servers[i].collected_at) << i;
  }
}

// A snapshot an older pgward wrote has no ssl_crl_dir: a server before 14 has none (the setting
// does not exist), a later one's is not known.
TEST_F(SnapshotTest, AnOlderSnapshotOfAServerBefore14HasNoCrlDirectory) {
  const std::string json = R"({"format": "pgward-snapshot", "format_version": 1,
      "collector": {"name": "pgward", "version": "1"}, "collected_at": "2026-01-02",
      "servers": [
        {"name": "thirteen", "host": null, "port": null, "version": 130012,
         "settings": {"ssl": true, "ssl_ca_file": "root.crt", "ssl_crl_file": ""}},
        {"name": "fifteen", "host": null, "port": null, "version": 150018,
         "settings": {"ssl": true, "ssl_ca_file": "root.crt", "ssl_crl_file": ""}}]})";
  FactSet facts;
  Evidence evidence;
  ASSERT_EQ(LoadSnapshot(Write("older.json", json), facts, evidence), std::nullopt);
  const FactTable& servers = facts.table(FactKind::kServer);
  ASSERT_EQ(servers.size(), 2u);
  const size_t crl_dir = FieldOf<FactKind::kServer>("ssl_crl_dir");
  EXPECT_EQ(FormatField(servers, 0, crl_dir), "");
  EXPECT_EQ(FormatField(servers, 1, crl_dir), "(absent)");
}

TEST_F(SnapshotTest, CsvOfTheAuditQueryBecomesConnectionFacts) {
  // psql --csv: NULL is an empty field, t/f booleans, quotes only where needed.
  const std::string path = Write("orders-db.csv",
                                 "pid,usename,datname,application_name,client_addr,ssl,version,"
                                 "cipher,bits,client_dn,client_serial,issuer_dn\n"
                                 "101,app,orders,\"web, v2\",10.0.0.5,t,TLSv1.3,"
                                 "TLS_AES_256_GCM_SHA384,256,,,\n"
                                 "102,batch,orders,,10.0.0.6,f,,,,,,\n"
                                 "103,postgres,postgres,psql,,f,,,,,,\n");
  FactSet facts;
  Evidence evidence;
  ASSERT_EQ(LoadSnapshot(path, facts, evidence), std::nullopt);
  ASSERT_EQ(evidence.servers.size(), 1u);
  EXPECT_EQ(evidence.servers[0].name, "orders-db");
  EXPECT_EQ(ErrorText(evidence), "");
  const std::vector<std::string> rows = DescribeFacts(facts, FactKind::kConnection);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_NE(rows[0].find("application_name=\"web, v2\"; client_addr=\"10.0.0.5\"; local=false; "
                         "ssl=true; tls_version=\"TLSv1.3\""),
            std::string::npos)
      << rows[0];
  EXPECT_NE(rows[1].find("encrypted=false"), std::string::npos) << rows[1];
  EXPECT_NE(rows[2].find("local=true"), std::string::npos) << rows[2];
  EXPECT_EQ(evidence.artifacts.size(), 1u);
}

TEST_F(SnapshotTest, CsvWithBackendTypesHasReplicationSessions) {
  const std::string path = Write("primary.csv",
                                 "pid,usename,datname,application_name,client_addr,ssl,"
                                 "backend_type\n"
                                 "201,app,orders,web,10.0.0.5,t,client backend\n"
                                 "202,replicator,,standby1,10.0.0.6,f,walsender\n"
                                 "203,replicator,orders,orders_sub,10.0.0.7,t,walsender\n"
                                 // Serves no client: not a session (nor a hidden one).
                                 "204,,,,,,autovacuum launcher\n");
  FactSet facts;
  Evidence evidence;
  ASSERT_EQ(LoadSnapshot(path, facts, evidence), std::nullopt);
  EXPECT_EQ(ErrorText(evidence), "");
  const FactTable& connections = facts.table(FactKind::kConnection);
  ASSERT_EQ(connections.size(), 3u);
  std::vector<std::string> kinds;
  for (size_t row = 0; row < connections.size(); ++row) {
    kinds.push_back(FormatField(connections, row, FieldOf<FactKind::kConnection>("session_kind")));
  }
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"client", "physical_replication", "logical_replication"}));
}

TEST_F(SnapshotTest, CsvRowsHiddenFromTheExportingRoleAreErrors) {
  // Exported without pg_read_all_stats: other sessions' client_addr and ssl are NULL.
  const std::string path = Write("db.csv",
                                 "server,pid,usename,client_addr,ssl\n"
                                 "a,1,app,,\n"
                                 "a,2,me,10.0.0.1,t\n"
                                 "b,3,app,,f\n");
  FactSet facts;
  Evidence evidence;
  ASSERT_EQ(LoadSnapshot(path, facts, evidence), std::nullopt);
  EXPECT_EQ(evidence.Targets(), (std::vector<std::string>{"a", "b"}));
  EXPECT_NE(ErrorText(evidence).find("a: 1 session(s) hidden from the exporting role"),
            std::string::npos)
      << ErrorText(evidence);
  EXPECT_EQ(facts.table(FactKind::kConnection).size(), 2u);

  const std::string bad = Write("bad.csv", "pid,usename\n1,app\n");
  EXPECT_NE(LoadSnapshot(bad, facts, evidence), std::nullopt);
  // A value that is no boolean is no hidden session: an error at its line.
  const std::string maybe =
      Write("maybe.csv",
            "server,pid,usename,client_addr,ssl\nc,4,app,10.0.0.2,t\nc,5,app,10.0.0.3,maybe\n");
  const std::optional<std::string> error = LoadSnapshot(maybe, facts, evidence);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("line 3: ssl is \"maybe\", not a boolean (t or f)"), std::string::npos)
      << *error;
}

TEST_F(SnapshotTest, InventoryTargetsDefaultsOverridesAndTags) {
  const std::string path = Write("inventory.yaml", R"(
defaults:
  timeout_ms: 7000
  connect: {sslmode: verify-full}
  require_direct_tls: true
targets:
  - name: orders-eu
    dsn: "host=db1 dbname=postgres"
    tags: [prod, eu]
    hba_file: configs/db1/pg_hba.conf
  - name: orders-us
    service: orders-us
    tags: [prod, us]
    timeout_ms: 3000
    connect: {sslmode: require, sslrootcert: /ca.crt}
    require_direct_tls: false
  - name: staging
    dsn: postgresql://staging/postgres
    tags: [staging]
)");
  const InventoryResult inventory = LoadInventory(path);
  ASSERT_EQ(inventory.error, std::nullopt);
  ASSERT_EQ(inventory.targets.size(), 3u);
  const Target& eu = inventory.targets[0];
  EXPECT_EQ(eu.timeout_ms, 7000);
  EXPECT_EQ(eu.connect.at("sslmode"), "verify-full");
  EXPECT_EQ(*eu.hba_file, (directory_ / "configs/db1/pg_hba.conf").string());
  EXPECT_TRUE(eu.require_direct_tls);
  const Target& us = inventory.targets[1];
  EXPECT_EQ(us.service, "orders-us");
  EXPECT_EQ(us.timeout_ms, 3000);
  EXPECT_EQ(us.connect.at("sslmode"), "require");
  EXPECT_EQ(us.connect.at("sslrootcert"), "/ca.crt");
  EXPECT_FALSE(us.require_direct_tls);

  auto names = [](const std::vector<Target>& targets) {
    std::vector<std::string> result;
    for (const Target& target : targets) result.push_back(target.name);
    return result;
  };
  EXPECT_EQ(names(SelectByTags(inventory.targets, {"eu", "staging"})),
            (std::vector<std::string>{"orders-eu", "staging"}));
  EXPECT_EQ(names(SelectByTags(inventory.targets, {})).size(), 3u);
  EXPECT_TRUE(SelectByTags(inventory.targets, {"nope"}).empty());
}

TEST_F(SnapshotTest, InvalidInventoriesSayWhere) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"targets: []", "targets must be a non-empty list"},
      {"targets:\n  - {dsn: x}", "a target needs a name"},
      {"targets:\n  - {name: a}", "needs a dsn or a service"},
      {"targets:\n  - {name: a, dsn: x}\n  - {name: a, dsn: y}", "two targets are named a"},
      {"targets:\n  - {name: a, dsn: x, timeout_ms: -1}", "timeout_ms must be a positive"},
      {"targets:\n  - {name: a, dsn: x, colour: red}", "unknown key \"colour\""},
      {"targets:\n  - {name: \"password=x\", dsn: x}", "hold no password"},
      {"targets:\n  - {name: a, dsn: x, connect: {application_name: y}}", "cannot set"},
      {"targets:\n  - {name: a, dsn: x, require_direct_tls: yes}",
       "require_direct_tls must be true or false"},
      {"defaults: {require_direct_tls: [true]}\ntargets:\n  - {name: a, dsn: x}",
       "require_direct_tls must be true or false"},
  };
  for (const auto& [yaml, expected] : cases) {
    SCOPED_TRACE(yaml);
    const InventoryResult inventory = LoadInventory(Write("inventory.yaml", yaml));
    ASSERT_NE(inventory.error, std::nullopt);
    EXPECT_NE(inventory.error->find(expected), std::string::npos) << *inventory.error;
    EXPECT_NE(inventory.error->find("inventory.yaml:"), std::string::npos);
  }
}

TEST(ServerFactsTest, SettingsOfOldAndNewServers) {
  ServerRows rows;
  rows.name = "old";
  rows.version = 110005;
  rows.role = "Scanner Role";
  rows.stats_visible = true;
  rows.settings = {{"ssl", "on"},
                   {"password_encryption", "on"},
                   {"log_connections", "on"},
                   {"ssl_ciphers", "HIGH:!aNULL"}};
  FactSet facts;
  ServerEvidence server;
  AddServerFacts(rows, facts, server);
  const FactTable& table = facts.table(FactKind::kServer);
  EXPECT_EQ(FormatField(table, 0, FieldOf<FactKind::kServer>("ssl_min_protocol_version")), "TLSv1");
  EXPECT_EQ(FormatField(table, 0, FieldOf<FactKind::kServer>("password_encryption")), "md5");
  EXPECT_EQ(FormatField(table, 0, FieldOf<FactKind::kServer>("log_connections")), "true");
  // No CRL directory before 14: none, not unknown (PGW-CERT-004 decides on ssl_crl_file alone).
  EXPECT_EQ(FormatField(table, 0, FieldOf<FactKind::kServer>("ssl_crl_dir")), "");
  EXPECT_EQ(FormatField(table, 0, FieldOf<FactKind::kServer>("ssl_groups")), "(absent)");
  // Known for every collected server: a target that does not ask for direct TLS says so.
  EXPECT_EQ(FormatField(table, 0, FieldOf<FactKind::kServer>("require_direct_tls")), "false");
  // Settings a role may not read are missing evidence, with the grant that fixes it.
  ASSERT_EQ(server.errors.size(), 1u);
  EXPECT_NE(server.errors[0].message.find("GRANT pg_read_all_settings TO \"Scanner Role\""),
            std::string::npos)
      << server.errors[0].message;
  EXPECT_NE(server.errors[0].message.find("hba_file"), std::string::npos);
  EXPECT_EQ(server.errors[0].message.find("ssl_min_protocol_version"), std::string::npos);
  EXPECT_EQ(server.errors[0].message.find("ssl_crl_dir"), std::string::npos);

  // PostgreSQL 18's log_connections is a list of aspects.
  rows.version = 180000;
  rows.settings["log_connections"] = "receipt,authentication";
  rows.settings["ssl_min_protocol_version"] = "TLSv1.3";
  rows.settings["ssl_max_protocol_version"] = "";
  rows.settings["ssl_crl_dir"] = "/etc/postgresql/crl.d";
  rows.settings["ssl_groups"] = "X25519:prime256v1";
  rows.settings["ssl_ecdh_curve"] = "secp384r1";  // 18's alias of ssl_groups: never read there
  FactSet newer;
  ServerEvidence newer_server;
  AddServerFacts(rows, newer, newer_server);
  const FactTable& new_table = newer.table(FactKind::kServer);
  EXPECT_EQ(FormatField(new_table, 0, FieldOf<FactKind::kServer>("log_connections")), "true");
  EXPECT_EQ(FormatField(new_table, 0, FieldOf<FactKind::kServer>("ssl_min_protocol_version")),
            "TLSv1.3");
  EXPECT_EQ(FormatField(new_table, 0, FieldOf<FactKind::kServer>("ssl_max_protocol_version")),
            "(absent)");
  EXPECT_EQ(FormatField(new_table, 0, FieldOf<FactKind::kServer>("ssl_crl_dir")),
            "/etc/postgresql/crl.d");
  EXPECT_EQ(FormatField(new_table, 0, FieldOf<FactKind::kServer>("ssl_groups")),
            "X25519, prime256v1");
}

TEST(ServerFactsTest, KeyExchangeGroupsAreReadAsOpenSslReadsThem) {
  using Groups = std::vector<std::string>;
  EXPECT_EQ(KeyExchangeGroups("prime256v1"), Groups{"prime256v1"});
  EXPECT_EQ(KeyExchangeGroups("X25519:prime256v1"), (Groups{"X25519", "prime256v1"}));
  // OpenSSL 3.5's default list: tuples, optional (?) groups and key shares (*).
  EXPECT_EQ(KeyExchangeGroups("?*X25519MLKEM768 / ?*X25519:?secp256r1 / ?ffdhe2048"),
            (Groups{"X25519MLKEM768", "X25519", "secp256r1", "ffdhe2048"}));
  // OpenSSL's keywords stand for their lists; '-' (in any place among the marks) removes a group
  // named before it, whatever its case.
  EXPECT_EQ(
      KeyExchangeGroups("DEFAULT:-X448:-ffdhe3072"),
      (Groups{"X25519MLKEM768", "X25519", "secp256r1", "secp384r1", "secp521r1", "ffdhe2048"}));
  EXPECT_EQ(KeyExchangeGroups("default_suite_b"), (Groups{"secp256r1", "secp384r1"}));
  EXPECT_EQ(KeyExchangeGroups("secp224r1:?-SECP224R1:X25519"), Groups{"X25519"});
  EXPECT_EQ(KeyExchangeGroups(""), Groups{});
  EXPECT_EQ(KeyExchangeGroups("::"), Groups{});
  // However long the server's setting (its text is the server's to choose): read in order, and
  // a removal found among 100,000 names.
  std::string many;
  for (int i = 0; i < 100000; ++i) many += "g" + std::to_string(i) + ":";
  many += "-G0";
  const Groups read = KeyExchangeGroups(many);
  ASSERT_EQ(read.size(), 99999u);
  EXPECT_EQ(read.front(), "g1");
  EXPECT_EQ(read.back(), "g99999");
}

TEST(ServerFactsTest, CipherExpansionIsOpenSslsTls12List) {
  const std::vector<std::string> strict = ExpandCipherList("ECDHE+AESGCM");
  EXPECT_FALSE(strict.empty());
  for (const std::string& name : strict) {
    EXPECT_NE(name.find("ECDHE"), std::string::npos) << name;
    EXPECT_NE(name.find("GCM"), std::string::npos) << name;
  }
  EXPECT_TRUE(ExpandCipherList("NO-SUCH-CIPHER").empty());
}

}  // namespace
}  // namespace pgward::collect
