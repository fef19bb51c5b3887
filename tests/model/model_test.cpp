#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <vector>

#include "engine/model/fact_format.h"
#include "engine/model/fact_table.h"
#include "engine/model/ip.h"
#include "engine/model/tls_version.h"

namespace pgward {
namespace {

TEST(TlsVersionTest, NamesRoundTripAndOrderIsProtocolOrder) {
  for (TlsVersion version : kAllTlsVersions) {
    EXPECT_EQ(ParseTlsVersion(TlsVersionName(version)), version);
  }
  EXPECT_LT(*ParseTlsVersion("TLSv1"), *ParseTlsVersion("TLSv1.1"));
  EXPECT_LT(*ParseTlsVersion("TLSv1.2"), *ParseTlsVersion("TLSv1.3"));
  EXPECT_EQ(ParseTlsVersion(""), std::nullopt);
  EXPECT_EQ(ParseTlsVersion("SSLv3"), std::nullopt);
  EXPECT_EQ(ParseTlsVersion("tlsv1.2"), std::nullopt);
}

// Every prefix of random IPv4 and IPv6 addresses is written back as the block it is.
TEST(IpTest, EveryPrefixIsFormattedAsItsBlock) {
  std::mt19937 random(42);
  for (int round = 0; round < 200; ++round) {
    IpAddress address = *ParseIpAddress(round % 2 == 0 ? "0.0.0.0" : "::");
    for (size_t i = 0; i < address.size(); ++i) address.bytes[i] = random() & 0xff;
    for (int prefix = 0; prefix <= static_cast<int>(address.size()) * 8; ++prefix) {
      const IpRange block = PrefixRange(address, prefix);
      ASSERT_EQ(FormatIpRange(block), FormatIpAddress(block.first) + "/" + std::to_string(prefix));
    }
  }
}

// An address and its number: the family's bits, the first byte the highest.
TEST(IpTest, AddressesAndNumbersRoundTrip) {
  EXPECT_EQ(ToIpNumber(*ParseIpAddress("10.0.0.1")), IpNumber(0x0A000001));
  EXPECT_EQ(ToIpNumber(*ParseIpAddress("255.255.255.255")), IpNumber(0xFFFFFFFFu));
  EXPECT_EQ(ToIpNumber(*ParseIpAddress("::1")), IpNumber(1));
  EXPECT_EQ(ToIpNumber(*ParseIpAddress("8000::")), IpNumber(1) << 127);
  std::mt19937 random(3);
  for (int round = 0; round < 1000; ++round) {
    IpAddress address = *ParseIpAddress(round % 2 == 0 ? "0.0.0.0" : "::");
    for (size_t i = 0; i < address.size(); ++i) address.bytes[i] = random() & 0xff;
    ASSERT_EQ(FromIpNumber(ToIpNumber(address), address.family), address)
        << FormatIpAddress(address);
  }
}

// pgward writes addresses itself; the server's view shows them as glibc's inet_ntop() does
// (getnameinfo with NI_NUMERICHOST), whose IPv6 text has its own rules: the first longest run
// of two or more zero words as "::", IPv4-compatible and IPv4-mapped addresses ending in a
// dotted quad. Every word is zero, 0xffff or random, so that all those cases come up often.
TEST(IpTest, AddressesAreWrittenAsInetNtopWritesThem) {
  std::mt19937 random(7);
  const auto expect_as_inet_ntop = [](const IpAddress& address) {
    char expected[INET6_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(address.family == IpFamily::kV4 ? AF_INET : AF_INET6, address.bytes.data(),
                        expected, sizeof expected),
              nullptr);
    ASSERT_EQ(FormatIpAddress(address), expected);
  };
  for (const char* text :
       {"::", "::1", "1::", "::ffff:1.2.3.4", "::1.2.3.4", "::ffff:0:1.2.3.4", "1:0:0:1:0:0:0:1",
        "1:0:0:1:0:0:1:1", "0:0:1::", "0.0.0.0", "255.255.255.255"}) {
    expect_as_inet_ntop(*ParseIpAddress(text));
  }
  for (int round = 0; round < 200000; ++round) {
    IpAddress address = *ParseIpAddress(round % 8 == 0 ? "0.0.0.0" : "::");
    for (size_t i = 0; i < address.size(); i += 2) {
      const unsigned kind = random() % 4;
      const unsigned word = kind < 2 ? 0 : kind == 2 ? 0xffff : random() & 0xffff;
      address.bytes[i] = static_cast<std::uint8_t>(word >> 8);
      address.bytes[i + 1] = static_cast<std::uint8_t>(word & 0xff);
    }
    expect_as_inet_ntop(address);
  }
}

TEST(IpTest, ParsesCidrsAndSingleAddresses) {
  const IpRange ten = *ParseIpRange("10.0.0.0/8");
  EXPECT_EQ(FormatIpAddress(ten.first), "10.0.0.0");
  EXPECT_EQ(FormatIpAddress(ten.last), "10.255.255.255");
  EXPECT_EQ(FormatIpRange(ten), "10.0.0.0/8");
  // Host bits set in the address are cleared, as for a network.
  EXPECT_EQ(FormatIpRange(*ParseIpRange("10.1.2.3/16")), "10.1.0.0/16");
  EXPECT_EQ(FormatIpRange(*ParseIpRange("192.0.2.7")), "192.0.2.7/32");
  EXPECT_EQ(FormatIpRange(*ParseIpRange("::/0")), "::/0");
  EXPECT_EQ(FormatIpRange(*ParseIpRange("2001:DB8::1/32")), "2001:db8::/32");
  // A range that is no CIDR block is written first-last.
  EXPECT_EQ(FormatIpRange({ParseIpRange("10.0.0.1")->first, ParseIpRange("10.0.0.2")->first}),
            "10.0.0.1-10.0.0.2");
  EXPECT_EQ(FormatIpRange({ten.first, ParseIpRange("11.0.0.0/8")->last}), "10.0.0.0/7");
  EXPECT_EQ(FormatIpRange({ten.first, ParseIpRange("12.0.0.0/8")->last}),
            "10.0.0.0-12.255.255.255");
  for (std::string_view bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/8x", "::1/129",
                               "10.0.0.256/32", "host.example.com", "127.1", "", "/8"}) {
    EXPECT_EQ(ParseIpRange(bad), std::nullopt) << bad;
  }
}

TEST(IpTest, FamiliesNeverMix) {
  const IpRange v4 = *ParseIpRange("0.0.0.0/0");
  const IpRange v6 = *ParseIpRange("::/0");
  EXPECT_FALSE(v4.Contains(*ParseIpAddress("::ffff:10.0.0.1")));
  EXPECT_TRUE(v6.Contains(*ParseIpAddress("::ffff:10.0.0.1")));
  EXPECT_FALSE(v4.Overlaps(v6));
  EXPECT_TRUE(v4.Contains(*ParseIpRange("10.0.0.0/8")));
  EXPECT_TRUE(ParseIpRange("10.0.0.0/8")->Overlaps(*ParseIpRange("10.200.0.0/16")));
  EXPECT_FALSE(ParseIpRange("10.0.0.0/8")->Overlaps(*ParseIpRange("11.0.0.0/8")));
}

TEST(IpTest, RangesThatAreNotBlocksPrintAsFirstToLast) {
  const IpRange range{*ParseIpAddress("10.0.0.5"), *ParseIpAddress("10.0.0.9")};
  EXPECT_EQ(FormatIpRange(range), "10.0.0.5-10.0.0.9");
}

// Random ranges, many of them near block boundaries: written as a block exactly when CidrBlocks
// makes them one block, and read back as the same range either way.
TEST(IpTest, ARangeIsWrittenAsABlockOnlyWhenItIsOne) {
  std::mt19937 random(7);
  for (int round = 0; round < 4000; ++round) {
    const bool v6 = round % 2 == 1;
    IpRange range{*ParseIpAddress(v6 ? "::" : "0.0.0.0"), *ParseIpAddress(v6 ? "::" : "0.0.0.0")};
    for (size_t i = 0; i < range.first.size(); ++i) range.first.bytes[i] = random() & 0xff;
    // Ends that differ only in their last bits, so that blocks and near-blocks are common.
    const int prefix = static_cast<int>(random() % (range.first.size() * 8 + 1));
    const IpRange block = PrefixRange(range.first, prefix);
    range.first = random() % 2 == 0 ? block.first : range.first;
    range.last = random() % 2 == 0 ? block.last : std::max(range.first, block.last);
    if (random() % 4 == 0 && range.last != range.first) range.last = *PreviousAddress(range.last);
    const std::string text = FormatIpRange(range);
    const std::vector<IpRange> blocks = CidrBlocks(range);
    if (blocks.size() == 1) {
      EXPECT_EQ(text.find('-'), std::string::npos) << text;
    } else {
      EXPECT_EQ(text, FormatIpAddress(range.first) + "-" + FormatIpAddress(range.last));
    }
    EXPECT_EQ(ParseFormattedIpRange(text), range) << text;
  }
}

TEST(IpTest, MaskPrefixLengthRejectsNonContiguousMasks) {
  EXPECT_EQ(MaskPrefixLength(*ParseIpAddress("255.255.0.0")), 16);
  EXPECT_EQ(MaskPrefixLength(*ParseIpAddress("0.0.0.0")), 0);
  EXPECT_EQ(MaskPrefixLength(*ParseIpAddress("ffff:ffff::")), 32);
  EXPECT_EQ(MaskPrefixLength(*ParseIpAddress("255.0.255.0")), std::nullopt);
  // Every mask of each family, and each with one bit flipped: still a mask only when the flip
  // moved its edge by one.
  for (const char* zero : {"0.0.0.0", "::"}) {
    const IpAddress none = *ParseIpAddress(zero);
    const int bits = static_cast<int>(none.size()) * 8;
    for (int prefix = 0; prefix <= bits; ++prefix) {
      IpAddress mask = none;
      for (int bit = 0; bit < prefix; ++bit) mask.bytes[bit / 8] |= 0x80 >> (bit % 8);
      ASSERT_EQ(MaskPrefixLength(mask), prefix) << FormatIpAddress(mask);
      for (int bit = 0; bit < bits; ++bit) {
        IpAddress flipped = mask;
        flipped.bytes[bit / 8] ^= 0x80 >> (bit % 8);
        const std::optional<int> expected = bit == prefix       ? std::optional(prefix + 1)
                                            : bit == prefix - 1 ? std::optional(prefix - 1)
                                                                : std::nullopt;
        ASSERT_EQ(MaskPrefixLength(flipped), expected) << FormatIpAddress(flipped);
      }
    }
  }
}

TEST(ValuePoolTest, InternsEqualValuesOnceAndKeepsZeroForAbsent) {
  ValuePool pool;
  const ValueId a = pool.InternString("app");
  EXPECT_NE(a, kAbsent);
  EXPECT_EQ(pool.InternString(std::string("app")), a);
  EXPECT_NE(pool.InternString(""), a);
  EXPECT_NE(pool.InternString(""), kAbsent);  // the empty string is a value, not NULL
  EXPECT_EQ(pool.String(a), "app");
  // Views handed out earlier stay valid while the pool grows.
  const std::string_view first = pool.String(a);
  for (int i = 0; i < 10000; ++i) pool.InternString("user_" + std::to_string(i));
  EXPECT_EQ(first, "app");

  const ValueId list = pool.InternList(std::vector<ValueId>{a, a});
  EXPECT_EQ(pool.InternList(std::vector<ValueId>{a, a}), list);
  EXPECT_NE(pool.InternList(std::vector<ValueId>{}), kAbsent);
  EXPECT_NE(pool.InternList(std::vector<ValueId>{a}), list);
  // So do the lists', and a value larger than the pool's blocks is kept whole.
  const std::span<const ValueId> kept = pool.List(list);
  for (ValueId i = 1; i < 10000; ++i) pool.InternList(std::vector<ValueId>{i, a});
  EXPECT_EQ(std::vector<ValueId>(kept.begin(), kept.end()), (std::vector<ValueId>{a, a}));
  const std::string large(200000, 'x');
  const ValueId large_id = pool.InternString(large);
  EXPECT_EQ(pool.String(large_id), large);
  EXPECT_EQ(pool.InternString(large), large_id);
  EXPECT_EQ(pool.String(a), "app");
}

TEST(ValuePoolTest, InternsAddressesAndRangesByFamilyAndBytes) {
  ValuePool pool;
  const IpAddress v4 = *ParseIpAddress("10.0.0.1");
  const IpAddress v6 = *ParseIpAddress("::a00:1");  // the same last four bytes
  const ValueId a = pool.InternAddress(v4);
  EXPECT_NE(a, kAbsent);
  EXPECT_EQ(pool.InternAddress(*ParseIpAddress("10.0.0.1")), a);
  EXPECT_NE(pool.InternAddress(v6), a);
  EXPECT_EQ(pool.Address(a), v4);
  const ValueId range = pool.InternRange({v4, v4});
  EXPECT_EQ(pool.InternRange({v4, v4}), range);
  EXPECT_NE(pool.InternRange({v6, v6}), range);
  EXPECT_EQ(pool.Range(range).first, v4);
}

TEST(FactTableTest, StoresEveryTypeAndAbsentByDefault) {
  FactSet facts;
  FactTable& connections = facts.table(FactKind::kConnection);
  const size_t row = connections.AppendRow();
  const size_t user = FieldOf<FactKind::kConnection>("user");
  const size_t ssl = FieldOf<FactKind::kConnection>("ssl");
  const size_t version = FieldOf<FactKind::kConnection>("tls_version");
  const size_t pid = FieldOf<FactKind::kConnection>("pid");
  const size_t address = FieldOf<FactKind::kConnection>("client_addr");
  EXPECT_EQ(connections.String(row, user), std::nullopt);
  EXPECT_EQ(connections.Bool(row, ssl), std::nullopt);
  EXPECT_EQ(connections.Integer(row, pid), std::nullopt);

  connections.SetString(row, user, "app_tls");
  connections.SetBool(row, ssl, false);
  connections.SetTlsVersion(row, version, TlsVersion::kTls1_2);
  connections.SetInteger(row, pid, 0);
  connections.SetAddress(row, address, *ParseIpAddress("127.0.0.1"));
  EXPECT_EQ(connections.String(row, user), "app_tls");
  EXPECT_EQ(connections.Bool(row, ssl), false);
  EXPECT_EQ(connections.Tls(row, version), TlsVersion::kTls1_2);
  EXPECT_EQ(connections.Integer(row, pid), 0);
  EXPECT_EQ(FormatIpAddress(facts.pool().Address(connections.Id(row, address))), "127.0.0.1");

  FactTable& rules = facts.table(FactKind::kHbaRule);
  const size_t rule = rules.AppendRow({facts.pool().InternString("pg_hba.conf"), 7});
  const std::vector<std::string_view> users = {"alice", "+admins"};
  rules.SetStringList(rule, FieldOf<FactKind::kHbaRule>("users"), users);
  const auto stored = facts.pool().List(rules.Id(rule, FieldOf<FactKind::kHbaRule>("users")));
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(facts.pool().String(stored[1]), "+admins");
  EXPECT_EQ(facts.pool().String(rules.source(rule).file), "pg_hba.conf");
  EXPECT_EQ(rules.source(rule).line, 7);
}

TEST(FactTableTest, ReservingAddsNoRowAndKeepsTheRowsThere) {
  FactSet facts;
  FactTable& rules = facts.table(FactKind::kHbaRule);
  const size_t line = FieldOf<FactKind::kHbaRule>("line");
  const size_t method = FieldOf<FactKind::kHbaRule>("method");
  rules.SetInteger(rules.AppendRow(), line, 1);
  // Reserved for one input after another, as a fleet's files are, then filled past it.
  for (int input = 0; input < 100; ++input) {
    rules.Reserve(3);
    EXPECT_EQ(rules.size(), static_cast<size_t>(1 + 3 * input));
    for (int i = 0; i < 3; ++i) {
      const size_t row = rules.AppendRow();
      rules.SetInteger(row, line, static_cast<std::int64_t>(row) + 1);
      rules.SetString(row, method, "md5");
    }
  }
  rules.Reserve(0);
  ASSERT_EQ(rules.size(), 301u);
  for (size_t row = 0; row < rules.size(); ++row) {
    EXPECT_EQ(rules.Integer(row, line), static_cast<std::int64_t>(row) + 1);
    EXPECT_EQ(rules.String(row, method),
              row == 0 ? std::nullopt : std::optional<std::string_view>("md5"));
  }
}

TEST(FactSchemaTest, EveryTypeIsFoundByNameAndFieldNamesAreUnique) {
  for (const FactTypeSpec& type : AllFactTypes()) {
    EXPECT_EQ(FindFactType(type.name), &type);
    EXPECT_EQ(&FactType(type.kind), &type);
    for (size_t i = 0; i < type.fields.size(); ++i) {
      EXPECT_EQ(type.FieldIndex(type.fields[i].name), i) << type.name << "." << type.fields[i].name;
      EXPECT_FALSE(type.fields[i].description.empty());
    }
  }
  EXPECT_EQ(FindFactType("connections"), nullptr);
}

TEST(TimestampTest, ParsesOnlyRealDatesAndWritesWhatItParses) {
  EXPECT_EQ(ParseTimestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseTimestamp("2026-11-24T10:00:00Z"), 1'795'514'400);
  EXPECT_EQ(ParseTimestamp("2024-02-29"), 1'709'164'800);
  EXPECT_EQ(ParseTimestamp("1969-12-31T23:59:59Z"), -1);
  // strptime took all of these, rolling impossible dates over and short fields in.
  for (const std::string_view bad :
       {"2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10", "2026-1-015", " 2026-01-01",
        "+026-01-01", "2026-01-01T24:00:00Z", "2026-01-01T23:59:60Z", "2026-01-01T23:59:59+",
        "2026-01-01 23:59:59Z", "", "2026-01-01T1:2:3Z  "}) {
    EXPECT_EQ(ParseTimestamp(bad), std::nullopt) << bad;
  }
  // Years before 1000 are zero-padded, so that a snapshot written is read back.
  for (const std::string_view text :
       {"0027-01-31T12:00:00Z", "1950-06-15T01:02:03Z", "2026-11-24T10:00:00Z",
        "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z"}) {
    const std::optional<std::int64_t> seconds = ParseTimestamp(text);
    ASSERT_TRUE(seconds) << text;
    EXPECT_EQ(FormatTimestamp(*seconds), text);
  }
}

}  // namespace
}  // namespace pgward
