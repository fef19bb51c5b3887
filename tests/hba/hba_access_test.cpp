// First-match semantics over whole address spaces (AnalyzeAccess) and for one connection
// (ExplainConnection).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <tuple>

#include "engine/hba/access.h"
#include "engine/hba/parser.h"

namespace pgward::hba {
namespace {

HbaFile Parse(const std::string& text) {
  ParseOptions options;
  options.pg_version = 17;
  options.resolve_radius_servers = false;
  return ParseHbaText(text, "/etc/pg_hba.conf", options);
}

const RecordAccess& RecordAt(const AccessMap& map, const HbaFile& file, int line) {
  for (const RecordAccess& record : map.records) {
    if (file.rules[record.rule_index].location.line == line) return record;
  }
  static const RecordAccess kMissing;
  ADD_FAILURE() << "no record at line " << line;
  return kMissing;
}

std::vector<std::string> Reachable(const RecordAccess& record, ConnectionKind kind) {
  std::vector<std::string> ranges;
  for (const auto& [reachable_kind, range] : record.reachable) {
    if (reachable_kind == kind) ranges.push_back(FormatIpRange(range));
  }
  return ranges;
}

std::vector<int> ShadowerLines(const RecordAccess& record, const HbaFile& file) {
  std::vector<int> lines;
  for (size_t index : record.shadowed_by) lines.push_back(file.rules[index].location.line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST(HbaAccessTest, BroadHostLineLetsPlaintextInBeforeTheReject) {
  const HbaFile file = Parse(
      "host      all all 0.0.0.0/0 scram-sha-256\n"
      "hostnossl all all 0.0.0.0/0 reject\n"
      "hostssl   all all 0.0.0.0/0 scram-sha-256\n");
  const AccessMap map = AnalyzeAccess(file, {});
  EXPECT_EQ(Reachable(RecordAt(map, file, 1), ConnectionKind::kTcpPlaintext),
            (std::vector<std::string>{"0.0.0.0/0"}));
  EXPECT_TRUE(RecordAt(map, file, 2).shadowed);
  EXPECT_EQ(ShadowerLines(RecordAt(map, file, 2), file), (std::vector<int>{1}));
  EXPECT_TRUE(RecordAt(map, file, 3).shadowed);
}

TEST(HbaAccessTest, RejectFirstKeepsPlaintextOut) {
  const HbaFile file = Parse(
      "hostnossl all all 0.0.0.0/0 reject\n"
      "host      all all 10.0.0.0/8 scram-sha-256\n");
  const AccessMap map = AnalyzeAccess(file, {});
  EXPECT_TRUE(Reachable(RecordAt(map, file, 2), ConnectionKind::kTcpPlaintext).empty());
  EXPECT_EQ(Reachable(RecordAt(map, file, 2), ConnectionKind::kTcpTls),
            (std::vector<std::string>{"10.0.0.0/8"}));
  EXPECT_FALSE(RecordAt(map, file, 2).shadowed);
}

TEST(HbaAccessTest, PartialCoverageLeavesTheRestReachable) {
  const HbaFile file = Parse(
      "host all all 10.0.0.0/9   reject\n"
      "host all all 10.0.0.0/8   md5\n");
  const AccessMap map = AnalyzeAccess(file, {});
  EXPECT_EQ(Reachable(RecordAt(map, file, 2), ConnectionKind::kTcpPlaintext),
            (std::vector<std::string>{"10.128.0.0/9"}));
}

TEST(HbaAccessTest, ShadowingNeedsEveryDatabaseAndUserCovered) {
  const HbaFile file = Parse(
      "host app   alice   10.0.0.0/8 md5\n"
      "host app,b alice   10.0.0.0/8 md5\n"   // b not covered: reachable
      "host app   alice   10.0.0.0/16 md5\n"  // fully covered by line 1
      "host all   +admins 10.0.0.0/8 md5\n"
      "host app   admins  10.0.0.0/8 md5\n"  // the role admins is in +admins
      "host all   all     10.0.0.0/8 md5\n"
      "host replication all 10.0.0.0/8 md5\n"  // all does not match replication
      "host \"all\" bob   10.0.0.0/8 md5\n");  // a database named all: covered
  const AccessMap map = AnalyzeAccess(file, {});
  EXPECT_FALSE(RecordAt(map, file, 2).shadowed);
  EXPECT_TRUE(RecordAt(map, file, 3).shadowed);
  // Named by the record that takes those connections first: line 2 never gets them either.
  EXPECT_EQ(ShadowerLines(RecordAt(map, file, 3), file), (std::vector<int>{1}));
  EXPECT_TRUE(RecordAt(map, file, 5).shadowed);
  EXPECT_FALSE(RecordAt(map, file, 7).shadowed);
  EXPECT_TRUE(RecordAt(map, file, 8).shadowed);
}

TEST(HbaAccessTest, Ipv4RulesNeverCoverIpv6Clients) {
  const HbaFile file = Parse(
      "host all all 0.0.0.0/0 reject\n"
      "host all all ::ffff:0.0.0.0/96 md5\n"
      "host all all all md5\n");
  const AccessMap map = AnalyzeAccess(file, {});
  EXPECT_FALSE(RecordAt(map, file, 2).shadowed);
  // Line 3 is reachable from IPv6 only, everywhere but ::ffff:0:0/96.
  const std::vector<std::string> line3 =
      Reachable(RecordAt(map, file, 3), ConnectionKind::kTcpPlaintext);
  ASSERT_FALSE(line3.empty());
  for (const std::string& range : line3) {
    EXPECT_NE(range.find(':'), std::string::npos) << range;
    EXPECT_FALSE(ParseIpRange(range) &&
                 ParseIpRange("::ffff:0:0/96")->Overlaps(*ParseIpRange(range)))
        << range;
  }
  const Explanation mapped = ExplainConnection(
      file,
      {ConnectionKind::kTcpPlaintext, *ParseIpAddress("::ffff:10.0.0.1"), "db", "u", {}, false}, {},
      17);
  ASSERT_TRUE(mapped.matched);
  EXPECT_EQ(file.rules[*mapped.matched].location.line, 2);
}

TEST(HbaAccessTest, CatchAllEndsEachRangesList) {
  const HbaFile file = Parse(
      "hostssl app app 10.0.0.0/8 scram-sha-256\n"
      "hostssl all all 0.0.0.0/0  reject\n");
  const AccessMap map = AnalyzeAccess(file, {});
  bool saw_ten = false;
  for (const AccessRange& range : map.ranges) {
    if (range.kind != ConnectionKind::kTcpTls || !range.range) continue;
    if (range.label == "10.0.0.0/8") {
      saw_ten = true;
      EXPECT_EQ(range.rules.size(), 2u);
      EXPECT_TRUE(range.ends_with_catch_all);
    } else if (range.range->first.family == IpFamily::kV4) {
      EXPECT_EQ(range.rules.size(), 1u);
      EXPECT_TRUE(range.ends_with_catch_all);
    } else {
      EXPECT_TRUE(range.rules.empty());  // IPv6: nothing matches, implicit reject
      EXPECT_FALSE(range.ends_with_catch_all);
    }
  }
  EXPECT_TRUE(saw_ten);
}

TEST(HbaAccessTest, SymbolicAddressesStaySymbolicAndNeverShadow) {
  const HbaFile file = Parse(
      "host all all samenet       md5\n"
      "host all all .example.com  md5\n"
      "host all all 10.0.0.0/8    md5\n");
  const AccessMap map = AnalyzeAccess(file, {});
  EXPECT_FALSE(RecordAt(map, file, 1).definite_address);
  EXPECT_EQ(RecordAt(map, file, 1).symbolic_label, "samenet");
  EXPECT_FALSE(RecordAt(map, file, 3).shadowed);
  EXPECT_EQ(Reachable(RecordAt(map, file, 3), ConnectionKind::kTcpPlaintext),
            (std::vector<std::string>{"10.0.0.0/8"}));
  // With the server's networks known, samenet is a real range and does shadow.
  const AccessMap resolved = AnalyzeAccess(file, {{*ParseIpRange("10.0.0.0/8")}});
  EXPECT_TRUE(RecordAt(resolved, file, 1).definite_address);
  EXPECT_TRUE(RecordAt(resolved, file, 3).shadowed);
}

// samenet over nested local networks: the record's spans overlap (each of its targets is
// subtracted only against the earlier records), and it is reachable wherever either reaches, not
// only until the inner one ends.
TEST(HbaAccessTest, ARecordWhoseSpansOverlapReachesTheirUnion) {
  const HbaFile file = Parse("host all all samenet md5\n");
  const AccessMap map =
      AnalyzeAccess(file, {{*ParseIpRange("10.0.0.0/8"), *ParseIpRange("10.1.0.0/16")}});
  const IpRange ten = *ParseIpRange("10.0.0.0/8");
  int inside = 0;
  for (const AccessRange& range : map.ranges) {
    if (range.kind != ConnectionKind::kTcpPlaintext || !range.range) continue;
    if (!ten.Contains(*range.range)) {
      EXPECT_TRUE(range.rules.empty()) << range.label;
      continue;
    }
    ++inside;
    EXPECT_EQ(range.rules, std::vector<size_t>{0}) << range.label;
  }
  EXPECT_EQ(inside, 3);  // before, within and after 10.1.0.0/16
}

TEST(HbaAccessTest, HostsslNetworksWithoutAnExplicitReject) {
  const HbaFile file = Parse(
      "hostssl   app app 10.0.0.0/8   scram-sha-256\n"
      "hostnossl app app 10.0.0.0/9   reject\n"
      "hostssl   replication repl 10.0.0.0/8 cert\n"
      "hostnossl all all 0.0.0.0/0    reject\n");
  const AccessMap map = AnalyzeAccess(file, {});
  // Line 4 covers app/app everywhere: nothing left unrejected.
  EXPECT_TRUE(RecordAt(map, file, 1).plaintext_not_rejected.empty());
  // `all` does not match physical replication: line 3's plaintext twin is not rejected.
  ASSERT_EQ(RecordAt(map, file, 3).plaintext_not_rejected.size(), 1u);
  EXPECT_EQ(FormatIpRange(RecordAt(map, file, 3).plaintext_not_rejected[0]), "10.0.0.0/8");
}

// A hostssl line whose addresses are not known here (a host name, samenet without the server's
// interfaces) is refused its plaintext twin only by rejects that cover every address, of both
// families: otherwise it is not known to be, which PGW-COV-002 must not pass.
TEST(HbaAccessTest, SymbolicHostsslLinesAreRejectedOnlyByRejectsOfEveryAddress) {
  const std::string lines =
      "hostssl app app samenet      scram-sha-256\n"
      "hostssl app app .example.com scram-sha-256\n"
      "hostnossl all all 0.0.0.0/0  reject\n";
  const HbaFile ipv4_only = Parse(lines);
  const AccessMap partly = AnalyzeAccess(ipv4_only, {});
  EXPECT_TRUE(RecordAt(partly, ipv4_only, 1).plaintext_not_rejected_symbolic);
  EXPECT_TRUE(RecordAt(partly, ipv4_only, 2).plaintext_not_rejected_symbolic);
  const HbaFile both = Parse(lines + "hostnossl all all ::/0 reject\n");
  const AccessMap fully = AnalyzeAccess(both, {});
  EXPECT_FALSE(RecordAt(fully, both, 1).plaintext_not_rejected_symbolic);
  EXPECT_FALSE(RecordAt(fully, both, 2).plaintext_not_rejected_symbolic);
  // A reject that names the same (what PGW-COV-002's remediation asks for) refuses it too.
  const HbaFile named = Parse(
      "hostnossl app app samenet      reject\n"
      "hostnossl all all .example.com reject\n"
      "hostssl   app app samenet      scram-sha-256\n"
      "hostssl   app app .example.com scram-sha-256\n"
      "hostssl   app app .example.org scram-sha-256\n");
  const AccessMap by_name = AnalyzeAccess(named, {});
  EXPECT_FALSE(RecordAt(by_name, named, 3).plaintext_not_rejected_symbolic);
  EXPECT_FALSE(RecordAt(by_name, named, 4).plaintext_not_rejected_symbolic);
  EXPECT_TRUE(RecordAt(by_name, named, 5).plaintext_not_rejected_symbolic);
  // Known interfaces make samenet definite: its own ranges, rejected or not.
  LocalNetworks local;
  local.networks = {*ParseFormattedIpRange("192.168.1.0/24")};
  const AccessMap known = AnalyzeAccess(ipv4_only, local);
  EXPECT_FALSE(RecordAt(known, ipv4_only, 1).plaintext_not_rejected_symbolic);
  EXPECT_TRUE(RecordAt(known, ipv4_only, 1).plaintext_not_rejected.empty());
}

ConnectionAttempt Attempt(ConnectionKind kind, const char* address, const char* database,
                          const char* user, std::vector<std::string> member_of = {}) {
  return {
      kind, address ? ParseIpAddress(address) : std::nullopt, database, user, std::move(member_of),
      false};
}

int MatchedLine(const HbaFile& file, const ConnectionAttempt& attempt) {
  const Explanation explanation = ExplainConnection(file, attempt, {}, 17);
  return explanation.matched ? file.rules[*explanation.matched].location.line : 0;
}

std::vector<std::string> ReplicationReach(const RecordAccess& record) {
  std::vector<std::string> ranges;
  for (const IpRange& range : record.replication_plaintext) ranges.push_back(FormatIpRange(range));
  return ranges;
}

// Physical replication matches the replication keyword alone: a line naming it with other
// databases is reachable for each part on its own, and `all` covers every database but it.
TEST(HbaAccessTest, PhysicalReplicationIsReachedThroughItsKeywordAlone) {
  const HbaFile file = Parse(
      "hostnossl replication all 10.0.0.0/8  reject\n"
      "host      replication,app all 10.0.0.0/8 md5\n"
      "host      all all 192.168.0.0/16 md5\n"
      "host      replication all 192.168.0.0/16 md5\n"
      "hostnossl app all 172.16.0.0/12 reject\n"
      "host      replication,app all 172.16.0.0/12 md5\n"
      "host      \"replication\" all 0.0.0.0/0 md5\n"
      "host      replication all samenet md5\n");
  const AccessMap map = AnalyzeAccess(file, {});
  // Plaintext reaches line 2 for app alone: its replication part is rejected before.
  EXPECT_EQ(Reachable(RecordAt(map, file, 2), ConnectionKind::kTcpPlaintext),
            (std::vector<std::string>{"10.0.0.0/8"}));
  EXPECT_TRUE(RecordAt(map, file, 2).names_replication);
  EXPECT_EQ(ReplicationReach(RecordAt(map, file, 2)), std::vector<std::string>{});
  // Line 3's `all` does not cover physical replication: line 4 is reached for it.
  EXPECT_EQ(ReplicationReach(RecordAt(map, file, 4)), (std::vector<std::string>{"192.168.0.0/16"}));
  // The reverse of line 2: only app is rejected before line 6.
  EXPECT_EQ(ReplicationReach(RecordAt(map, file, 6)), (std::vector<std::string>{"172.16.0.0/12"}));
  EXPECT_EQ(Reachable(RecordAt(map, file, 6), ConnectionKind::kTcpPlaintext),
            (std::vector<std::string>{"172.16.0.0/12"}));
  // A quoted "replication" is a database of that name, not the keyword.
  EXPECT_FALSE(RecordAt(map, file, 7).names_replication);
  EXPECT_TRUE(RecordAt(map, file, 8).replication_plaintext_symbolic);
}

TEST(HbaExplainTest, FollowsTheServersChoice) {
  const HbaFile file = Parse(
      "local     all         postgres                peer\n"
      "hostssl   sameuser    all        10.0.0.0/8   scram-sha-256\n"
      "hostnossl all         all        10.0.0.0/8   reject\n"
      "host      samerole    all        10.0.0.0/8   md5\n"
      "hostssl   all         +admins    10.0.0.0/8   cert\n"
      "hostgssenc all        all        10.0.0.0/8   gss\n"
      "host      replication repl       10.0.0.0/8   scram-sha-256\n");
  using K = ConnectionKind;
  EXPECT_EQ(MatchedLine(file, Attempt(K::kLocal, nullptr, "app", "postgres")), 1);
  EXPECT_EQ(MatchedLine(file, Attempt(K::kLocal, nullptr, "app", "alice")), 0);
  EXPECT_EQ(MatchedLine(file, Attempt(K::kTcpTls, "10.1.1.1", "alice", "alice")), 2);
  EXPECT_EQ(MatchedLine(file, Attempt(K::kTcpPlaintext, "10.1.1.1", "alice", "alice")), 3);
  EXPECT_EQ(MatchedLine(file, Attempt(K::kTcpTls, "10.1.1.1", "sales", "bob", {"sales"})), 4);
  EXPECT_EQ(MatchedLine(file, Attempt(K::kTcpTls, "10.1.1.1", "app", "carol", {"admins"})), 5);
  EXPECT_EQ(MatchedLine(file, Attempt(K::kTcpTls, "10.1.1.1", "app", "admins")), 5);
  // GSS encryption is not SSL: the hostnossl reject takes a GSS-encrypted connection first.
  EXPECT_EQ(MatchedLine(file, Attempt(K::kTcpGssEnc, "10.1.1.1", "app", "dave")), 3);
  EXPECT_EQ(MatchedLine(file, Attempt(K::kTcpGssEnc, "10.1.1.1", "dave", "dave")), 3);
  EXPECT_EQ(MatchedLine(file, Attempt(K::kTcpTls, "11.1.1.1", "app", "dave")), 0);
  ConnectionAttempt replication = Attempt(K::kTcpTls, "10.1.1.1", "", "repl");
  replication.replication = true;
  EXPECT_EQ(MatchedLine(file, replication), 7);
}

// A large file (its spaces are swept side by side) against the one-connection explanation, which
// walks the file as check_hba does: wherever a connection's first match is, the map must show
// that record reachable there, for that connection's kind and address. The file is random but
// fixed (seeded), dense with overlaps: few databases, users and addresses.
TEST(HbaAccessTest, ALargeFileAgreesWithEachConnectionsFirstMatch) {
  std::mt19937 random(20261206);
  const auto pick = [&](const std::vector<std::string>& choices) {
    return choices[std::uniform_int_distribution<size_t>(0, choices.size() - 1)(random)];
  };
  const auto number = [&](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random);
  };
  const std::vector<std::string> types = {"local",     "host",       "hostssl",
                                          "hostnossl", "hostgssenc", "hostnogssenc"};
  const std::vector<std::string> databases = {"all", "db1", "db2", "db1,db2", "\"all\""};
  const std::vector<std::string> users = {"all", "u1", "u2", "+g1", "u1,+g1"};
  const std::vector<std::string> methods = {"reject", "md5", "scram-sha-256", "trust"};
  std::string text;
  for (int line = 0; line < 3000; ++line) {
    const std::string type = pick(types);
    text += type + " " + pick(databases) + " " + pick(users) + " ";
    if (type != "local") {
      if (number(0, 3) == 0) {
        text +=
            "2001:db8::" + std::to_string(number(0, 9)) + "/" + std::to_string(number(120, 128));
      } else {
        text += "10.0." + std::to_string(number(0, 3)) + "." + std::to_string(number(0, 255)) +
                "/" + std::to_string(number(22, 32));
      }
      text += " ";
    }
    text += pick(methods) + "\n";
  }
  const HbaFile file = Parse(text);
  const AccessMap map = AnalyzeAccess(file, {});
  ASSERT_TRUE(map.file_loads);
  ASSERT_EQ(map.records.size(), 3000u);
  std::vector<const RecordAccess*> by_rule(file.rules.size());
  for (const RecordAccess& record : map.records) by_rule[record.rule_index] = &record;

  // What the sweeps' merge must put back in order. Each record's reach by kind, then address (a
  // CIDR record's targets are its kinds, in that order); its shadowers earlier than itself, in
  // file order, and only when it is reachable nowhere.
  for (const RecordAccess& record : map.records) {
    EXPECT_TRUE(std::is_sorted(record.reachable.begin(), record.reachable.end()))
        << "line " << file.rules[record.rule_index].location.line;
    EXPECT_EQ(record.shadowed, record.reachable.empty());
    EXPECT_TRUE(std::is_sorted(record.shadowed_by.begin(), record.shadowed_by.end()));
    EXPECT_TRUE(record.shadowed_by.empty() || record.shadowed_by.back() < record.rule_index);
    EXPECT_TRUE(record.shadowed || record.shadowed_by.empty());
  }
  // The ranges partition each kind's spaces, local first, then IPv4 before IPv6 for each kind,
  // each space from its first address to its last without gap or overlap.
  for (size_t i = 1; i < map.ranges.size(); ++i) {
    const AccessRange& before = map.ranges[i - 1];
    const AccessRange& range = map.ranges[i];
    ASSERT_TRUE(range.range.has_value() || range.kind == ConnectionKind::kLocal) << range.label;
    if (!before.range || !range.range) continue;
    if (before.kind == range.kind && before.range->last.family == range.range->first.family) {
      EXPECT_EQ(ToIpNumber(before.range->last) + 1, ToIpNumber(range.range->first)) << range.label;
    } else {
      EXPECT_TRUE(std::tie(before.kind, before.range->last.family) <
                  std::tie(range.kind, range.range->first.family))
          << range.label;
      EXPECT_EQ(ToIpNumber(range.range->first), 0u) << range.label;
    }
  }

  const std::vector<ConnectionKind> kinds = {ConnectionKind::kLocal, ConnectionKind::kTcpPlaintext,
                                             ConnectionKind::kTcpTls, ConnectionKind::kTcpGssEnc};
  int matched = 0;
  for (int attempt = 0; attempt < 3000; ++attempt) {
    ConnectionAttempt connection;
    connection.kind = kinds[number(0, 3)];
    if (connection.kind != ConnectionKind::kLocal) {
      connection.address = number(0, 3) == 0
                               ? ParseIpAddress("2001:db8::" + std::to_string(number(0, 15)))
                               : ParseIpAddress("10.0." + std::to_string(number(0, 4)) + "." +
                                                std::to_string(number(0, 255)));
    }
    connection.database = pick({"db1", "db2", "db3"});
    connection.user = pick({"u1", "u2", "u3"});
    if (number(0, 1) == 0) connection.member_of = {"g1"};
    const Explanation explanation = ExplainConnection(file, connection, {}, 17);
    if (!explanation.matched) continue;
    ++matched;
    const size_t rule = *explanation.matched;
    const RecordAccess& record = *by_rule[rule];
    EXPECT_FALSE(record.shadowed) << "line " << file.rules[rule].location.line;
    const IpAddress address = connection.address.value_or(IpAddress{});
    const auto holds = [&](ConnectionKind kind, const std::optional<IpRange>& range) {
      return kind == connection.kind &&
             (connection.kind == ConnectionKind::kLocal || (range && range->Contains(address)));
    };
    EXPECT_TRUE(std::any_of(record.reachable.begin(), record.reachable.end(),
                            [&](const auto& reach) { return holds(reach.first, reach.second); }))
        << "line " << file.rules[rule].location.line << " is the first match but not reachable";
    const auto range = std::find_if(map.ranges.begin(), map.ranges.end(),
                                    [&](const AccessRange& r) { return holds(r.kind, r.range); });
    ASSERT_NE(range, map.ranges.end());
    EXPECT_NE(std::find(range->rules.begin(), range->rules.end(), rule), range->rules.end())
        << "line " << file.rules[rule].location.line << " missing from " << range->label;
    EXPECT_TRUE(std::is_sorted(range->rules.begin(), range->rules.end()));
  }
  // Most connections have a first match: the check above is not vacuous.
  EXPECT_GT(matched, 1500);
}

TEST(HbaExplainTest, MalformedFileStillAnswersAndSaysItWouldNotLoad) {
  const HbaFile file = Parse(
      "host all all 10.0.0.0/8 trsut\n"
      "host all all 10.0.0.0/8 md5\n");
  const Explanation explanation = ExplainConnection(
      file, Attempt(ConnectionKind::kTcpPlaintext, "10.0.0.1", "db", "u"), {}, 17);
  ASSERT_TRUE(explanation.matched);
  EXPECT_EQ(file.rules[*explanation.matched].location.line, 2);
  EXPECT_FALSE(explanation.file_loads);
  EXPECT_EQ(explanation.verdicts[0].outcome, RecordVerdict::Outcome::kNotLoaded);
}

TEST(HbaExplainTest, HostNamesAreUndecidedNotGuessed) {
  const HbaFile file = Parse(
      "host all all db.example.com reject\n"
      "host all all 10.0.0.0/8     md5\n");
  const Explanation explanation = ExplainConnection(
      file, Attempt(ConnectionKind::kTcpPlaintext, "10.0.0.1", "db", "u"), {}, 17);
  ASSERT_TRUE(explanation.matched);
  EXPECT_EQ(file.rules[*explanation.matched].location.line, 2);
  EXPECT_EQ(explanation.undecided, (std::vector<size_t>{0}));
}

}  // namespace
}  // namespace pgward::hba
