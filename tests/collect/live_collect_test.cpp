// Live collection against sandbox servers with live clients of every kind.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "engine/cli/collect_command.h"
#include "engine/collect/live_collector.h"
#include "engine/collect/queries.h"
#include "engine/collect/server_facts.h"
#include "engine/collect/snapshot.h"
#include "engine/hba/hba_facts.h"
#include "engine/hba/parser.h"
#include "engine/model/fact_format.h"
#include "engine/policy/builtin.h"
#include "engine/policy/evaluator.h"
#include "engine/scan/gather.h"
#include "tests/collect/collect_test_util.h"
#include "tests/sandbox/live_client.h"
#include "tests/sandbox/sandbox.h"
#include "tests/support/command.h"
#include "tests/support/silent_port.h"

namespace pgward::collect {
namespace {

using pgward::testing::RunPgward;
using sandbox::ClientSpec;
using sandbox::LiveClient;
using sandbox::Sandbox;
using sandbox::Transport;
using testing::BaselineFindings;
using testing::Collect;
using testing::DescribeFacts;
using testing::ErrorText;
using testing::kStatisticsViewsQuery;
using testing::PlantClients;
using testing::ServerFactsFromPgSettings;
using testing::SessionFacts;
using testing::TargetFor;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(LiveCollectTest, ConnectionFactsAreExactlyThePlantedSessions) {
  Sandbox server;
  server.GrantScannerHbaFileRules();
  const std::vector<LiveClient> clients = PlantClients(server);
  FactSet facts;
  const Evidence evidence =
      Collect({TargetFor("sandbox", server.tls_dsn(sandbox::kScannerRole))}, facts);
  ASSERT_EQ(ErrorText(evidence), "");
  ASSERT_EQ(evidence.servers.size(), 1u);

  const FactTable& connections = facts.table(FactKind::kConnection);
  std::map<std::int64_t, size_t> by_pid;
  for (size_t row = 0; row < connections.size(); ++row) {
    by_pid[*connections.Integer(row, FieldOf<FactKind::kConnection>("pid"))] = row;
  }
  std::set<std::int64_t> planted;
  for (const LiveClient& client : clients) planted.insert(client.backend_pid());
  std::set<std::int64_t> collected;
  for (const auto& [pid, row] : by_pid) collected.insert(pid);
  // pgward's own session is left out; nothing else is connected.
  EXPECT_EQ(collected, planted);

  for (const LiveClient& client : clients) {
    SCOPED_TRACE(client.spec().application_name);
    const size_t row = by_pid.at(client.backend_pid());
    auto field = [&](const char* name) {
      return FormatField(connections, row, *connections.spec().FieldIndex(name));
    };
    const bool tls = client.spec().transport == Transport::kTcpTls;
    const bool socket = client.spec().transport == Transport::kUnixSocket;
    EXPECT_EQ(field("server"), "sandbox");
    EXPECT_EQ(field("user"), client.spec().user);
    EXPECT_EQ(field("application_name"), client.spec().application_name);
    EXPECT_EQ(field("ssl"), tls ? "true" : "false");
    EXPECT_EQ(field("encrypted"), tls ? "true" : "false");
    EXPECT_EQ(field("local"), socket ? "true" : "false");
    EXPECT_EQ(field("client_addr"), socket ? "(absent)" : "127.0.0.1");
    EXPECT_EQ(field("tls_version"), tls ? client.tls_version() : "(absent)");
    EXPECT_EQ(field("cipher"), tls ? client.tls_cipher() : "(absent)");
    EXPECT_EQ(field("superuser"), "false");
    EXPECT_EQ(field("gss_encrypted"), "false");
    EXPECT_EQ(field("compression"), "(absent)");  // the column is gone in 14+
    if (client.spec().client_certificate_role.empty()) {
      EXPECT_EQ(field("client_dn"), "(absent)");
    } else {
      EXPECT_EQ(field("client_dn"),
                "/O=pgward sandbox/CN=" + client.spec().client_certificate_role);
      EXPECT_EQ(field("issuer_dn"), "/O=pgward sandbox/CN=pgward sandbox CA");
    }
  }
  EXPECT_EQ(FormatField(connections, by_pid.at(clients[2].backend_pid()),
                        FieldOf<FactKind::kConnection>("cipher")),
            "ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(FormatField(connections, by_pid.at(clients[3].backend_pid()),
                        FieldOf<FactKind::kConnection>("tls_version")),
            "TLSv1.3");

  const FactTable& servers = facts.table(FactKind::kServer);
  ASSERT_EQ(servers.size(), 1u);
  auto setting = [&](const char* name) {
    return FormatField(servers, 0, *servers.spec().FieldIndex(name));
  };
  EXPECT_EQ(setting("ssl"), "true");
  EXPECT_EQ(setting("version").substr(0, 2), "15");
  EXPECT_EQ(setting("scanner_ssl"), "true");
  EXPECT_EQ(setting("scanner_verified"), "true");  // tls_dsn is verify-full with the CA
  EXPECT_EQ(setting("scanner_tls_version"), "TLSv1.3");
  EXPECT_EQ(setting("ssl_min_protocol_version"), "TLSv1.2");
  EXPECT_EQ(setting("ssl_max_protocol_version"), "(absent)");  // '' = no limit
  EXPECT_EQ(setting("ssl_ciphers_expanded"), [] {
    std::string joined;
    for (const std::string& name : ExpandCipherList("HIGH:MEDIUM:+3DES:!aNULL")) {
      joined += (joined.empty() ? "" : ", ") + name;
    }
    return joined;
  }());
  EXPECT_NE(setting("ssl_ciphers_expanded").find("ECDHE-RSA-AES128-GCM-SHA256"), std::string::npos);
  EXPECT_EQ(setting("ssl_ciphers_expanded").find("TLS_AES"), std::string::npos);
  EXPECT_EQ(setting("hba_file"), server.hba_file().string());
}

TEST(LiveCollectTest, ConnectionFactsAreWhatTheStatisticsViewsShow) {
  Sandbox server;
  server.Query("CREATE ROLE repl_app LOGIN REPLICATION");
  std::vector<LiveClient> clients = PlantClients(server);
  clients.emplace_back(server, ClientSpec{.transport = Transport::kTcpTls,
                                          .user = sandbox::kSuperuser,
                                          .application_name = "it-superuser"});
  clients.emplace_back(server, ClientSpec{.transport = Transport::kTcpPlaintext,
                                          .user = "repl_app",
                                          .application_name = "it-replication"});
  std::set<std::int64_t> planted;
  for (const LiveClient& client : clients) planted.insert(client.backend_pid());
  // Several targets at once: every event loop collects some, each with its own OpenSSL library
  // context but the first, and all of them must see the same.
  std::vector<Target> targets;
  for (int i = 0; i < 4; ++i) {
    targets.push_back(TargetFor("t" + std::to_string(i), server.tls_dsn(sandbox::kScannerRole)));
  }
  FactSet live;
  const Evidence evidence = Collect(targets, live, 4);
  ASSERT_EQ(evidence.servers.size(), 4u);

  std::vector<Row> rows;
  for (Row& row : server.Query(kStatisticsViewsQuery)) {
    if (planted.contains(std::stoll(*row[kPid]))) rows.push_back(std::move(row));
  }
  ASSERT_EQ(rows.size(), clients.size());
  const FactTable& servers = live.table(FactKind::kServer);
  for (size_t i = 0; i < targets.size(); ++i) {
    SCOPED_TRACE(targets[i].name);
    // Without pg_hba_file_rules: the sandbox does not grant it here.
    ASSERT_EQ(evidence.servers[i].errors.size(), 1u) << ErrorText(evidence);
    FactSet views;
    std::vector<EvidenceError> errors;
    AddConnectionFacts(targets[i].name, sandbox::kScannerRole, true, rows, views, errors);
    EXPECT_EQ(SessionFacts(live, targets[i].name, planted),
              SessionFacts(views, targets[i].name, planted));
    EXPECT_EQ(FormatField(servers, i, FieldOf<FactKind::kServer>("scanner_tls_version")),
              "TLSv1.3");
    EXPECT_EQ(FormatField(servers, i, FieldOf<FactKind::kServer>("scanner_verified")), "true");
  }
  // The role attributes come from pg_roles: the bootstrap superuser has them all.
  for (const std::string& fact : SessionFacts(live, "t0", planted)) {
    if (fact.find("application_name=\"it-superuser\"") != std::string::npos) {
      EXPECT_NE(fact.find("superuser=true; replication=true;"), std::string::npos) << fact;
    } else if (fact.find("application_name=\"it-replication\"") != std::string::npos) {
      EXPECT_NE(fact.find("superuser=false; replication=true;"), std::string::npos) << fact;
    }
  }
}

TEST(LiveCollectTest, SettingsReadOneByOneAreThoseOfPgSettings) {
  Sandbox server;
  FactSet live;
  const Evidence evidence = Collect({TargetFor("db", server.tls_dsn(sandbox::kScannerRole))}, live);
  EXPECT_EQ(DescribeFacts(live, FactKind::kServer),
            ServerFactsFromPgSettings(server, *evidence.servers[0].version));
}

// pgward's Query messages per target, from the server's log: log_statement = all logs each
// simple Query message once, however many statements it holds.
TEST(LiveCollectTest, OneRoundTripOfQueriesAndASecondOnlyForHiddenSettings) {
  sandbox::SandboxOptions options;
  options.settings["log_statement"] = "'all'";
  Sandbox server(options);
  server.GrantScannerHbaFileRules();
  server.Query("CREATE ROLE scan_super LOGIN SUPERUSER");
  FactSet facts;
  const Evidence evidence =
      Collect({TargetFor("monitor", server.tls_dsn(sandbox::kScannerRole)),
               TargetFor("super", server.tls_dsn("scan_super")),
               TargetFor("limited", server.tls_dsn(sandbox::kLimitedScannerRole))},
              facts);
  EXPECT_EQ(evidence.servers[0].errors.size(), 0u) << ErrorText(evidence);
  EXPECT_EQ(evidence.servers[1].errors.size(), 0u) << ErrorText(evidence);
  // Settings, sessions and pg_hba_file_rules out of reach: all three are named.
  EXPECT_EQ(evidence.servers[2].errors.size(), 3u) << ErrorText(evidence);
  // Rules name their file with the server in front.
  const FactTable& rules = facts.table(FactKind::kHbaRule);
  std::map<std::string, size_t> rules_by_server;
  for (size_t row = 0; row < rules.size(); ++row) {
    const std::string file = FormatField(rules, row, FieldOf<FactKind::kHbaRule>("file"));
    ++rules_by_server[file.substr(0, file.find(':'))];
  }
  EXPECT_EQ(rules_by_server["monitor"], 7u);
  EXPECT_EQ(rules_by_server["super"], 7u);

  const std::string log = ReadFile(server.server_log());
  auto messages = [&log](const std::string& role) {
    const std::string line = role + "@postgres LOG:  statement: ";
    size_t count = 0;
    for (size_t at = log.find(line); at != std::string::npos; at = log.find(line, at + 1)) {
      ++count;
    }
    return count;
  };
  // Everything in one batch, pg_hba_file_rules included, for a role that may read it.
  EXPECT_EQ(messages(sandbox::kScannerRole), 1u);
  EXPECT_EQ(messages("scan_super"), 1u);
  // The batch (pg_hba_file_rules denied in it, in its own transaction, which leaves the session
  // usable), then pg_settings for what the role may see of the settings.
  EXPECT_EQ(messages(sandbox::kLimitedScannerRole), 2u);
  EXPECT_NE(log.find(std::string(sandbox::kLimitedScannerRole) +
                     "@postgres ERROR:  permission denied for view pg_hba_file_rules"),
            std::string::npos);
  EXPECT_NE(ErrorText(evidence).find("cannot read pg_hba_file_rules: GRANT SELECT ON"),
            std::string::npos);
  EXPECT_EQ(ErrorText(evidence).find("query failed"), std::string::npos);
}

TEST(LiveCollectTest, HbaRulesFromTheServerViewMatchTheParsedFile) {
  Sandbox server;
  server.GrantScannerHbaFileRules();
  FactSet live;
  const Evidence evidence = Collect({TargetFor("db", server.tls_dsn(sandbox::kScannerRole))}, live);
  ASSERT_EQ(ErrorText(evidence), "");
  FactSet parsed;
  hba::ParseOptions options;
  options.pg_version = 15;
  const hba::HbaFile file = hba::ParseHbaFile(server.hba_file().string(), options);
  hba::AddHbaRuleFacts(file, {.pg_version = 15}, parsed);

  // The same facts, but for the file's name: the server's facts name the server too.
  auto without_file = [](const FactSet& facts) {
    std::vector<std::string> rows = DescribeFacts(facts, FactKind::kHbaRule);
    for (std::string& row : rows) {
      row = row.substr(row.find("; line="));
      row = row.substr(0, row.rfind("source="));
    }
    return rows;
  };
  EXPECT_EQ(without_file(live), without_file(parsed));
  const FactTable& rules = live.table(FactKind::kHbaRule);
  ASSERT_EQ(rules.size(), 7u);
  EXPECT_EQ(FormatField(rules, 0, FieldOf<FactKind::kHbaRule>("file")),
            "db:" + server.hba_file().string());
}

// One file, three roads into facts: `scan --hba`, an inventory target's hba_file, and the
// server's own pg_hba_file_rules. Each must give the same hba findings and checks, the
// first-match coverage rules (PGW-COV-*, PGW-HBA-008) included: a road without the analysis
// would leave them "evidence missing" and a fleet scan could never pass.
TEST(LiveCollectTest, TheThreeHbaRoadsGiveTheSameFindings) {
  Sandbox server;
  server.GrantScannerHbaFileRules();
  const std::string hba_file = server.hba_file().string();

  FactSet from_view;
  const Evidence view_evidence =
      Collect({TargetFor("db", server.tls_dsn(sandbox::kScannerRole))}, from_view);
  ASSERT_EQ(ErrorText(view_evidence), "");

  Target with_file = TargetFor("db", server.tls_dsn(sandbox::kScannerRole));
  with_file.hba_file = hba_file;
  FactSet from_inventory;
  const Evidence inventory_evidence = Collect({with_file}, from_inventory);
  ASSERT_EQ(ErrorText(inventory_evidence), "");

  FactSet from_scan;
  scan::ScanInputs scan_hba;
  scan_hba.hba_files = {hba_file};
  scan_hba.pg_version = 15;
  const scan::Gathered scanned_file = scan::Gather(scan_hba, from_scan);
  ASSERT_FALSE(scanned_file.input_error);
  ASSERT_TRUE(scanned_file.errors.empty());

  policy::LoadResult baseline = policy::LoadBuiltinPack("baseline");
  ASSERT_TRUE(baseline.policy);
  // Rule, status, line and message of every hba finding, and every hba check's counts; the
  // server's facts name the file "db:<path>", the others "<path>".
  auto hba_outcome = [&](const FactSet& facts) {
    // Not owned: the findings do not outlive `facts`.
    const policy::Evaluation evaluation =
        policy::Evaluate({&*baseline.policy},
                         std::shared_ptr<const FactSet>(std::shared_ptr<const FactSet>(), &facts));
    std::vector<std::string> outcome;
    auto strip = [&](std::string text) {
      for (size_t at; (at = text.find("db:" + hba_file)) != std::string::npos;) text.erase(at, 3);
      return text;
    };
    for (const Finding& finding : evaluation.findings) {
      if (!finding.rule_id.starts_with("PGW-HBA-") && !finding.rule_id.starts_with("PGW-COV-"))
        continue;
      outcome.push_back(finding.rule_id + " " + std::string(FindingStatusName(finding.status)) +
                        " line " + std::to_string(finding.location ? finding.location->line : 0) +
                        " " + strip(finding.message));
    }
    for (const RuleCheck& check : evaluation.checks) {
      if (!check.rule_id.starts_with("PGW-HBA-") && !check.rule_id.starts_with("PGW-COV-"))
        continue;
      outcome.push_back("check " + check.rule_id + " " + std::to_string(check.facts_checked) +
                        " checked, " + std::to_string(check.failures) + " failed, " +
                        std::to_string(check.errors) + " without evidence");
    }
    return outcome;
  };
  const std::vector<std::string> scanned = hba_outcome(from_scan);
  EXPECT_EQ(hba_outcome(from_inventory), scanned);
  EXPECT_EQ(hba_outcome(from_view), scanned);
  const auto coverage_checked = std::count_if(scanned.begin(), scanned.end(), [](auto& line) {
    return line.starts_with("check PGW-COV-") && line.ends_with(", 0 without evidence");
  });
  EXPECT_GE(coverage_checked, 2) << ::testing::PrintToString(scanned);
}

TEST(LiveCollectTest, ScannerWithoutPgMonitorIsAnErrorNamingTheGrant) {
  Sandbox server;
  const std::vector<LiveClient> clients = PlantClients(server);
  FactSet facts;
  const Evidence evidence =
      Collect({TargetFor("db", server.tls_dsn(sandbox::kLimitedScannerRole))}, facts);
  const std::string errors = ErrorText(evidence);
  EXPECT_NE(errors.find("GRANT pg_monitor TO limited_scanner"), std::string::npos) << errors;
  EXPECT_NE(errors.find("GRANT SELECT ON pg_catalog.pg_hba_file_rules TO limited_scanner"),
            std::string::npos)
      << errors;
  // Never sessions that look like Unix sockets.
  EXPECT_EQ(facts.table(FactKind::kConnection).size(), 0u);

  // The command: exit 3, the grant on stderr, the snapshot records the missing evidence.
  const std::filesystem::path snapshot = server.directory() / "limited.json";
  cli::CollectCommandOptions options;
  options.targets = {server.tls_dsn(sandbox::kLimitedScannerRole)};
  options.output = snapshot.string();
  std::ostringstream out, err;
  EXPECT_EQ(cli::RunCollect(options, out, err), 3);
  EXPECT_NE(err.str().find("GRANT pg_monitor TO limited_scanner"), std::string::npos) << err.str();
  EXPECT_NE(ReadFile(snapshot).find("GRANT pg_monitor TO limited_scanner"), std::string::npos);
}

TEST(LiveCollectTest, WrongPasswordIsAnErrorWithoutThePassword) {
  sandbox::SandboxOptions sandbox_options;
  sandbox_options.hba_conf =
      "local all all trust\n"
      "host all pw_user 127.0.0.1/32 scram-sha-256\n"
      "hostssl all all 127.0.0.1/32 trust\n";
  Sandbox server(sandbox_options);
  server.Query(
      "SET password_encryption = 'scram-sha-256'; "
      "CREATE ROLE pw_user LOGIN PASSWORD 'Right-Horse-42'");
  const std::string secret = "Wr0ng-Battery-Staple";
  const std::string port = std::to_string(server.port());
  const std::vector<std::string> dsns = {
      "host=127.0.0.1 port=" + port +
          " user=pw_user dbname=postgres sslmode=disable password=" + secret,
      "host=127.0.0.1 port=" + port + " user=pw_user dbname=postgres sslmode=disable password='" +
          secret + "'",
      "postgresql://pw_user:" + secret + "@127.0.0.1:" + port + "/postgres?sslmode=disable",
      "postgresql://pw_user@127.0.0.1:" + port + "/postgres?sslmode=disable&password=" + secret,
      // Malformed: libpq quotes the fragment it cannot parse, here the password.
      "host=127.0.0.1 port=" + port + " user=pw_user password " + secret,
      // An unencoded '@' in a URI's password: libpq takes the rest of it for the host, or,
      // past a '/', for the database name.
      "postgresql://pw_user:Wr0ng@Battery-Staple@127.0.0.1:" + port + "/postgres",
      "postgresql://pw_user:Wr0ng@Battery/Staple@127.0.0.1:" + port + "/postgres",
  };
  // The right password works: the failures below are the password's.
  FactSet facts;
  const Evidence good = Collect(
      {TargetFor("good",
                 "host=127.0.0.1 port=" + port +
                     " user=pw_user dbname=postgres sslmode=disable password=Right-Horse-42")},
      facts);
  // No pg_read_all_settings, no pg_read_all_stats, no pg_hba_file_rules: but connected.
  EXPECT_EQ(good.servers[0].errors.size(), 3u) << ErrorText(good);
  EXPECT_EQ(ErrorText(good).find("password authentication failed"), std::string::npos);

  const std::filesystem::path snapshot = server.directory() / "wrong.json";
  cli::CollectCommandOptions options;
  options.targets = dsns;
  options.output = snapshot.string();
  options.progress = true;
  std::ostringstream out, err;
  EXPECT_EQ(cli::RunCollect(options, out, err), 3);
  const std::string written = ReadFile(snapshot);
  for (const std::string& output : {out.str(), err.str(), written}) {
    EXPECT_EQ(output.find(secret), std::string::npos) << output;
    EXPECT_EQ(output.find("Battery"), std::string::npos) << output;
  }
  EXPECT_NE(err.str().find("password authentication failed for user \"pw_user\""),
            std::string::npos)
      << err.str();
  EXPECT_NE(err.str().find("invalid connection string"), std::string::npos) << err.str();
  for (const char* target : {"--target 6 (invalid)", "--target 7 (invalid)"}) {
    EXPECT_NE(err.str().find(std::string(target) +
                             ": invalid connection string: its URI holds a second '@'"),
              std::string::npos)
        << err.str();
  }
  // The server's log has no password either (libpq sends SCRAM proofs, not passwords).
  EXPECT_EQ(ReadFile(server.server_log()).find(secret), std::string::npos);
}

// pgward's own login (#21): whether the server asked it for a password, and whether the SCRAM
// exchange had to be bound to the TLS channel. libpq connects with channel_binding=require only
// when it was, so a connection made with it is the proof.
TEST(LiveCollectTest, TheScannersPasswordAndChannelBindingAreRecordedAndJudged) {
  sandbox::SandboxOptions sandbox_options;
  sandbox_options.hba_conf =
      "local all all trust\n"
      "hostssl all pgward_scanner 127.0.0.1/32 scram-sha-256\n"
      "hostssl all all 127.0.0.1/32 trust\n";
  Sandbox server(sandbox_options);
  const std::string secret = "Bound-Horse-17";
  server.Query("SET password_encryption = 'scram-sha-256'; ALTER ROLE pgward_scanner PASSWORD '" +
               secret + "'");
  const std::string scanner = server.tls_dsn(sandbox::kScannerRole) + " password=" + secret;
  const std::string bound = scanner + " channel_binding=require";
  FactSet facts;
  const Evidence evidence = Collect({TargetFor("bound", bound), TargetFor("preferred", scanner),
                                     TargetFor("trusted", server.tls_dsn(sandbox::kSuperuser))},
                                    facts);
  EXPECT_EQ(ErrorText(evidence).find("connect"), std::string::npos) << ErrorText(evidence);
  const FactTable& servers = facts.table(FactKind::kServer);
  std::map<std::string, std::string> seen;
  for (size_t row = 0; row < servers.size(); ++row) {
    const auto field = [&](const char* name) {
      return FormatField(servers, row, *servers.spec().FieldIndex(name));
    };
    seen[field("server")] = field("scanner_password") + " " + field("scanner_channel_binding") +
                            " " + field("scanner_require_auth");
  }
  EXPECT_EQ(seen, (std::map<std::string, std::string>{{"bound", "true require (absent)"},
                                                      {"preferred", "true prefer (absent)"},
                                                      {"trusted", "false prefer (absent)"}}));

  // Judged by the pack that asks for channel binding: only the password login that did not
  // require it is a finding, and the password is in no output. The baseline leaves it out.
  const auto scan = [&](const std::string& dsn, const std::string& pack) {
    return RunPgward({"scan", "--target", dsn, "--pack", pack, "--format", "json"});
  };
  const auto findings_of = [](const pgward::testing::CommandResult& run) {
    std::multiset<std::string> messages;
    const nlohmann::json report = nlohmann::json::parse(run.out);
    for (const nlohmann::json& finding : report["findings"]) {
      if (finding["rule_id"] == "PGW-SRV-011") {
        messages.insert(finding["message"].get<std::string>());
      }
    }
    return messages;
  };
  const auto preferred = scan(scanner, "pci-dss-4.0");
  EXPECT_EQ(findings_of(preferred),
            (std::multiset<std::string>{"pgward's password login to pgward_scanner@127.0.0.1:" +
                                        std::to_string(server.port()) +
                                        "/postgres was not required to be bound to its TLS channel "
                                        "(channel_binding=prefer)"}))
      << preferred.err;
  EXPECT_EQ(findings_of(scan(bound, "pci-dss-4.0")), std::multiset<std::string>{});
  EXPECT_EQ(findings_of(scan(server.tls_dsn(sandbox::kSuperuser), "pci-dss-4.0")),
            std::multiset<std::string>{});
  EXPECT_EQ(findings_of(scan(scanner, "baseline")), std::multiset<std::string>{});
  for (const std::string& output : {preferred.out, preferred.err}) {
    EXPECT_EQ(output.find(secret), std::string::npos) << output;
  }
}

TEST(LiveCollectTest, StoppedServerFailsItsTargetsAndTheOthersGoOn) {
  Sandbox up;
  Sandbox stopping;
  std::vector<Target> targets;
  for (int i = 0; i < 3; ++i) {
    targets.push_back(
        TargetFor("up-" + std::to_string(i), up.tls_dsn(sandbox::kScannerRole), 5000));
    targets.push_back(
        TargetFor("down-" + std::to_string(i), stopping.tls_dsn(sandbox::kScannerRole), 5000));
  }
  CollectOptions options;
  options.targets = targets;
  options.concurrency = 1;
  // The server goes away once the run is under way (after the first target).
  options.on_progress = [&](const Progress& progress) {
    if (progress.done == 1) stopping.Stop();
  };
  FactSet facts;
  const Evidence evidence = CollectLive(options, facts).evidence;
  ASSERT_EQ(evidence.servers.size(), 6u);
  for (const ServerEvidence& server : evidence.servers) {
    SCOPED_TRACE(server.name);
    const bool down = server.name.starts_with("down-");
    const RowRange settings = server.rows[static_cast<size_t>(FactKind::kServer)];
    if (down) {
      ASSERT_EQ(server.errors.size(), 1u);
      EXPECT_NE(server.errors[0].message.find("cannot connect"), std::string::npos)
          << server.errors[0].message;
      EXPECT_EQ(settings.end - settings.begin, 0u);
    } else {
      EXPECT_EQ(settings.end - settings.begin, 1u);
      // Only the missing pg_hba_file_rules grant.
      EXPECT_EQ(server.errors.size(), 1u);
    }
  }
}

TEST(LiveCollectTest, ATargetThatNeverAnswersTimesOutAndTheOthersGoOn) {
  Sandbox server;
  // A listening socket nobody accepts on: TCP connects, the SSLRequest gets no answer.
  const pgward::testing::SilentPort port;
  const std::string silent =
      "host=127.0.0.1 port=" + std::to_string(port.port()) + " user=x dbname=x";
  FactSet facts;
  CollectOptions options;
  options.targets = {TargetFor("silent", silent, 300),
                     TargetFor("db", server.tls_dsn(sandbox::kScannerRole))};
  const auto started = std::chrono::steady_clock::now();
  const Evidence evidence = CollectLive(options, facts).evidence;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  ASSERT_EQ(evidence.servers[0].errors.size(), 1u);
  EXPECT_NE(evidence.servers[0].errors[0].message.find("timed out after 300 ms"), std::string::npos)
      << evidence.servers[0].errors[0].message;
  EXPECT_EQ(facts.table(FactKind::kServer).size(), 1u);
}

// Where no thread can be started (RLIMIT_NPROC reached: a CI runner's limit, a container's),
// the connections of a live scan share the one event loop there is, and its probes the calling
// thread: every target is collected and judged as with threads. It aborted before. (On a machine
// of one core no loop thread is started either way.)
TEST(LiveCollectTest, WithoutThreadsToBeHadEveryTargetIsCollected) {
  if (!pgward::testing::CanLimitThreads()) GTEST_SKIP() << "needs root and a postgres user";
  // Two servers: a target sees the sessions open on its server, and two targets on one would
  // see each other's connections or not as the loops happen to interleave.
  Sandbox first, second;
  const std::vector<std::string> scan = {"scan",
                                         "--target",
                                         first.tls_dsn(sandbox::kSuperuser),
                                         "--target",
                                         second.tls_dsn(sandbox::kSuperuser),
                                         "--probe",
                                         "--format",
                                         "json"};
  const auto findings_of = [](const pgward::testing::CommandResult& run) {
    std::multiset<std::string> findings;
    const nlohmann::json report = nlohmann::json::parse(run.out);
    for (const nlohmann::json& finding : report.at("findings")) {
      findings.insert(finding.at("rule_id").get<std::string>() + " " +
                      finding.at("message").get<std::string>());
    }
    return findings;
  };
  const auto free = pgward::testing::RunPgwardAsPostgres(false, scan);
  const auto limited = pgward::testing::RunPgwardAsPostgres(true, scan);
  ASSERT_EQ(limited.exit_code, free.exit_code) << limited.err;
  EXPECT_EQ(limited.err.find("terminate"), std::string::npos) << limited.err;
  const std::multiset<std::string> findings = findings_of(free);
  EXPECT_EQ(findings_of(limited), findings);
  EXPECT_FALSE(findings.empty());
  // The same targets, checks and evidence errors (none).
  const auto summary_of = [](const pgward::testing::CommandResult& run) {
    const nlohmann::json report = nlohmann::json::parse(run.out);
    return report.at("targets").dump() + report.at("summary").dump();
  };
  EXPECT_EQ(summary_of(limited), summary_of(free));
  EXPECT_EQ(nlohmann::json::parse(free.out).at("summary").at("evidence_errors"), 0);
}

// Which roles store md5 passwords: pg_authid, which a superuser reads, and a monitoring role
// only once granted its columns. Where a rule wants it and the role may not read it, the error
// names the grant and the rule's evidence is missing; the hashes themselves are never read.
class Md5PasswordRolesTest : public ::testing::TestWithParam<int> {};

TEST_P(Md5PasswordRolesTest, ReadWhereTheRoleMayAndMissingEvidenceWhereNot) {
  sandbox::SandboxOptions options;
  options.major = GetParam();
  Sandbox server(options);
  server.GrantScannerHbaFileRules();
  server.Query("CREATE ROLE scan_super LOGIN SUPERUSER");
  server.Query(
      "SET password_encryption = 'md5'; CREATE ROLE md5_app LOGIN PASSWORD 'app-pw-1'; "
      "CREATE ROLE md5_group PASSWORD 'group-pw-2'; RESET password_encryption; "
      "CREATE ROLE scram_app LOGIN PASSWORD 'scram-pw-3'");
  const std::string hash =
      *server.Query("SELECT rolpassword FROM pg_catalog.pg_authid WHERE rolname = 'md5_app'")
           .at(0)
           .at(0);
  ASSERT_TRUE(hash.starts_with("md5")) << hash;
  using Wanted = CollectOptions::Md5PasswordRoles;
  const auto gather = [&](const char* role, Wanted wanted, FactSet& facts) {
    scan::LivePlan plan;
    plan.collect.targets = {TargetFor("db", server.tls_dsn(role))};
    plan.collect.md5_password_roles = wanted;
    return scan::GatherLive(plan, facts);
  };
  const auto roles_field = [](const FactSet& facts) {
    const FactTable& table = facts.table(FactKind::kServer);
    EXPECT_EQ(table.size(), 1u);
    return table.size() == 1
               ? FormatField(table, 0, FieldOf<FactKind::kServer>("md5_password_roles"))
               : "";
  };
  // PCI DSS 8.3.2's: the baseline leaves the rule out, since its role may not read pg_authid.
  const auto findings = [](const FactSet& facts) {
    return testing::Messages(testing::PackFindings(facts, "pci-dss-4.0"), "PGW-SRV-010", "db");
  };

  FactSet super;
  const Evidence super_evidence = gather("scan_super", Wanted::kRequired, super);
  EXPECT_EQ(ErrorText(super_evidence), "");
  EXPECT_EQ(roles_field(super), "md5_app, md5_group");
  EXPECT_EQ(
      findings(super),
      (std::multiset<std::string>{"db stores md5 or plain-text passwords for md5_app, md5_group"}));
  EXPECT_EQ(testing::Messages(BaselineFindings(super), "PGW-SRV-010", "db"),
            std::multiset<std::string>{});
  EXPECT_EQ(WriteSnapshot(super_evidence, super).find(hash.substr(3)), std::string::npos);

  FactSet hidden;
  const Evidence hidden_evidence = gather(sandbox::kScannerRole, Wanted::kRequired, hidden);
  EXPECT_NE(ErrorText(hidden_evidence)
                .find("db: role pgward_scanner cannot read pg_authid.rolpassword (superusers "
                      "only): which roles store md5 passwords is not collected: scan as a "
                      "superuser, or GRANT SELECT (rolname, rolpassword) ON pg_catalog.pg_authid "
                      "TO pgward_scanner"),
            std::string::npos)
      << ErrorText(hidden_evidence);
  const std::string not_collected =
      "cannot evaluate PGW-SRV-010: evidence missing (md5_password_roles not collected; "
      "pg_authid.rolpassword is readable by superusers only: collect as a superuser, or GRANT "
      "SELECT (rolname, rolpassword) ON pg_catalog.pg_authid TO the scanning role)";
  EXPECT_EQ(findings(hidden), (std::multiset<std::string>{not_collected}));
  // A run that does not judge them (or a snapshot, which keeps what it can) asks nothing of the
  // role: no error.
  for (const Wanted wanted : {Wanted::kNever, Wanted::kWhereReadable}) {
    FactSet quiet;
    EXPECT_EQ(ErrorText(gather(sandbox::kScannerRole, wanted, quiet)), "");
    EXPECT_EQ(roles_field(quiet), "(absent)");
  }

  // The commands: a scan whose pack judges them asks for them and names the missing grant; the
  // baseline asks nothing of the role; a snapshot a superuser collected keeps them.
  const auto scan = [&](const std::vector<std::string>& input, const std::string& pack) {
    std::vector<std::string> arguments = {"scan", "--pack", pack, "--format", "json"};
    arguments.insert(arguments.end(), input.begin(), input.end());
    return RunPgward(arguments);
  };
  const auto pci = scan({"--target", server.tls_dsn(sandbox::kScannerRole)}, "pci-dss-4.0");
  EXPECT_EQ(pci.exit_code, 3) << pci.err;
  EXPECT_NE(pci.err.find("GRANT SELECT (rolname, rolpassword) ON pg_catalog.pg_authid"),
            std::string::npos)
      << pci.err;
  const auto baseline = scan({"--target", server.tls_dsn(sandbox::kScannerRole)}, "baseline");
  EXPECT_TRUE(baseline.exit_code == 0 || baseline.exit_code == 1) << baseline.err;
  EXPECT_TRUE(nlohmann::json::parse(baseline.out)["errors"].empty()) << baseline.out;
  const std::string snapshot = (server.directory() / "md5-snapshot.json").string();
  const auto collected =
      RunPgward({"collect", "--target", server.tls_dsn("scan_super"), "-o", snapshot});
  EXPECT_EQ(collected.exit_code, 0) << collected.err;
  const auto from_snapshot = scan({"--snapshot", snapshot}, "pci-dss-4.0");
  EXPECT_NE(from_snapshot.out.find("stores md5 or plain-text passwords for md5_app, md5_group"),
            std::string::npos)
      << from_snapshot.out;
  EXPECT_EQ(ReadFile(snapshot).find(hash.substr(3)), std::string::npos);
  // A snapshot the scanner role collected keeps no hashes and no error: the scan of it that
  // judges them is missing evidence, and says what would give it.
  const std::string scanner_snapshot = (server.directory() / "scanner-snapshot.json").string();
  EXPECT_EQ(RunPgward({"collect", "--target", server.tls_dsn(sandbox::kScannerRole), "-o",
                       scanner_snapshot})
                .exit_code,
            0);
  const auto from_scanner_snapshot = scan({"--snapshot", scanner_snapshot}, "pci-dss-4.0");
  EXPECT_EQ(from_scanner_snapshot.exit_code, 3) << from_scanner_snapshot.err;
  EXPECT_NE(from_scanner_snapshot.out.find(nlohmann::json(not_collected).dump()), std::string::npos)
      << from_scanner_snapshot.out;

  server.Query("GRANT SELECT (rolname, rolpassword) ON pg_catalog.pg_authid TO " +
               std::string(sandbox::kScannerRole));
  FactSet granted;
  EXPECT_EQ(ErrorText(gather(sandbox::kScannerRole, Wanted::kWhereReadable, granted)), "");
  EXPECT_EQ(roles_field(granted), "md5_app, md5_group");
  // Passwords set again with SCRAM leave none.
  server.Query("ALTER ROLE md5_app PASSWORD 'app-pw-4'; ALTER ROLE md5_group PASSWORD NULL");
  FactSet fixed;
  EXPECT_EQ(ErrorText(gather(sandbox::kScannerRole, Wanted::kRequired, fixed)), "");
  EXPECT_EQ(roles_field(fixed), "");
  EXPECT_EQ(findings(fixed), std::multiset<std::string>{});
}

// 15 (Debian's), and 18, which deprecates md5 passwords but still stores them.
INSTANTIATE_TEST_SUITE_P(Versions, Md5PasswordRolesTest, ::testing::Values(15, 18));

TEST(LiveCollectTest, SnapshotRoundTripGivesTheSameFactsAndFindings) {
  Sandbox server;
  server.GrantScannerHbaFileRules();
  const std::vector<LiveClient> clients = PlantClients(server);
  FactSet live;
  const Evidence evidence =
      Collect({TargetFor("db", server.tls_dsn(sandbox::kScannerRole)),
               TargetFor("limited", server.tls_dsn(sandbox::kLimitedScannerRole))},
              live);
  const std::string json = WriteSnapshot(evidence, live);
  const std::filesystem::path path = server.directory() / "snapshot.json";
  std::ofstream(path) << json;

  FactSet loaded;
  Evidence reloaded;
  ASSERT_EQ(LoadSnapshot(path.string(), loaded, reloaded), std::nullopt);
  for (const FactTypeSpec& type : AllFactTypes()) {
    SCOPED_TRACE(type.name);
    EXPECT_EQ(DescribeFacts(loaded, type.kind), DescribeFacts(live, type.kind));
  }
  EXPECT_FALSE(DescribeFacts(live, FactKind::kConnection).empty());
  EXPECT_EQ(BaselineFindings(loaded), BaselineFindings(live));
  EXPECT_EQ(ErrorText(reloaded), ErrorText(evidence));
  EXPECT_EQ(reloaded.Targets(), evidence.Targets());
  EXPECT_EQ(reloaded.collected_at, evidence.collected_at);
  ASSERT_EQ(reloaded.artifacts.size(), 1u);
  EXPECT_EQ(reloaded.artifacts[0].sha256.size(), 64u);
  // Written again, the snapshot is the same bytes.
  EXPECT_EQ(WriteSnapshot(reloaded, loaded), json);
}

}  // namespace
}  // namespace pgward::collect
