// parse_hba_line() and parse_hba_auth_opt(): record types, names, addresses, methods, options
// and their error texts, by version. Rows marked "(PG15.18)" were checked on a real server.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "tests/hba/hba_test_util.h"

namespace pgward::hba {
namespace {

using ::testing::ElementsAre;
using testing::OneRow;
using testing::ViewRows;

std::string ErrorRow(int line, const std::string& error) {
  return std::to_string(line) + "|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|" + error;
}

// A row the server numbers but shows without columns and without error: parse_hba_line()
// rejected an option with a log message only.
std::string SilentRow(int line) { return ErrorRow(line, "<NULL>"); }

HbaRule ParseOne(std::string_view text, ParseOptions options = {}) {
  HbaFile file = ParseHbaText(text, "/etc/pg_hba.conf", options);
  EXPECT_EQ(file.rules.size(), 1u);
  return file.rules.empty() ? HbaRule{} : std::move(file.rules.front());
}

TEST(HbaParserTest, AllSixConnectionTypes) {
  EXPECT_THAT(ViewRows("local all all trust\nhost all all all md5\nhostssl all all all md5\n"
                       "hostnossl all all all md5\nhostgssenc all all all gss\n"
                       "hostnogssenc all all all md5\n",
                       17),
              ElementsAre("1|local|{all}|{all}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
                          "2|host|{all}|{all}|all|<NULL>|md5|<NULL>|<NULL>",
                          "3|hostssl|{all}|{all}|all|<NULL>|md5|<NULL>|<NULL>",
                          "4|hostnossl|{all}|{all}|all|<NULL>|md5|<NULL>|<NULL>",
                          "5|hostgssenc|{all}|{all}|all|<NULL>|gss|{include_realm=true}|<NULL>",
                          "6|hostnogssenc|{all}|{all}|all|<NULL>|md5|<NULL>|<NULL>"));
}

TEST(HbaParserTest, ConnectionTypeErrors) {
  EXPECT_EQ(OneRow("Local all all trust\n"), ErrorRow(1, "invalid connection type \"Local\""));
  EXPECT_EQ(OneRow("local,host all all trust\n"),
            ErrorRow(1, "multiple values specified for connection type"));
  EXPECT_EQ(OneRow("host\n"), ErrorRow(1, "end-of-line before database specification"));
  EXPECT_EQ(OneRow("host all\n"), ErrorRow(1, "end-of-line before role specification"));
  EXPECT_EQ(OneRow("host all all\n"), ErrorRow(1, "end-of-line before IP address specification"));
  EXPECT_EQ(OneRow("host all all 10.0.0.1\n"),
            ErrorRow(1, "end-of-line before netmask specification"));
  EXPECT_EQ(OneRow("host all all 10.0.0.1/8\n"),
            ErrorRow(1, "end-of-line before authentication method"));
}

TEST(HbaParserTest, HostsslWithSslOffKeepsTheParsedColumns) {
  ParseOptions ssl_off;
  ssl_off.pg_version = 15;
  ssl_off.ssl_enabled = false;
  EXPECT_THAT(
      ViewRows("hostssl all all all cert\nhostssl all all all trust clientcert=foo\n", ssl_off),
      ElementsAre("1|hostssl|{all}|{all}|all|<NULL>|cert|{clientcert=verify-full}|"
                  "hostssl record cannot match because SSL is disabled",
                  ErrorRow(2, "hostssl record cannot match because SSL is disabled")));
  // Unknown SSL setting (offline scan): no such error.
  EXPECT_EQ(OneRow("hostssl all all all cert\n"),
            "1|hostssl|{all}|{all}|all|<NULL>|cert|{clientcert=verify-full}|<NULL>");
}

TEST(HbaParserTest, NumericAddressesFollowGetaddrinfo) {
  // (PG15.18) Addresses stay unmasked; inet_aton forms; IPv6 compressed; zone dropped.
  EXPECT_THAT(
      ViewRows("host all all 10.0.0.1/8 trust\n"
               "host all all 127.1 255.255.0.0 md5\n"
               "host all all 010.0.0.1/32 md5\n"
               "host all all ::ffff:1.2.3.4/128 md5\n"
               "host all all fe80::1%lo/64 md5\n"
               "host all all 10.0.0.256 md5\n"
               "host all all ::/0 md5\n"
               "host all all 1.2.3.4 255.0.255.0 trust\n"
               "host all all 1.2.3.4/+8 trust\n"
               "host all all 1.2.3.4/08 trust\n"
               "host all all 0x7f.1 trust\n"
               "host all all ::1 ::ffff:255.255.255.0 trust\n",
               15),
      ElementsAre("1|host|{all}|{all}|10.0.0.1|255.0.0.0|trust|<NULL>|<NULL>",
                  "2|host|{all}|{all}|127.0.0.1|255.255.0.0|md5|<NULL>|<NULL>",
                  "3|host|{all}|{all}|8.0.0.1|255.255.255.255|md5|<NULL>|<NULL>",
                  "4|host|{all}|{all}|::ffff:1.2.3.4|ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff|"
                  "md5|<NULL>|<NULL>",
                  "5|host|{all}|{all}|fe80::1|ffff:ffff:ffff:ffff::|md5|<NULL>|<NULL>",
                  "6|host|{all}|{all}|10.0.0.256|<NULL>|md5|<NULL>|<NULL>",
                  "7|host|{all}|{all}|::|::|md5|<NULL>|<NULL>",
                  "8|host|{all}|{all}|1.2.3.4|255.0.255.0|trust|<NULL>|<NULL>",
                  "9|host|{all}|{all}|1.2.3.4|255.0.0.0|trust|<NULL>|<NULL>",
                  "10|host|{all}|{all}|1.2.3.4|255.0.0.0|trust|<NULL>|<NULL>",
                  ErrorRow(11, "invalid IP mask \"trust\": Name or service not known"),
                  "12|host|{all}|{all}|::1|::ffff:255.255.255.0|trust|<NULL>|<NULL>"));
}

TEST(HbaParserTest, TypedAddressModel) {
  const HbaRule cidr = ParseOne("host all all 10.1.2.3/8 trust\n");
  const auto* network = std::get_if<IpNetwork>(&cidr.address);
  ASSERT_NE(network, nullptr);
  EXPECT_EQ(network->address.family, IpFamily::kV4);
  EXPECT_EQ(network->mask.family, IpFamily::kV4);
  EXPECT_EQ(network->prefix_length, 8);
  EXPECT_EQ(network->address, *ParseIpAddress("10.1.2.3"));  // unmasked, as the server keeps it
  EXPECT_EQ(network->mask, *ParseIpAddress("255.0.0.0"));

  const HbaRule with_mask = ParseOne("host all all ::1 ffff:: trust\n");
  network = std::get_if<IpNetwork>(&with_mask.address);
  ASSERT_NE(network, nullptr);
  EXPECT_EQ(network->address.family, IpFamily::kV6);
  EXPECT_EQ(network->mask, *ParseIpAddress("ffff::"));
  EXPECT_FALSE(network->prefix_length.has_value());

  const HbaRule suffix = ParseOne("host all all .example.com md5\n");
  const auto* symbolic = std::get_if<SymbolicAddress>(&suffix.address);
  ASSERT_NE(symbolic, nullptr);
  EXPECT_EQ(symbolic->kind, SymbolicAddressKind::kHostNameSuffix);
  EXPECT_EQ(symbolic->text, ".example.com");

  EXPECT_EQ(std::get<SymbolicAddress>(ParseOne("host all all db1 md5\n").address).kind,
            SymbolicAddressKind::kHostName);
  EXPECT_EQ(std::get<SymbolicAddress>(ParseOne("host all all samenet md5\n").address).kind,
            SymbolicAddressKind::kSameNet);
  // Quoted keywords are host names.
  EXPECT_EQ(std::get<SymbolicAddress>(ParseOne("host all all \"samehost\" md5\n").address).kind,
            SymbolicAddressKind::kHostName);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ParseOne("local all all trust\n").address));
}

// The columns are parsed into the rule in place: a line the server does not keep has none.
TEST(HbaParserTest, RejectedLineKeepsNoColumns) {
  const HbaRule rule = ParseOne("host db1,db2 u1 10.0.0.0/8 md5 clientcert=verify-ca\n");
  ASSERT_TRUE(rule.error.has_value());
  EXPECT_FALSE(rule.parsed);
  EXPECT_TRUE(rule.databases.empty());
  EXPECT_TRUE(rule.users.empty());
  EXPECT_TRUE(std::holds_alternative<std::monostate>(rule.address));
  EXPECT_TRUE(rule.options.empty());
  EXPECT_EQ(rule.location.line, 1);
}

TEST(HbaParserTest, TokenListKeepsOneNameInlineAndMoreOnTheHeap) {
  TokenList names;
  EXPECT_TRUE(names.empty());
  names.emplace_back("a", false);
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names.front().text, "a");
  names.emplace_back("b", true);
  names.emplace_back("c", false);
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0].text, "a");
  EXPECT_TRUE(names[1].quoted);
  EXPECT_EQ(names[2].text, "c");

  TokenList copy = names;
  TokenList moved = std::move(names);
  EXPECT_EQ(copy.size(), 3u);
  EXPECT_EQ(moved[2].text, "c");
  EXPECT_TRUE(names.empty());  // a moved-from list is empty

  TokenList single;
  single.emplace_back("x", false);
  TokenList moved_single = std::move(single);
  EXPECT_EQ(moved_single.size(), 1u);
  EXPECT_TRUE(single.empty());
}

TEST(HbaParserTest, AddressKeywordsAndHostNames) {
  EXPECT_THAT(ViewRows("host all all samehost trust\nhost all all \"all\" md5\n"
                       "host all all .example.com md5\nhost all all \"\" trust\n",
                       15),
              ElementsAre("1|host|{all}|{all}|samehost|<NULL>|trust|<NULL>|<NULL>",
                          "2|host|{all}|{all}|all|<NULL>|md5|<NULL>|<NULL>",
                          "3|host|{all}|{all}|.example.com|<NULL>|md5|<NULL>|<NULL>",
                          "4|host|{all}|{all}||<NULL>|trust|<NULL>|<NULL>"));
}

TEST(HbaParserTest, AddressErrors) {
  // (PG15.18)
  EXPECT_THAT(ViewRows("host all all 1.2.3.4/33 trust\n"
                       "host all all x.example.com/24 trust\n"
                       "host all all 1.2.3.4 ffff:: trust\n"
                       "host all all 1.2.3.4/ trust\n"
                       "host all all 10.0.0.0/8,10.0.0.0/16 md5\n"
                       "host all all 10.0.0.1 255.0.0.0,255.0.0.0 md5\n"
                       "host all all 1.2.3 trust\n"
                       "host all all fe80::1%nosuchif/64 trust\n",
                       15),
              ElementsAre(ErrorRow(1, "invalid CIDR mask in address \"1.2.3.4/33\""),
                          ErrorRow(2,
                                   "specifying both host name and CIDR mask is invalid: "
                                   "\"x.example.com/24\""),
                          ErrorRow(3, "IP address and mask do not match"),
                          ErrorRow(4, "invalid CIDR mask in address \"1.2.3.4/\""),
                          ErrorRow(5, "multiple values specified for host address"),
                          ErrorRow(6, "multiple values specified for netmask"),
                          ErrorRow(7, "invalid IP mask \"trust\": Name or service not known"),
                          ErrorRow(8,
                                   "specifying both host name and CIDR mask is invalid: "
                                   "\"fe80::1%nosuchif/64\"")));
}

TEST(HbaParserTest, DatabaseAndRoleKeywordsKeepTheirQuotedFlag) {
  const HbaRule rule =
      ParseOne("local sameuser,\"samerole\",replication +admins,\"+admins\",all trust\n");
  ASSERT_EQ(rule.databases.size(), 3u);
  EXPECT_TRUE(rule.databases[0].IsKeyword("sameuser"));
  EXPECT_FALSE(rule.databases[1].IsKeyword("samerole"));
  EXPECT_TRUE(rule.databases[2].IsKeyword("replication"));
  ASSERT_EQ(rule.users.size(), 3u);
  EXPECT_TRUE(rule.users[0].IsGroupMembership());
  EXPECT_FALSE(rule.users[1].IsGroupMembership());
  EXPECT_TRUE(rule.users[2].IsKeyword("all"));
}

TEST(HbaParserTest, MethodsAndTheirCombinations) {
  // (PG15.18)
  EXPECT_THAT(
      ViewRows("local all all ident\n"
               "local all all TRUST\n"
               "local all all trust,md5\n"
               "host all all all sspi\n"
               "host all all all bsd\n"
               "host all all all oauth\n"
               "local all all gss\n"
               "host all all all peer\n"
               "host all all all cert\n",
               15),
      ElementsAre("1|local|{all}|{all}|<NULL>|<NULL>|peer|<NULL>|<NULL>",
                  ErrorRow(2, "invalid authentication method \"TRUST\""),
                  ErrorRow(3, "multiple values specified for authentication type"),
                  ErrorRow(4,
                           "invalid authentication method \"sspi\": not supported by this "
                           "build"),
                  ErrorRow(5, "invalid authentication method \"bsd\": not supported by this build"),
                  ErrorRow(6, "invalid authentication method \"oauth\""),
                  ErrorRow(7, "gssapi authentication is not supported on local sockets"),
                  ErrorRow(8, "peer authentication is only supported on local sockets"),
                  ErrorRow(9, "cert authentication is only supported on hostssl connections")));
  const HbaRule local_ident = ParseOne("local all all ident\n");
  EXPECT_EQ(local_ident.method, AuthMethod::kPeer);
  EXPECT_EQ(AuthMethodName(local_ident.method), "peer");
}

TEST(HbaParserTest, CommonOptionsAndTheirErrors) {
  // (PG15.18)
  EXPECT_THAT(
      ViewRows("host all all all gss\n"
               "host all all all gss include_realm=0 krb_realm=X map=m\n"
               "host all all all pam pamservice=x pam_use_hostname=1\n"
               "hostssl all all all cert clientcert=verify-ca\n"
               "host all all all md5 clientcert=verify-full\n"
               "local all all peer map=x\n"
               "local all all trust map=x\n"
               "host all all all md5 foo=bar\n"
               "host all all all md5 foo\n"
               "hostssl all all ::0/0 cert map=m clientname=CN\n"
               "local all all md5 \"clientcert=verify-full\"\n"
               "host all all all md5 krb_realm=x\n"
               "host all all all md5 compat_realm=1\n"
               "host all all all md5 pamservice=x\n",
               15),
      ElementsAre("1|host|{all}|{all}|all|<NULL>|gss|{include_realm=true}|<NULL>",
                  "2|host|{all}|{all}|all|<NULL>|gss|{krb_realm=X,map=m}|<NULL>",
                  "3|host|{all}|{all}|all|<NULL>|pam|{pamservice=x}|<NULL>",
                  ErrorRow(4,
                           "clientcert can only be set to \"verify-full\" when using \"cert\" "
                           "authentication"),
                  ErrorRow(5, "clientcert can only be configured for \"hostssl\" rows"),
                  "6|local|{all}|{all}|<NULL>|<NULL>|peer|{map=x}|<NULL>",
                  ErrorRow(7,
                           "authentication option \"map\" is only valid for authentication "
                           "methods ident, peer, gssapi, sspi, and cert"),
                  ErrorRow(8, "unrecognized authentication option name: \"foo\""),
                  ErrorRow(9, "authentication option not in name=value format: foo"),
                  "10|hostssl|{all}|{all}|::|::|cert|{map=m,clientcert=verify-full}|<NULL>",
                  ErrorRow(11, "clientcert can only be configured for \"hostssl\" rows"),
                  ErrorRow(12,
                           "authentication option \"krb_realm\" is only valid for "
                           "authentication methods gssapi and sspi"),
                  ErrorRow(13,
                           "authentication option \"compat_realm\" is only valid for "
                           "authentication methods sspi"),
                  ErrorRow(14,
                           "authentication option \"pamservice\" is only valid for "
                           "authentication methods pam")));
}

TEST(HbaParserTest, InvalidClientcertOrClientnameValueGivesASilentRow) {
  EXPECT_THAT(ViewRows("hostssl all all all md5 clientcert=1\n"
                       "hostssl all all all md5 clientname=cn\n",
                       15),
              ElementsAre(SilentRow(1), SilentRow(2)));
}

TEST(HbaParserTest, PostgreSql13ClientcertValues) {
  EXPECT_THAT(ViewRows("hostssl all all all md5 clientcert=1\n"
                       "hostssl all all all md5 clientcert=no-verify\n"
                       "hostssl all all all cert clientcert=0\n"
                       "hostssl all all all md5 clientname=CN\n"
                       "hostssl all all all md5 clientcert=maybe\n",
                       13),
              ElementsAre("1|hostssl|{all}|{all}|all|<NULL>|md5|{clientcert=verify-ca}|<NULL>",
                          "2|hostssl|{all}|{all}|all|<NULL>|md5|<NULL>|<NULL>",
                          ErrorRow(3,
                                   "clientcert cannot be set to \"no-verify\" when using \"cert\" "
                                   "authentication"),
                          ErrorRow(4, "unrecognized authentication option name: \"clientname\""),
                          SilentRow(5)));
}

TEST(HbaParserTest, LdapOptions) {
  // (PG15.18) ldapscope=2 appears once any option is parsed; an ldapurl scope survives only as
  // the last option; bad URLs report OpenLDAP codes through ldap_err2string().
  EXPECT_THAT(
      ViewRows("host all all all ldap ldapserver=h ldapscheme=ldaps ldapbasedn=dc=x\n"
               "host all all all ldap ldapscheme=foo ldapbasedn=dc=x\n"
               "host all all all ldap ldapurl=ldap://h/dc=x\n"
               "host all all all ldap ldapurl=ldap://h/dc=x ldaptls=1\n"
               "host all all all ldap ldapurl=\"ldaps://h:1234/dc=x?uid?one?(a=b)\"\n"
               "host all all all ldap ldapurl=foo://h/dc=x\n"
               "host all all all ldap ldapurl=ldapi://h/dc=x\n"
               "host all all all ldap ldapurl=ldap://h:x/dc=x\n"
               "host all all all ldap ldapurl=ldap://h/dc=x?uid?bogus\n"
               "host all all all ldap ldapurl=<ldap://h/dc=x\n"
               "host all all all ldap ldapurl=ldap://h/dc=x????\n"
               "host all all all ldap ldapurl=ldap://h\n"
               "host all all all ldap ldapserver=h ldapprefix=cn= ldapbasedn=dc=x\n"
               "host all all all ldap ldapserver=h ldapbasedn=x ldapsearchattribute=a "
               "ldapsearchfilter=b\n"
               "host all all all ldap ldapport=abc ldapbasedn=x\n"
               "host all all all ldap ldapport=12abc ldapbasedn=x ldapbindpasswd=secret\n"
               "host all all all ldap ldapurl=\"ldaps://h:1234/dc=x?uid?one\"\n",
               15),
      ElementsAre(
          "1|host|{all}|{all}|all|<NULL>|ldap|{ldapserver=h,ldapscheme=ldaps,ldapbasedn=dc=x,"
          "ldapscope=2}|<NULL>",
          "2|host|{all}|{all}|all|<NULL>|ldap|{ldapscheme=foo,ldapbasedn=dc=x,ldapscope=2}|<NULL>",
          "3|host|{all}|{all}|all|<NULL>|ldap|{ldapserver=h,ldapport=389,ldapscheme=ldap,"
          "ldapbasedn=dc=x}|<NULL>",
          "4|host|{all}|{all}|all|<NULL>|ldap|{ldapserver=h,ldapport=389,ldapscheme=ldap,"
          "ldaptls=true,ldapbasedn=dc=x,ldapscope=2}|<NULL>",
          ErrorRow(5, "cannot use ldapsearchattribute together with ldapsearchfilter"),
          ErrorRow(6, "could not parse LDAP URL \"foo://h/dc=x\": Time limit exceeded"),
          ErrorRow(7, "unsupported LDAP URL scheme: ldapi"),
          ErrorRow(8, "could not parse LDAP URL \"ldap://h:x/dc=x\": Compare False"),
          ErrorRow(9,
                   "could not parse LDAP URL \"ldap://h/dc=x?uid?bogus\": Strong(er) "
                   "authentication required"),
          ErrorRow(10, "could not parse LDAP URL \"<ldap://h/dc=x\": Size limit exceeded"),
          ErrorRow(11, "could not parse LDAP URL \"ldap://h/dc=x????\": Referral"),
          ErrorRow(12,
                   "authentication method \"ldap\" requires argument \"ldapbasedn\", "
                   "\"ldapprefix\", or \"ldapsuffix\" to be set"),
          ErrorRow(13,
                   "cannot use ldapbasedn, ldapbinddn, ldapbindpasswd, ldapsearchattribute, "
                   "ldapsearchfilter, or ldapurl together with ldapprefix"),
          ErrorRow(14, "cannot use ldapsearchattribute together with ldapsearchfilter"),
          ErrorRow(15, "invalid LDAP port number: \"abc\""),
          "16|host|{all}|{all}|all|<NULL>|ldap|{ldapport=12,ldapbasedn=x,ldapbindpasswd=secret,"
          "ldapscope=2}|<NULL>",
          "17|host|{all}|{all}|all|<NULL>|ldap|{ldapserver=h,ldapport=1234,ldapscheme=ldaps,"
          "ldapbasedn=dc=x,ldapsearchattribute=uid,ldapscope=1}|<NULL>"));
}

TEST(HbaParserTest, LdapMixedModesMessageChangedIn18) {
  const std::string line = "host all all all ldap ldapprefix=cn= ldapbasedn=dc=x\n";
  EXPECT_EQ(OneRow(line, 17),
            ErrorRow(1,
                     "cannot use ldapbasedn, ldapbinddn, ldapbindpasswd, ldapsearchattribute, "
                     "ldapsearchfilter, or ldapurl together with ldapprefix"));
  EXPECT_EQ(OneRow(line, 18),
            ErrorRow(1, "cannot mix options for simple bind and search+bind modes"));
}

TEST(HbaParserTest, RadiusOptions) {
  // (PG15.18) Unparsable lists and unresolvable servers are only logged.
  EXPECT_THAT(ViewRows("host all all all radius radiusservers=127.0.0.1 radiussecrets=a,b\n"
                       "host all all all radius radiusservers=\"127.0.0.1,127.0.0.2\" "
                       "radiussecrets=\"a,b,c\"\n"
                       "host all all all radius radiusservers=\"127.0.0.1\" radiussecrets=\"a\" "
                       "radiusports=\"x\"\n"
                       "host all all all radius radiusservers=\"127.0.0.1\" radiussecrets=\"a\" "
                       "radiusports=\"1812,1813\"\n"
                       "host all all all radius radiusservers=\"127.0.0.1\" radiussecrets=\"a\" "
                       "radiusports=\"1812\" radiusidentifiers=\"a b\"\n"
                       "host all all all radius radiusservers=\"\" radiussecrets=\"a\"\n"
                       "host all all all radius radiusservers=\"no.such.host.invalid\" "
                       "radiussecrets=\"a\"\n"
                       "host all all all radius radiusservers=\"127.0.0.1, ::1\" "
                       "radiussecrets=\"s1,\"\"s 2\"\"\" radiusidentifiers=x radiusports=1812\n",
                       15),
              ElementsAre(ErrorRow(1, "authentication option not in name=value format: b"),
                          ErrorRow(2,
                                   "the number of RADIUS secrets (3) must be 1 or the same as the "
                                   "number of RADIUS servers (2)"),
                          SilentRow(3),
                          ErrorRow(4,
                                   "the number of RADIUS ports (2) must be 1 or the same as the "
                                   "number of RADIUS servers (1)"),
                          SilentRow(5),
                          ErrorRow(6,
                                   "authentication method \"radius\" requires argument "
                                   "\"radiusservers\" to be set"),
                          SilentRow(7),
                          "8|host|{all}|{all}|all|<NULL>|radius|{\"radiusservers=127.0.0.1, ::1\","
                          "\"radiussecrets=s1,\\\"s 2\\\"\",radiusidentifiers=x,radiusports=1812}|"
                          "<NULL>"));
}

TEST(HbaParserTest, RadiusServerLookupCanBeTurnedOff) {
  ParseOptions offline;
  offline.resolve_radius_servers = false;
  EXPECT_EQ(testing::ViewRows("host all all all radius radiusservers=no.such.host.invalid "
                              "radiussecrets=a\n",
                              offline)
                .front(),
            "1|host|{all}|{all}|all|<NULL>|radius|{radiusservers=no.such.host.invalid,"
            "radiussecrets=a}|<NULL>");
}

TEST(HbaParserTest, PostgreSql13RadiusListLengthsAreOnlyLogged) {
  EXPECT_EQ(OneRow("host all all all radius radiusservers=127.0.0.1 radiussecrets=\"a,b\"\n", 13),
            SilentRow(1));
}

TEST(HbaParserTest, RegularExpressionsFrom16) {
  const std::string line = "local /^db.*$,\"/quoted\" /^u$ trust\n";
  EXPECT_EQ(OneRow(line, 15), "1|local|{/^db.*$,/quoted}|{/^u$}|<NULL>|<NULL>|trust|<NULL>|<NULL>");
  const HbaRule pg15 = ParseOne(line, testing::ForVersion(15));
  EXPECT_FALSE(pg15.databases[0].regex);

  const HbaRule pg16 = ParseOne(line, testing::ForVersion(16));
  EXPECT_TRUE(pg16.databases[0].regex);
  EXPECT_TRUE(pg16.databases[1].regex);  // regcomp_auth_token ignores quoting
  EXPECT_TRUE(pg16.users[0].regex);

  EXPECT_EQ(OneRow("local /(abc all trust\n", 16),
            ErrorRow(1, "invalid regular expression \"(abc\": parentheses () not balanced"));
  EXPECT_EQ(OneRow("local all /[ab trust\n", 17),
            ErrorRow(1, "invalid regular expression \"[ab\": brackets [] not balanced"));
  EXPECT_EQ(OneRow("local /*x all trust\n", 18),
            ErrorRow(1, "invalid regular expression \"*x\": quantifier operand invalid"));
  EXPECT_EQ(OneRow("local \"/a{2,1}\" all trust\n", 17),
            ErrorRow(1, "invalid regular expression \"a{2,1}\": invalid repetition count(s)"));
  EXPECT_EQ(OneRow("local /[z-a] all trust\n", 17),
            ErrorRow(1, "invalid regular expression \"[z-a]\": invalid character range"));
  // ARE syntax RE2 does not know is accepted, not reported.
  for (const char* accepted : {"/^(a)\\1$", "/\\mword\\M", "/(?=a)b", "/***=(", "/[[:<:]]x"}) {
    EXPECT_EQ(
        ParseOne(std::string("local ") + accepted + " all trust\n", testing::ForVersion(17)).error,
        std::nullopt)
        << accepted;
  }
}

TEST(HbaParserTest, OAuthIn18) {
  ParseOptions pg18;
  pg18.pg_version = 18;
  EXPECT_EQ(ViewRows("host all all all oauth issuer=https://x scope=openid\n", pg18).front(),
            ErrorRow(1, "oauth_validator_libraries must be set for authentication method oauth"));
  pg18.oauth_validator_libraries = {"validator_a"};
  EXPECT_THAT(
      ViewRows("host all all all oauth issuer=https://x scope=openid\n"
               "host all all all oauth issuer=https://x\n"
               "host all all all oauth scope=openid\n"
               "host all all all oauth issuer=i scope=s map=m delegate_ident_mapping=1\n"
               "host all all all oauth issuer=i scope=s validator=other\n"
               "host all all all oauth issuer=i scope=s map=m\n"
               "host all all all md5 issuer=i\n"
               "local all all trust map=x\n",
               pg18),
      ElementsAre(
          "1|host|{all}|{all}|all|<NULL>|oauth|{issuer=https://x,scope=openid,"
          "validator=validator_a}|<NULL>",
          ErrorRow(2, "authentication method \"oauth\" requires argument \"scope\" to be set"),
          ErrorRow(3, "authentication method \"oauth\" requires argument \"issuer\" to be set"),
          ErrorRow(4, "map cannot be used in combination with delegate_ident_mapping"),
          ErrorRow(5, "validator \"other\" is not permitted by oauth_validator_libraries"),
          "6|host|{all}|{all}|all|<NULL>|oauth|{map=m,issuer=i,scope=s,validator=validator_a}|"
          "<NULL>",
          ErrorRow(7,
                   "authentication option \"issuer\" is only valid for authentication "
                   "methods oauth"),
          ErrorRow(8,
                   "authentication option \"map\" is only valid for authentication methods "
                   "ident, peer, gssapi, sspi, cert, and oauth")));
  pg18.oauth_validator_libraries = {"a", "b"};
  EXPECT_EQ(ViewRows("host all all all oauth issuer=i scope=s\n", pg18).front(),
            ErrorRow(1,
                     "authentication method \"oauth\" requires argument \"validator\" to be "
                     "set when oauth_validator_libraries contains multiple options"));
  EXPECT_EQ(OneRow("host all all all md5 issuer=i\n", 17),
            ErrorRow(1, "unrecognized authentication option name: \"issuer\""));
}

TEST(HbaParserTest, OptionsModelIsTheViewOrderWithImpliedOptions) {
  const HbaRule rule = ParseOne("hostssl all all all cert map=m\n");
  ASSERT_EQ(rule.options.size(), 2u);
  EXPECT_EQ(rule.options[0].name, "map");
  EXPECT_EQ(rule.options[0].value, "m");
  EXPECT_EQ(rule.options[1].name, "clientcert");
  EXPECT_EQ(rule.options[1].value, "verify-full");
  EXPECT_EQ(rule.type, ConnectionType::kHostSsl);
  EXPECT_EQ(ConnectionTypeName(rule.type), "hostssl");
  EXPECT_EQ(rule.method, AuthMethod::kCert);
  // The options that decide access are typed too: cert implies verify-full.
  EXPECT_EQ(rule.clientcert, ClientCert::kVerifyFull);
  EXPECT_EQ(rule.usermap, "m");

  const HbaRule verify_ca = ParseOne("hostssl all all all scram-sha-256 clientcert=verify-ca\n");
  EXPECT_EQ(verify_ca.clientcert, ClientCert::kVerifyCa);
  EXPECT_FALSE(verify_ca.usermap);
  const HbaRule none = ParseOne("hostssl all all all scram-sha-256\n");
  EXPECT_EQ(none.clientcert, ClientCert::kOff);
}

}  // namespace
}  // namespace pgward::hba
