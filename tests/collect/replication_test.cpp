// Replication senders (walsenders) against real PostgreSQL replicas: streaming standbys made
// from a base backup, one over TLS and one in plaintext, on every version from 13 to 18, and a
// logical subscription. The
// collector keeps them as sessions of their own kind, agreeing with the statistics views, and
// the PGW-REPL-* rules judge them while the client rules leave them alone.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/collect/queries.h"
#include "engine/collect/server_facts.h"
#include "engine/collect/snapshot.h"
#include "engine/model/fact_format.h"
#include "tests/collect/collect_test_util.h"
#include "tests/sandbox/sandbox.h"

namespace pgward::collect {
namespace {

using sandbox::Sandbox;
using sandbox::SandboxOptions;
using testing::BaselineFindings;
using testing::Collect;
using testing::ErrorText;
using testing::Messages;
using testing::SessionFacts;
using testing::StatisticsViewsQuery;
using testing::TargetFor;

// Replication over TLS and in plaintext from loopback (and the socket), and
// a line no sandbox client uses: plaintext physical replication from a private network.
constexpr const char* kPrimaryHba = R"(local      all          all                       trust
local      replication  all                       trust
hostssl    replication  postgres  127.0.0.1/32    trust
host       replication  postgres  127.0.0.1/32    trust
host       replication  replicator 10.0.0.0/8     scram-sha-256
hostssl    all          all       127.0.0.1/32    trust
host       all          all       127.0.0.1/32    trust
)";

constexpr const char* kSubscriptionPassword = "subscription-secret-7f3a";
constexpr const char* kUriPassword = "pa@ss";

// Waits until pg_stat_replication lists exactly `names` (application names), each streaming, and
// no other walsender runs (a subscription's table synchronisation has its own for a while,
// listed in pg_stat_activity before pg_stat_replication).
void AwaitStreaming(const Sandbox& primary, std::multiset<std::string> names) {
  std::multiset<std::string> streaming;
  for (int waited_ms = 0; waited_ms < 30000; waited_ms += 50) {
    streaming.clear();
    bool all_streaming = true;
    for (const Sandbox::Row& row :
         primary.Query("SELECT application_name, state FROM pg_catalog.pg_stat_replication")) {
      streaming.insert(row[0].value_or(""));
      all_streaming = all_streaming && row[1] == "streaming";
    }
    const bool no_other_walsender = primary
                                        .Query(
                                            "SELECT count(*) FROM pg_catalog.pg_stat_activity "
                                            "WHERE backend_type = 'walsender'")
                                        .at(0)
                                        .at(0) == std::to_string(names.size());
    if (all_streaming && streaming == names && no_other_walsender) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string seen;
  for (const std::string& name : streaming) seen += " " + name;
  FAIL() << "pg_stat_replication never listed only the expected senders streaming; last:" << seen;
}

using FieldText = std::function<std::string(const char*)>;

// The facts of `table` that `keep` keeps, each as its `fields` joined by spaces.
std::multiset<std::string> Rows(
    const FactTable& table, const std::vector<const char*>& fields,
    const std::function<bool(const FieldText&)>& keep = [](const FieldText&) { return true; }) {
  std::multiset<std::string> rows;
  for (size_t row = 0; row < table.size(); ++row) {
    const FieldText field = [&](const char* name) {
      return FormatField(table, row, *table.spec().FieldIndex(name));
    };
    if (!keep(field)) continue;
    std::string text;
    for (const char* name : fields) text += (text.empty() ? "" : " ") + field(name);
    rows.insert(text);
  }
  return rows;
}

bool ReplicationSessions(const FieldText& field) { return field("session_kind") != "client"; }

std::string LogTail(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::ostringstream content;
  content << in.rdbuf();
  const std::string text = content.str();
  return text.size() > 3000 ? text.substr(text.size() - 3000) : text;
}

std::set<std::int64_t> WalsenderPids(const Sandbox& primary) {
  std::set<std::int64_t> pids;
  for (const Sandbox::Row& row :
       primary.Query("SELECT pid FROM pg_catalog.pg_stat_activity WHERE backend_type = "
                     "'walsender'")) {
    pids.insert(std::stoll(*row[0]));
  }
  return pids;
}

class StandbyVersionsTest : public ::testing::TestWithParam<int> {};

TEST_P(StandbyVersionsTest, StandbysOverTlsAndPlaintextAreReplicationSessions) {
  SandboxOptions options;
  options.major = GetParam();
  options.hba_conf = kPrimaryHba;
  Sandbox primary(options);
  primary.GrantScannerHbaFileRules();
  const std::string to_primary =
      "host=127.0.0.1 port=" + std::to_string(primary.port()) + " user=postgres";
  const auto standby = [&](const std::string& conninfo) {
    SandboxOptions standby_options;
    standby_options.standby_of = SandboxOptions::Standby{&primary, to_primary + " " + conninfo};
    return standby_options;
  };
  // To the address from 15, whose libpq matches a certificate's IP addresses; a 13 or 14
  // standby with verify-full to 127.0.0.1 never connects, so it names the certificate's DNS
  // name (the later host keyword wins).
  const std::string tls_host = GetParam() >= 15 ? "127.0.0.1" : "localhost";
  Sandbox tls_standby(
      standby("application_name=standby_tls host=" + tls_host +
              " sslmode=verify-full sslrootcert=" + primary.pki().ca_certificate().string()));
  Sandbox plain_standby(standby("application_name=standby_plain sslmode=disable"));
  AwaitStreaming(primary, {"standby_plain", "standby_tls"});
  if (HasFatalFailure()) {
    for (const Sandbox* standby : {&tls_standby, &plain_standby}) {
      ADD_FAILURE() << standby->server_log() << ":\n" << LogTail(standby->server_log());
    }
    return;
  }

  FactSet facts;
  const Evidence evidence =
      Collect({TargetFor("primary", primary.tls_dsn(sandbox::kScannerRole))}, facts);
  ASSERT_EQ(ErrorText(evidence), "");

  // The facts of the walsenders are what the statistics views show of them.
  const std::set<std::int64_t> walsenders = WalsenderPids(primary);
  ASSERT_EQ(walsenders.size(), 2u);
  std::vector<Row> view_rows;
  for (Row& row : primary.Query(StatisticsViewsQuery(GetParam()))) {
    if (walsenders.contains(std::stoll(*row[kPid]))) view_rows.push_back(std::move(row));
  }
  FactSet from_views;
  std::vector<EvidenceError> errors;
  AddConnectionFacts("primary", sandbox::kScannerRole, true, view_rows, from_views, errors);
  EXPECT_EQ(SessionFacts(facts, "primary", walsenders),
            SessionFacts(from_views, "primary", walsenders));

  EXPECT_EQ(
      Rows(facts.table(FactKind::kConnection),
           {"application_name", "session_kind", "replication_state", "ssl", "database"},
           ReplicationSessions),
      (std::multiset<std::string>{"standby_plain physical_replication streaming false (absent)",
                                  "standby_tls physical_replication streaming true (absent)"}));

  const std::vector<std::string> findings = BaselineFindings(facts);
  EXPECT_EQ(Messages(findings, "PGW-REPL-001", "primary"),
            (std::multiset<std::string>{
                "1 plaintext physical_replication session(s) of postgres from 127.0.0.1 "
                "(standby_plain)"}));
  // The TLS standby negotiated TLS 1.3 with the server's defaults: nothing to report.
  EXPECT_EQ(Messages(findings, "PGW-REPL-002", "primary"), std::multiset<std::string>{});
  // The plaintext standby is the replication rules' concern, not the client rules'.
  for (const char* client_rule : {"PGW-CONN-001", "PGW-CONN-006"}) {
    for (const std::string& message : Messages(findings, client_rule, "primary")) {
      EXPECT_EQ(message.find("standby"), std::string::npos) << client_rule << ": " << message;
    }
  }
  // The server's own rules, through pg_hba_file_rules and the first-match analysis: the
  // private network's plaintext line, not the loopback ones the standbys use.
  EXPECT_EQ(Messages(findings, "PGW-REPL-004", "primary:" + primary.hba_file().string()),
            (std::multiset<std::string>{"this host line (scram-sha-256) accepts physical "
                                        "replication of replicator over plaintext TCP from "
                                        "10.0.0.0/8"}));

  // The standbys' own side: the connection string each WAL receiver uses, as the server shows
  // it (libpq's full list, password masked), judged by PGW-REPL-003.
  FactSet standby_facts;
  const Evidence standby_evidence =
      Collect({TargetFor("standby_tls", tls_standby.tls_dsn(sandbox::kScannerRole)),
               TargetFor("standby_plain", plain_standby.tls_dsn(sandbox::kScannerRole))},
              standby_facts);
  ASSERT_EQ(ErrorText(standby_evidence), "");
  const std::string port = std::to_string(primary.port());
  EXPECT_EQ(Rows(standby_facts.table(FactKind::kReplicationLink),
                 {"server", "kind", "name", "host", "port", "sslmode"}),
            (std::multiset<std::string>{
                "standby_tls standby primary_conninfo " + tls_host + " " + port + " verify-full",
                "standby_plain standby primary_conninfo 127.0.0.1 " + port + " disable"}));
  const std::vector<std::string> standby_findings = BaselineFindings(standby_facts);
  EXPECT_EQ(Messages(standby_findings, "PGW-REPL-003", "standby_tls"),
            std::multiset<std::string>{});
  EXPECT_EQ(Messages(standby_findings, "PGW-REPL-003", "standby_plain"),
            (std::multiset<std::string>{"standby connection primary_conninfo on standby_plain to "
                                        "127.0.0.1 uses sslmode=disable, channel_binding=prefer"}));

  // A standby whose WAL receiver cannot connect (nothing listens on the port it names) shows no
  // connection string: its primary_conninfo is evidence missing, not a pass.
  Sandbox orphan(standby("application_name=orphan sslmode=disable port=1"));
  FactSet orphan_facts;
  const Evidence orphan_evidence =
      Collect({TargetFor("orphan", orphan.tls_dsn(sandbox::kScannerRole))}, orphan_facts);
  EXPECT_EQ(ErrorText(orphan_evidence),
            "orphan: the standby's WAL receiver is not connected (pg_stat_wal_receiver has no "
            "row): the sslmode of its primary_conninfo is not known\n");
  EXPECT_EQ(Messages(BaselineFindings(orphan_facts), "PGW-REPL-003", "orphan"),
            (std::multiset<std::string>{"cannot evaluate PGW-REPL-003: evidence missing (sslmode, "
                                        "channel_binding not collected)"}));
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, StandbyVersionsTest,
                         ::testing::Values(13, 14, 15, 16, 17, 18),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "PostgreSQL" + std::to_string(info.param);
                         });

class SubscriptionVersionsTest : public ::testing::TestWithParam<int> {};

TEST_P(SubscriptionVersionsTest, APlaintextSubscriptionIsJudgedOnBothSides) {
  SandboxOptions publisher_options;
  publisher_options.major = GetParam();
  publisher_options.settings["wal_level"] = "logical";
  Sandbox publisher(publisher_options);
  SandboxOptions subscriber_options;
  subscriber_options.major = GetParam();
  Sandbox subscriber(subscriber_options);
  const char* table = "CREATE TABLE orders (id integer PRIMARY KEY)";
  publisher.Query(table);
  publisher.Query("CREATE PUBLICATION orders_pub FOR TABLE orders");
  subscriber.Query(table);
  // The sandbox's pg_hba.conf: `host all all 127.0.0.1/32 trust` takes the plaintext session
  // (and ignores the password, which the subscription keeps in clear all the same).
  subscriber.Query("CREATE SUBSCRIPTION orders_sub CONNECTION 'host=127.0.0.1 port=" +
                   std::to_string(publisher.port()) + " user=postgres dbname=postgres password=" +
                   kSubscriptionPassword + " sslmode=disable' PUBLICATION orders_pub");
  for (int waited_ms = 0; subscriber
                              .Query("SELECT count(*) FROM pg_catalog.pg_subscription_rel "
                                     "WHERE srsubstate <> 'r'")
                              .at(0)
                              .at(0) != "0";
       waited_ms += 50) {
    ASSERT_LT(waited_ms, 30000) << "the table synchronisation never finished";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NO_FATAL_FAILURE(AwaitStreaming(publisher, {"orders_sub"}));

  FactSet facts;
  const Evidence evidence =
      Collect({TargetFor("publisher", publisher.tls_dsn(sandbox::kScannerRole))}, facts);
  // pg_hba_file_rules is not granted here: that error alone.
  ASSERT_EQ(evidence.servers.size(), 1u);
  ASSERT_EQ(evidence.servers[0].errors.size(), 1u) << ErrorText(evidence);

  EXPECT_EQ(
      Rows(facts.table(FactKind::kConnection),
           {"application_name", "session_kind", "database", "encrypted"}, ReplicationSessions),
      (std::multiset<std::string>{"orders_sub logical_replication postgres false"}));
  EXPECT_EQ(Messages(BaselineFindings(facts), "PGW-REPL-001", "publisher"),
            (std::multiset<std::string>{"1 plaintext logical_replication session(s) of postgres "
                                        "from 127.0.0.1 (orders_sub)"}));

  // The subscriber's side. subconninfo is superusers' only: pgward's role may not read it, and
  // says so rather than pass the subscription.
  const Target subscriber_target =
      TargetFor("subscriber", subscriber.tls_dsn(sandbox::kScannerRole));
  FactSet hidden;
  const Evidence hidden_evidence = Collect({subscriber_target}, hidden);
  EXPECT_NE(ErrorText(hidden_evidence)
                .find("subscriber: role pgward_scanner cannot read pg_subscription.subconninfo "
                      "(superusers only): 1 subscription(s)' sslmode not collected: GRANT SELECT "
                      "(subconninfo) ON pg_catalog.pg_subscription TO pgward_scanner"),
            std::string::npos)
      << ErrorText(hidden_evidence);
  const std::vector<std::string> hidden_findings = BaselineFindings(hidden);
  EXPECT_EQ(std::ranges::count_if(hidden_findings,
                                  [](const std::string& finding) {
                                    return finding.starts_with(
                                        "PGW-REPL-003 subscriber cannot "
                                        "evaluate");
                                  }),
            1)
      << ::testing::PrintToString(hidden_findings);

  // With the grant it names, the subscriptions' sslmode is read, and the password is not kept.
  // Two more, never connected: one left to libpq's default sslmode, one to a service file.
  subscriber.Query("GRANT SELECT (subconninfo) ON pg_catalog.pg_subscription TO " +
                   std::string(sandbox::kScannerRole));
  subscriber.Query(
      "CREATE SUBSCRIPTION default_sub CONNECTION 'host=db2.example.com dbname=postgres' "
      "PUBLICATION orders_pub WITH (connect = false)");
  subscriber.Query(
      "CREATE SUBSCRIPTION service_sub CONNECTION 'service=orders dbname=postgres' "
      "PUBLICATION orders_pub WITH (connect = false)");
  // A URI whose password holds an unencoded '@': libpq reads a piece of it into the host.
  subscriber.Query(
      "CREATE SUBSCRIPTION uri_sub CONNECTION 'postgresql://app:" + std::string(kUriPassword) +
      "@db3.example.com/postgres?sslmode=verify-full' PUBLICATION orders_pub WITH "
      "(connect = false)");
  FactSet granted;
  const Evidence granted_evidence = Collect({subscriber_target}, granted);
  EXPECT_EQ(ErrorText(granted_evidence).find("subconninfo"), std::string::npos)
      << ErrorText(granted_evidence);
  EXPECT_EQ(Messages(BaselineFindings(granted), "PGW-REPL-003", "subscriber"),
            (std::multiset<std::string>{
                "subscription connection orders_sub on subscriber to 127.0.0.1 uses "
                "sslmode=disable, channel_binding=prefer",
                "subscription connection default_sub on subscriber to db2.example.com uses "
                "sslmode=prefer, channel_binding=prefer",
                "cannot evaluate PGW-REPL-003: evidence missing (sslmode, channel_binding not "
                "collected)"}));
  // uri_sub passes on its sslmode; what libpq took for its host and port is left out.
  EXPECT_EQ(Rows(granted.table(FactKind::kReplicationLink), {"host", "port", "sslmode"},
                 [](const FieldText& field) { return field("name") == "uri_sub"; }),
            (std::multiset<std::string>{"(absent) (absent) verify-full"}));
  const std::string snapshot = WriteSnapshot(granted_evidence, granted);
  EXPECT_NE(snapshot.find("\"replication_links\""), std::string::npos);
  EXPECT_EQ(snapshot.find(kSubscriptionPassword), std::string::npos);
  for (const char* piece : {"pa@ss", "ss@db3"}) {
    EXPECT_EQ(snapshot.find(piece), std::string::npos) << piece;
    EXPECT_EQ(ErrorText(granted_evidence).find(piece), std::string::npos) << piece;
  }
  subscriber.Query("DROP SUBSCRIPTION orders_sub");
  subscriber.Query("ALTER SUBSCRIPTION default_sub SET (slot_name = NONE)");
  subscriber.Query("DROP SUBSCRIPTION default_sub");
  for (const char* name : {"service_sub", "uri_sub"}) {
    subscriber.Query("ALTER SUBSCRIPTION " + std::string(name) + " SET (slot_name = NONE)");
    subscriber.Query("DROP SUBSCRIPTION " + std::string(name));
  }
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, SubscriptionVersionsTest,
                         ::testing::Values(13, 14, 15, 16, 17, 18),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "PostgreSQL" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace pgward::collect
