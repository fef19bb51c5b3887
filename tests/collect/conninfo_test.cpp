// Replica connection strings read as libpq reads them, keeping only what PGW-REPL-003 judges.
#include "engine/collect/conninfo.h"
#include "engine/collect/live_collector.h"

#include <gtest/gtest.h>

namespace pgward::collect {
namespace {

using Keywords = std::map<std::string, std::string, std::less<>>;

std::string Describe(const ReplicaConnection& connection) {
  const auto text = [](const std::optional<std::string>& value) {
    return value.value_or("(absent)");
  };
  return "host=" + text(connection.host) + " port=" + text(connection.port) +
         " sslmode=" + text(connection.sslmode) +
         " channel_binding=" + text(connection.channel_binding) +
         (connection.require_auth ? " require_auth=" + *connection.require_auth : "");
}

std::string Read(std::string_view conninfo, int version = 150000) {
  const std::optional<Keywords> keywords = ParseKeywordConninfo(conninfo);
  if (!keywords) return "(not parsed)";
  return Describe(ReadReplicaConnection(*keywords, version));
}

// What a PostgreSQL 17 standby's pg_stat_wal_receiver.conninfo holds: libpq's whole list, with
// keywords libpq 15 refuses (sslnegotiation, sslcertmode, gssdelegation, load_balance_hosts).
TEST(ConninfoTest, AWalReceiverStringOfANewerLibpqIsRead) {
  EXPECT_EQ(Read("user=replicator password=******** channel_binding=prefer dbname=replication "
                 "host=10.0.0.1 port=5432 fallback_application_name=walreceiver "
                 "sslmode=verify-full sslnegotiation=postgres sslcompression=0 "
                 "sslcertmode=allow sslsni=1 ssl_min_protocol_version=TLSv1.2 gssencmode=prefer "
                 "krbsrvname=postgres gssdelegation=0 target_session_attrs=any "
                 "load_balance_hosts=disable"),
            "host=10.0.0.1 port=5432 sslmode=verify-full channel_binding=prefer");
  // require_auth (16+) as given, negations included; libpq has no default to fill in.
  EXPECT_EQ(Read("host=10.0.0.1 require_auth=scram-sha-256 channel_binding=require"),
            "host=10.0.0.1 port=(absent) sslmode=prefer channel_binding=require "
            "require_auth=scram-sha-256");
  EXPECT_EQ(Read("host=10.0.0.1 require_auth='!password,!md5'"),
            "host=10.0.0.1 port=(absent) sslmode=prefer channel_binding=prefer "
            "require_auth=!password,!md5");
}

TEST(ConninfoTest, QuotesEscapesSpacesAndTheLastValueOfAKeyword) {
  EXPECT_EQ(Read("host = 'db one' sslmode='verify\\'full'"),
            "host=db one port=(absent) sslmode=verify'full channel_binding=prefer");
  // The WAL receiver writes values unquoted: a path with a space goes on in a bare word.
  EXPECT_EQ(Read("sslrootcert=/etc/my certs/ca.crt host=db1 sslmode=require"),
            "host=db1 port=(absent) sslmode=require channel_binding=prefer");
  // An application name that imitates a keyword comes before libpq's sslmode, which wins.
  EXPECT_EQ(Read("application_name=x sslmode=verify-full host=db1 sslmode=disable"),
            "host=db1 port=(absent) sslmode=disable channel_binding=prefer");
  EXPECT_EQ(Read("hostaddr=10.0.0.2 port=5432,5433"),
            "host=10.0.0.2 port=5432,5433 sslmode=prefer channel_binding=prefer");
  EXPECT_EQ(Read("host='db1"), "(not parsed)");
}

TEST(ConninfoTest, LibpqsDefaultsUnlessAServiceFileMaySetThem) {
  EXPECT_EQ(Read("host=db1 dbname=app"),
            "host=db1 port=(absent) sslmode=prefer channel_binding=prefer");
  EXPECT_EQ(Read("host=db1", 120000),
            "host=db1 port=(absent) sslmode=prefer channel_binding=disable");
  EXPECT_EQ(Read("service=orders"),
            "host=(absent) port=(absent) sslmode=(absent) channel_binding=(absent)");
  EXPECT_EQ(Read("service=orders sslmode=verify-full"),
            "host=(absent) port=(absent) sslmode=verify-full channel_binding=(absent)");
  EXPECT_EQ(Read("service=orders require_auth=none"),
            "host=(absent) port=(absent) sslmode=(absent) channel_binding=(absent) "
            "require_auth=none");
}

TEST(ConninfoTest, NothingButTheJudgedKeywordsIsKept) {
  const std::optional<Keywords> keywords = ParseKeywordConninfo(
      "host=db1 user=app password='s3cret value' sslpassword=k sslmode=require");
  ASSERT_TRUE(keywords);
  EXPECT_EQ(*keywords, (Keywords{{"host", "db1"}, {"sslmode", "require"}}));
  // URIs are libpq's to decode.
  EXPECT_TRUE(IsConninfoUri("postgresql://app:secret@db1/app"));
  EXPECT_EQ(ParseKeywordConninfo("postgres://db1"), std::nullopt);
}

// A subscription's string is whatever the scanned server holds: large, not UTF-8, empty.
TEST(ConninfoTest, HostileStringsEndInAReadingOrNone) {
  std::string many_words = "host=db1 sslrootcert=a";
  for (int i = 0; i < 200000; ++i) many_words += " b";
  many_words += " sslmode=require";
  EXPECT_EQ(Read(many_words), "host=db1 port=(absent) sslmode=require channel_binding=prefer");
  EXPECT_EQ(Read("host=\xff\xfe sslmode=verify-full"),
            "host=\xff\xfe port=(absent) sslmode=verify-full channel_binding=prefer");
  EXPECT_EQ(Read(""), "host=(absent) port=(absent) sslmode=prefer channel_binding=prefer");
  EXPECT_EQ(Read("sslmode=require host="),
            "host=(absent) port=(absent) sslmode=require channel_binding=prefer");
  // A megabyte of words without '=' is a value of nothing pgward reads; one never closed is none.
  EXPECT_EQ(Read(std::string(1 << 20, 'x')),
            "host=(absent) port=(absent) sslmode=prefer channel_binding=prefer");
  EXPECT_EQ(Read("host='" + std::string(1 << 20, 'x')), "(not parsed)");
}

// libpq's reading of a URI whose password holds '@' or '/': pieces of the password land in host
// and port, and are left out.
TEST(ConninfoTest, PiecesOfAPasswordInHostOrPortAreLeftOut) {
  EXPECT_EQ(
      Describe(ReadReplicaConnection(
          Keywords{{"host", "ss@db1"}, {"port", "word"}, {"sslmode", "verify-full"}}, 150000)),
      "host=(absent) port=(absent) sslmode=verify-full channel_binding=prefer");
}

// A server decides what its error texts say and how long they are: one line, cut, and a
// password in it masked wherever the cut falls.
TEST(ConninfoTest, ServerMessagesAreOneMaskedLineOfBoundedLength) {
  EXPECT_EQ(SanitizeLibpqMessage("FATAL:  no\r\nLOG:  forged line\n"),
            "FATAL:  no LOG:  forged line");
  const std::string padding(kMostMessageBytes - 20, 'x');
  const std::string masked =
      SanitizeLibpqMessage(padding + " password='a long secret with spaces' after");
  EXPECT_EQ(masked.find("secret"), std::string::npos) << masked;
  EXPECT_EQ(masked.find("long"), std::string::npos) << masked;
  EXPECT_LE(masked.size(), kMostMessageBytes + std::string(" ... (cut)").size());
  // Cut before a character, never inside one.
  std::string accents;
  while (accents.size() < 2 * kMostMessageBytes) accents += "\xc3\xa9";
  const std::string cut = SanitizeLibpqMessage("x" + accents);
  ASSERT_TRUE(cut.ends_with(" ... (cut)")) << cut.substr(cut.size() - 20);
  const std::string kept = cut.substr(0, cut.size() - std::string(" ... (cut)").size());
  EXPECT_EQ(kept.size() % 2, 1u);  // the 'x', then whole two-byte characters
  EXPECT_EQ(static_cast<unsigned char>(kept.back()), 0xa9);
}

}  // namespace
}  // namespace pgward::collect
