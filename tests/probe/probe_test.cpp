// The probe against real PostgreSQL 15 servers started with different TLS settings: the
// accepted versions and suites must be exactly what the settings mean under OpenSSL 3, and the
// certificate facts exactly those of the certificate the sandbox generated.
//
// What these tests established on PostgreSQL 15.18 with OpenSSL 3.0:
// - TLS 1.3 suites are those OpenSSL enables by default (three of the five), whatever
//   ssl_ciphers says: ssl_ciphers governs TLS <= 1.2 only.
// - 3DES, although the default ssl_ciphers asks for it ('+3DES'), is never offered: OpenSSL 3
//   as Debian builds it has no 3DES suite at all ("3DES" matches no cipher).
// - ssl_min_protocol_version = 'TLSv1' alone changes nothing: at OpenSSL 3's default security
//   level the server cannot sign a TLS 1.0/1.1 handshake and aborts it with an internal_error
//   alert, logging "no suitable signature algorithm". '@SECLEVEL=0' in ssl_ciphers is needed.
#include "engine/probe/prober.h"

#include "engine/model/fact_schema.h"
#include "engine/probe/certificate.h"
#include "engine/probe/probe_facts.h"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdexcept>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tests/probe/test_servers.h"
#include "tests/sandbox/sandbox.h"

namespace pgward::probe {
namespace {

using sandbox::Sandbox;
using sandbox::SandboxOptions;
using Names = std::set<std::string>;

// The TLS 1.3 suites an OpenSSL 3 server enables when nothing configures them (PostgreSQL 15
// has no setting for them).
const Names kDefaultTls13Suites = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                   "TLS_CHACHA20_POLY1305_SHA256"};

// The TLS <= 1.2 suites a cipher string selects, by OpenSSL's own expansion; empty when it
// selects none.
std::vector<const SSL_CIPHER*> ExpandCipherString(const std::string& cipher_string) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_server_method()),
                                                            SSL_CTX_free);
  std::vector<const SSL_CIPHER*> ciphers;
  if (SSL_CTX_set_cipher_list(context.get(), cipher_string.c_str()) != 1) {
    ERR_clear_error();
    return ciphers;
  }
  STACK_OF(SSL_CIPHER)* all = SSL_CTX_get_ciphers(context.get());
  for (int i = 0; i < sk_SSL_CIPHER_num(all); ++i) {
    const SSL_CIPHER* cipher = sk_SSL_CIPHER_value(all, i);
    if (std::string(SSL_CIPHER_get_version(cipher)) != "TLSv1.3") ciphers.push_back(cipher);
  }
  return ciphers;
}

// What a PostgreSQL server with the sandbox's RSA certificate accepts at `version` (<= 1.2) when
// ssl_ciphers is `configured`: the suites the string selects, minus those the version cannot
// carry (TLS 1.2-only suites before 1.2) and those whose key exchange or authentication needs
// what the server does not have (an ECDSA or DSA key, a PSK, SRP).
Names ExpectedSuites(const std::string& configured, TlsVersion version) {
  Names names;
  for (const SSL_CIPHER* cipher : ExpandCipherString(configured)) {
    const std::string minimum_version = SSL_CIPHER_get_version(cipher);
    if (version < TlsVersion::kTls1_2 && minimum_version == "TLSv1.2") continue;
    const int kx = SSL_CIPHER_get_kx_nid(cipher);
    if (SSL_CIPHER_get_auth_nid(cipher) != NID_auth_rsa ||
        (kx != NID_kx_rsa && kx != NID_kx_ecdhe && kx != NID_kx_dhe)) {
      continue;
    }
    names.insert(SSL_CIPHER_get_name(cipher));
  }
  return names;
}

Names AcceptedNames(const VersionResult& version) {
  Names names;
  for (const CipherSuite& suite : version.accepted_suites) names.insert(suite.name);
  return names;
}

const VersionResult& Version(const ProbeResult& result, TlsVersion version) {
  for (const VersionResult& candidate : result.versions) {
    if (candidate.version == version) return candidate;
  }
  throw std::out_of_range("no result for " + std::string(TlsVersionName(version)));
}

ProbeResult ProbeSandbox(const Sandbox& sandbox, ProbeOptions options = {}) {
  options.host = sandbox.host();
  options.port = sandbox.port();
  if (!options.ca_file) options.ca_file = sandbox.pki().ca_certificate();
  return Probe(options);
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

void ExpectRejected(const ProbeResult& result, TlsVersion version, const std::string& refusal) {
  SCOPED_TRACE(TlsVersionName(version));
  const VersionResult& facts = Version(result, version);
  EXPECT_EQ(facts.status, VersionStatus::kRejected);
  EXPECT_TRUE(facts.accepted_suites.empty());
  EXPECT_EQ(facts.refusal, refusal);
  EXPECT_FALSE(facts.error.has_value());
}

void ExpectAccepted(const ProbeResult& result, TlsVersion version, const Names& suites,
                    std::optional<CipherOrder> order) {
  SCOPED_TRACE(TlsVersionName(version));
  const VersionResult& facts = Version(result, version);
  EXPECT_EQ(facts.status, VersionStatus::kAccepted);
  EXPECT_EQ(AcceptedNames(facts), suites);
  EXPECT_EQ(facts.cipher_order, order);
  EXPECT_FALSE(facts.error.has_value()) << facts.error->message;
}

const std::string kProtocolVersionRefusal =
    "the server refused the handshake: alert 70 (protocol version)";

TEST(ProbeTest, DefaultServerAcceptsWhatPostgresql15DefaultsMean) {
  Sandbox sandbox;
  // PostgreSQL 15's defaults, read back from the server rather than assumed.
  ASSERT_EQ(sandbox.Query("SHOW ssl_ciphers")[0][0], "HIGH:MEDIUM:+3DES:!aNULL");
  ASSERT_EQ(sandbox.Query("SHOW ssl_min_protocol_version")[0][0], "TLSv1.2");
  ASSERT_EQ(sandbox.Query("SHOW ssl_max_protocol_version")[0][0], "");

  const ProbeResult result = ProbeSandbox(sandbox);
  ASSERT_FALSE(result.error.has_value()) << result.error->message;
  EXPECT_TRUE(result.complete());
  EXPECT_EQ(result.ssl_request_answer, SslRequestAnswer::kAccepted);
  EXPECT_EQ(result.address, "127.0.0.1:" + std::to_string(sandbox.port()));
  EXPECT_EQ(result.server_name, "");  // no SNI for an IP address, as libpq
  ASSERT_EQ(result.versions.size(), 4u);
  ExpectRejected(result, TlsVersion::kTls1_0, kProtocolVersionRefusal);
  ExpectRejected(result, TlsVersion::kTls1_1, kProtocolVersionRefusal);
  const Names expected_tls12 = ExpectedSuites("HIGH:MEDIUM:+3DES:!aNULL", TlsVersion::kTls1_2);
  EXPECT_EQ(expected_tls12.size(), 44u);
  ExpectAccepted(result, TlsVersion::kTls1_2, expected_tls12, CipherOrder::kServer);
  ExpectAccepted(result, TlsVersion::kTls1_3, kDefaultTls13Suites, CipherOrder::kServer);

  // Suites are sorted by name, with their IANA names and code points.
  const std::vector<CipherSuite>& tls13 = Version(result, TlsVersion::kTls1_3).accepted_suites;
  ASSERT_EQ(tls13.size(), 3u);
  EXPECT_EQ(tls13[0],
            (CipherSuite{"TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", 0x1301, 128}));
  const std::vector<CipherSuite>& tls12 = Version(result, TlsVersion::kTls1_2).accepted_suites;
  EXPECT_TRUE(std::is_sorted(tls12.begin(), tls12.end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
  const auto ecdhe = std::find_if(tls12.begin(), tls12.end(), [](const CipherSuite& suite) {
    return suite.name == "ECDHE-RSA-AES128-GCM-SHA256";
  });
  ASSERT_NE(ecdhe, tls12.end());
  EXPECT_EQ(ecdhe->iana_name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  EXPECT_EQ(ecdhe->id, 0xC02F);

  ASSERT_TRUE(result.latency.has_value());
  EXPECT_EQ(result.latency->samples, 3);
  EXPECT_LE(result.latency->min_ms, result.latency->median_ms);
  EXPECT_LE(result.latency->median_ms, result.latency->max_ms);
  EXPECT_GT(result.latency->min_ms, 0);
}

TEST(ProbeTest, LegacyServerAcceptsTls10AndNo3des) {
  Sandbox sandbox(SandboxOptions::legacy_tls());
  const std::string configured = "HIGH:MEDIUM:+3DES:!aNULL:@SECLEVEL=0";
  ASSERT_EQ(sandbox.Query("SHOW ssl_ciphers")[0][0], configured);

  const ProbeResult result = ProbeSandbox(sandbox);
  ASSERT_TRUE(result.complete());
  ExpectAccepted(result, TlsVersion::kTls1_0, ExpectedSuites(configured, TlsVersion::kTls1_0),
                 CipherOrder::kServer);
  ExpectAccepted(result, TlsVersion::kTls1_1, ExpectedSuites(configured, TlsVersion::kTls1_1),
                 CipherOrder::kServer);
  ExpectAccepted(result, TlsVersion::kTls1_2, ExpectedSuites(configured, TlsVersion::kTls1_2),
                 CipherOrder::kServer);
  ExpectAccepted(result, TlsVersion::kTls1_3, kDefaultTls13Suites, CipherOrder::kServer);
  EXPECT_EQ(AcceptedNames(Version(result, TlsVersion::kTls1_0)),
            (Names{"AES128-SHA", "AES256-SHA", "CAMELLIA128-SHA", "CAMELLIA256-SHA",
                   "DHE-RSA-AES128-SHA", "DHE-RSA-AES256-SHA", "DHE-RSA-CAMELLIA128-SHA",
                   "DHE-RSA-CAMELLIA256-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA"}));

  // '+3DES' is configured, but OpenSSL 3 has no 3DES suite to offer or accept.
  EXPECT_TRUE(ExpandCipherString("3DES").empty());
  for (const VersionResult& version : result.versions) {
    for (const CipherSuite& suite : version.accepted_suites) {
      EXPECT_EQ(suite.name.find("DES-CBC3"), std::string::npos) << suite.name;
    }
  }
}

TEST(ProbeTest, MinimumTls10WithoutSecurityLevel0HasNoEffect) {
  SandboxOptions options;
  options.settings["ssl_min_protocol_version"] = "'TLSv1'";
  Sandbox sandbox(options);
  ASSERT_EQ(sandbox.Query("SHOW ssl_min_protocol_version")[0][0], "TLSv1");

  const ProbeResult result = ProbeSandbox(sandbox);
  ASSERT_TRUE(result.complete());
  // The configuration says TLS 1.0; the server cannot do it.
  const std::string internal_error = "the server refused the handshake: alert 80 (internal error)";
  ExpectRejected(result, TlsVersion::kTls1_0, internal_error);
  ExpectRejected(result, TlsVersion::kTls1_1, internal_error);
  EXPECT_NE(ReadText(sandbox.server_log()).find("no suitable signature algorithm"),
            std::string::npos);
  ExpectAccepted(result, TlsVersion::kTls1_2,
                 ExpectedSuites("HIGH:MEDIUM:+3DES:!aNULL", TlsVersion::kTls1_2),
                 CipherOrder::kServer);
  ExpectAccepted(result, TlsVersion::kTls1_3, kDefaultTls13Suites, CipherOrder::kServer);
}

TEST(ProbeTest, VersionRangeAndCipherStringBoundWhatIsAccepted) {
  const std::string configured =
      "ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:CAMELLIA128-SHA:@SECLEVEL=0";
  SandboxOptions options;
  options.settings["ssl_min_protocol_version"] = "'TLSv1.1'";
  options.settings["ssl_max_protocol_version"] = "'TLSv1.2'";
  options.settings["ssl_ciphers"] = "'" + configured + "'";
  Sandbox sandbox(options);

  const ProbeResult result = ProbeSandbox(sandbox);
  ASSERT_TRUE(result.complete());
  ExpectRejected(result, TlsVersion::kTls1_0, kProtocolVersionRefusal);
  // AES128-GCM-SHA256 needs TLS 1.2.
  const Names tls11 = {"CAMELLIA128-SHA", "ECDHE-RSA-AES256-SHA"};
  EXPECT_EQ(ExpectedSuites(configured, TlsVersion::kTls1_1), tls11);
  ExpectAccepted(result, TlsVersion::kTls1_1, tls11, CipherOrder::kServer);
  const Names tls12 = {"AES128-GCM-SHA256", "CAMELLIA128-SHA", "ECDHE-RSA-AES256-SHA"};
  EXPECT_EQ(ExpectedSuites(configured, TlsVersion::kTls1_2), tls12);
  ExpectAccepted(result, TlsVersion::kTls1_2, tls12, CipherOrder::kServer);
  ExpectRejected(result, TlsVersion::kTls1_3, kProtocolVersionRefusal);
}

TEST(ProbeTest, LatencySamplesOutlastTheFirstVersionsSuites) {
  SandboxOptions options;
  options.settings["ssl_min_protocol_version"] = "'TLSv1.2'";
  options.settings["ssl_max_protocol_version"] = "'TLSv1.2'";
  options.settings["ssl_ciphers"] = "'AES128-GCM-SHA256'";
  Sandbox sandbox(options);

  const ProbeResult result = ProbeSandbox(sandbox, {.concurrency = 1});
  ASSERT_TRUE(result.complete());
  ExpectAccepted(result, TlsVersion::kTls1_2, {"AES128-GCM-SHA256"}, std::nullopt);
  // The first contact found TLS 1.2's one suite, and the next complete handshake its refusal
  // of the rest, which is no sample: two more handshakes offering everything give the
  // samples. TLS 1.0, 1.1 and 1.3 cost one refusal each.
  ASSERT_TRUE(result.latency.has_value());
  EXPECT_EQ(result.latency->samples, 3);
  EXPECT_EQ(result.handshakes, 1 + 1 + 2 + 3);
}

TEST(ProbeTest, Tls13SuitesIgnoreSslCiphersAndClientOrderIsSeen) {
  SandboxOptions options;
  options.settings["ssl_ciphers"] = "'AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256'";
  options.settings["ssl_prefer_server_ciphers"] = "off";
  Sandbox sandbox(options);

  const ProbeResult result = ProbeSandbox(sandbox);
  ASSERT_TRUE(result.complete());
  ExpectAccepted(result, TlsVersion::kTls1_2, {"AES256-SHA", "ECDHE-RSA-AES128-GCM-SHA256"},
                 CipherOrder::kClient);
  ExpectAccepted(result, TlsVersion::kTls1_3, kDefaultTls13Suites, CipherOrder::kClient);
}

// The certificate as OpenSSL reads it from the sandbox's file, for comparisons that do not go
// through the probe's code.
struct FileCertificate {
  std::unique_ptr<X509, decltype(&X509_free)> certificate{nullptr, X509_free};

  explicit FileCertificate(const std::filesystem::path& path) {
    FILE* file = std::fopen(path.c_str(), "r");
    certificate.reset(PEM_read_X509(file, nullptr, nullptr, nullptr));
    std::fclose(file);
  }
  std::string serial() const {
    const ASN1_INTEGER* serial = X509_get0_serialNumber(certificate.get());
    std::string hex;
    for (int i = 0; i < ASN1_STRING_length(serial); ++i) {
      char pair[3];
      std::snprintf(pair, sizeof pair, "%02X", ASN1_STRING_get0_data(serial)[i]);
      hex += pair;
    }
    return hex;
  }
  // Seconds from `time` to the certificate's date (ASN1_TIME_diff, independent of the probe).
  static long SecondsUntil(const ASN1_TIME* date, std::chrono::sys_seconds time) {
    std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> from(
        ASN1_TIME_set(nullptr, time.time_since_epoch().count()), ASN1_TIME_free);
    int days = 0, seconds = 0;
    ASN1_TIME_diff(&days, &seconds, from.get(), date);
    return days * 86400L + seconds;
  }
  std::string fingerprint() const {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    X509_digest(certificate.get(), EVP_sha256(), digest, &length);
    std::string text;
    for (unsigned int i = 0; i < length; ++i) {
      char pair[4];
      std::snprintf(pair, sizeof pair, "%s%02X", i == 0 ? "" : ":", digest[i]);
      text += pair;
    }
    return text;
  }
};

TEST(ProbeTest, CertificateFactsAreThoseOfTheSandboxCertificate) {
  SandboxOptions options;
  // Short-lived, as the expiry rule needs: three days from now.
  options.server_certificate = sandbox::CertificateSpec{.common_name = "db.pgward.test",
                                                        .dns_names = {"db.pgward.test"},
                                                        .ip_addresses = {"127.0.0.1"},
                                                        .key_type = sandbox::KeyType::kEcP256,
                                                        .valid_days = 3};
  Sandbox sandbox(options);
  const ProbeResult result = ProbeSandbox(sandbox);
  ASSERT_TRUE(result.complete());
  ASSERT_TRUE(result.chain.has_value());
  const ChainFacts& chain = *result.chain;
  // PostgreSQL sends the leaf and the CA it found in ssl_ca_file.
  ASSERT_EQ(chain.certificates.size(), 2u);
  const CertificateFacts& leaf = chain.certificates[0];
  const FileCertificate file(sandbox.server_certificate());

  EXPECT_EQ(leaf.subject, "CN=db.pgward.test,O=pgward sandbox");
  EXPECT_EQ(leaf.issuer, "CN=pgward sandbox CA,O=pgward sandbox");
  EXPECT_EQ(leaf.dns_names, std::vector<std::string>{"db.pgward.test"});
  EXPECT_EQ(leaf.ip_addresses, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(leaf.serial, file.serial());
  ASSERT_TRUE(leaf.not_before && leaf.not_after);
  EXPECT_EQ(
      FileCertificate::SecondsUntil(X509_get0_notBefore(file.certificate.get()), *leaf.not_before),
      0);
  EXPECT_EQ(
      FileCertificate::SecondsUntil(X509_get0_notAfter(file.certificate.get()), *leaf.not_after),
      0);
  EXPECT_EQ(*leaf.not_after - *leaf.not_before, std::chrono::days(3));
  // Issued seconds before the probe: 2 days 23 hours and some minutes are left.
  EXPECT_EQ(leaf.days_to_expiry, 2);
  EXPECT_EQ(leaf.key_type, "EC");
  EXPECT_EQ(leaf.key_bits, 256);
  EXPECT_EQ(leaf.key_curve, "prime256v1");
  EXPECT_EQ(leaf.signature_algorithm, "sha256WithRSAEncryption");  // signed by the RSA CA
  EXPECT_FALSE(leaf.self_signed);
  EXPECT_EQ(leaf.sha256_fingerprint, file.fingerprint());

  const CertificateFacts& ca = chain.certificates[1];
  EXPECT_EQ(ca.subject, "CN=pgward sandbox CA,O=pgward sandbox");
  EXPECT_TRUE(ca.self_signed);
  EXPECT_EQ(ca.key_type, "RSA");
  EXPECT_EQ(ca.key_bits, 2048);
  EXPECT_EQ(ca.key_curve, "");
  EXPECT_EQ(ca.sha256_fingerprint, FileCertificate(sandbox.pki().ca_certificate()).fingerprint());

  EXPECT_EQ(chain.trust_store, sandbox.pki().ca_certificate().string());
  EXPECT_TRUE(chain.verified);
  EXPECT_EQ(chain.verification_error, "");
  EXPECT_EQ(chain.checked_name, "127.0.0.1");
  EXPECT_TRUE(chain.name_matches);
}

// A server may send a certificate whose validity time OpenSSL cannot read (a UTCTime of month
// 13): its dates are not known, and their facts stay null, missing evidence for the rules that
// read them, where they read as 1899-12-31 before and so as long expired.
TEST(ProbeTest, AnUnreadableCertificateTimeIsNotKnownRatherThan1899) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> certificate(X509_new(), X509_free);
  ASSERT_TRUE(key && certificate);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("db.pgward.test"), -1, -1, 0);
  X509_set_issuer_name(certificate.get(), name);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), 0);
  const char malformed[] = "261332000000Z";  // month 13, day 32
  ASSERT_EQ(ASN1_STRING_set(X509_getm_notAfter(certificate.get()), malformed, sizeof malformed - 1),
            1);
  X509_set_pubkey(certificate.get(), key.get());
  ASSERT_GT(X509_sign(certificate.get(), key.get(), EVP_sha256()), 0);

  const CertificateFacts facts =
      probe::DescribeCertificate(certificate.get(), std::chrono::system_clock::now());
  EXPECT_TRUE(facts.not_before.has_value());
  EXPECT_FALSE(facts.not_after.has_value());
  EXPECT_FALSE(facts.days_to_expiry.has_value());

  ProbeResult result;
  result.chain =
      ChainFacts{{facts},          "system", false, "format error in certificate's notAfter field",
                 "db.pgward.test", true};
  FactSet fact_set;
  std::vector<EvidenceError> errors;
  probe::AddProbeFacts("db1", result, nullptr, fact_set, errors);
  const FactTable& certificates = fact_set.table(FactKind::kCertificate);
  ASSERT_EQ(certificates.size(), 1u);
  EXPECT_TRUE(certificates.Integer(0, FieldOf<FactKind::kCertificate>("not_before")).has_value());
  EXPECT_FALSE(certificates.Integer(0, FieldOf<FactKind::kCertificate>("not_after")).has_value());
  EXPECT_FALSE(
      certificates.Integer(0, FieldOf<FactKind::kCertificate>("days_to_expiry")).has_value());
}

TEST(ProbeTest, ServerNameIsSentAndMatchedAndTheSystemStoreDoesNotTrustTheSandbox) {
  Sandbox sandbox;  // certificate for localhost and 127.0.0.1
  const ProbeResult matching = ProbeSandbox(sandbox, {.server_name = "localhost"});
  ASSERT_TRUE(matching.chain.has_value());
  EXPECT_EQ(matching.server_name, "localhost");
  EXPECT_EQ(matching.chain->checked_name, "localhost");
  EXPECT_TRUE(matching.chain->name_matches);

  const ProbeResult other = ProbeSandbox(sandbox, {.server_name = "db.example.com"});
  ASSERT_TRUE(other.chain.has_value());
  EXPECT_EQ(other.chain->checked_name, "db.example.com");
  EXPECT_FALSE(other.chain->name_matches);
  EXPECT_TRUE(other.chain->verified);  // the chain is fine, the name is not

  ProbeOptions system_store{.host = sandbox.host(), .port = sandbox.port()};
  const ProbeResult untrusted = Probe(system_store);
  ASSERT_TRUE(untrusted.chain.has_value());
  EXPECT_EQ(untrusted.chain->trust_store, "system");
  EXPECT_FALSE(untrusted.chain->verified);
  EXPECT_EQ(untrusted.chain->verification_error, "self-signed certificate in certificate chain");
  // Trust is reported, not required: the enumeration ran all the same.
  EXPECT_TRUE(untrusted.complete());
  EXPECT_EQ(Version(untrusted, TlsVersion::kTls1_3).status, VersionStatus::kAccepted);
}

TEST(ProbeTest, SslOffServerRefusesTls) {
  Sandbox sandbox(SandboxOptions::ssl_off());
  const ProbeResult result = ProbeSandbox(sandbox);
  EXPECT_FALSE(result.error.has_value());
  EXPECT_TRUE(result.complete());
  EXPECT_TRUE(result.tls_refused());
  EXPECT_EQ(result.ssl_request_answer, SslRequestAnswer::kRefused);
  EXPECT_TRUE(result.versions.empty());
  EXPECT_FALSE(result.chain.has_value());
  EXPECT_EQ(result.handshakes, 1);
}

TEST(ProbeTest, DirectTlsAgainstPostgresql15IsAClearError) {
  Sandbox sandbox;
  const ProbeResult result = ProbeSandbox(sandbox, {.start = TlsStart::kDirect});
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->kind, ErrorKind::kClosedDuringHandshake);
  EXPECT_EQ(result.error->message,
            "the server closed the connection during the TLS handshake: servers before "
            "PostgreSQL 17 do not accept direct TLS (probe without --direct)");
  EXPECT_FALSE(result.complete());
  EXPECT_FALSE(result.ssl_request_answer.has_value());
  EXPECT_TRUE(result.versions.empty());
  // PostgreSQL 15 took the ClientHello for a startup packet.
  EXPECT_NE(ReadText(sandbox.server_log()).find("invalid length of startup packet"),
            std::string::npos);
}

TEST(ProbeTest, DirectTlsWithAlpnIsEnumerated) {
  char pattern[] = "/tmp/pgward-direct-probe-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::filesystem::path directory = pattern;
  {
    const sandbox::TestPki pki(directory);
    const sandbox::TestPki::Issued issued =
        pki.Issue("server", {.common_name = "localhost",
                             .ip_addresses = {"127.0.0.1"},
                             .key_type = sandbox::KeyType::kRsa2048});
    testing::TestServer server(testing::DirectTlsServer(
        {.certificate = issued.certificate,
         .private_key = issued.private_key,
         .cipher_list = "ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA:DHE-RSA-AES256-SHA"}));
    const ProbeResult result = Probe({.host = "127.0.0.1",
                                      .port = server.port(),
                                      .start = TlsStart::kDirect,
                                      .ca_file = pki.ca_certificate()});
    ASSERT_FALSE(result.error.has_value()) << result.error->message;
    EXPECT_TRUE(result.complete());
    EXPECT_FALSE(result.ssl_request_answer.has_value());
    ExpectRejected(result, TlsVersion::kTls1_0, kProtocolVersionRefusal);
    ExpectRejected(result, TlsVersion::kTls1_1, kProtocolVersionRefusal);
    // The test server has no DH parameters: DHE-RSA-AES256-SHA is configured but unusable.
    ExpectAccepted(result, TlsVersion::kTls1_2, {"AES128-SHA", "ECDHE-RSA-AES256-GCM-SHA384"},
                   CipherOrder::kServer);
    ExpectAccepted(result, TlsVersion::kTls1_3, kDefaultTls13Suites, CipherOrder::kServer);
    ASSERT_TRUE(result.chain.has_value());
    EXPECT_EQ(result.chain->certificates.size(), 1u);
    EXPECT_TRUE(result.chain->verified);
  }
  std::filesystem::remove_all(directory);
}

TEST(ProbeTest, UnreachableAndForeignServersAreErrorsNotFindings) {
  const ProbeResult refused = Probe({.host = "127.0.0.1", .port = testing::ClosedPort()});
  ASSERT_TRUE(refused.error.has_value());
  EXPECT_EQ(refused.error->kind, ErrorKind::kConnectionRefused);
  EXPECT_FALSE(refused.complete());
  EXPECT_TRUE(refused.versions.empty());

  testing::TestServer http(testing::AnswerLikeHttp);
  const ProbeResult foreign = Probe({.host = "127.0.0.1", .port = http.port()});
  ASSERT_TRUE(foreign.error.has_value());
  EXPECT_EQ(foreign.error->kind, ErrorKind::kNotPostgresql);
  EXPECT_EQ(foreign.address, "127.0.0.1:" + std::to_string(http.port()));

  testing::TestServer dropping(testing::AcceptTlsThenClose);
  const ProbeResult dropped = Probe({.host = "127.0.0.1", .port = dropping.port()});
  ASSERT_TRUE(dropped.error.has_value());
  EXPECT_EQ(dropped.error->kind, ErrorKind::kClosedDuringHandshake);
  EXPECT_EQ(dropped.ssl_request_answer, SslRequestAnswer::kAccepted);

  testing::TestServer silent(testing::StaySilent);
  const ProbeResult hanging = Probe(
      {.host = "127.0.0.1", .port = silent.port(), .timeout = std::chrono::milliseconds(200)});
  ASSERT_TRUE(hanging.error.has_value());
  EXPECT_EQ(hanging.error->kind, ErrorKind::kTimedOut);
  // The run's deadline comes before the step's timeout: the probe ends there, and says why.
  const auto started = std::chrono::steady_clock::now();
  const ProbeResult at_deadline =
      Probe({.host = "127.0.0.1",
             .port = silent.port(),
             .timeout = std::chrono::minutes(10),
             .end = std::chrono::steady_clock::now() + std::chrono::milliseconds(200)});
  ASSERT_TRUE(at_deadline.error.has_value());
  EXPECT_EQ(at_deadline.error->kind, ErrorKind::kTimedOut);
  EXPECT_NE(at_deadline.error->message.find("stopped at the run's deadline while waiting for the "
                                            "answer to SSLRequest"),
            std::string::npos)
      << at_deadline.error->message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::minutes(1));
  // Past it, nothing starts.
  const ProbeResult after_deadline =
      Probe({.host = "127.0.0.1", .port = silent.port(), .end = std::chrono::steady_clock::now()});
  ASSERT_TRUE(after_deadline.error.has_value());
  EXPECT_EQ(after_deadline.error->message, "not probed further: the run's deadline passed first");
  EXPECT_EQ(after_deadline.handshakes, 0);

  const ProbeResult bad_options = Probe({.host = "127.0.0.1", .port = 5432, .concurrency = 0});
  ASSERT_TRUE(bad_options.error.has_value());
  EXPECT_EQ(bad_options.error->kind, ErrorKind::kInvalidArgument);
}

TEST(ProbeTest, ConcurrencyChangesTheTimeNotTheFacts) {
  Sandbox sandbox(SandboxOptions::legacy_tls());
  const ProbeResult sequential = ProbeSandbox(sandbox, {.concurrency = 1});
  const ProbeResult parallel = ProbeSandbox(sandbox, {.concurrency = 8});
  ASSERT_TRUE(sequential.complete());
  ASSERT_TRUE(parallel.complete());
  ASSERT_EQ(sequential.versions.size(), parallel.versions.size());
  for (size_t i = 0; i < sequential.versions.size(); ++i) {
    EXPECT_EQ(sequential.versions[i].accepted_suites, parallel.versions[i].accepted_suites);
    EXPECT_EQ(sequential.versions[i].cipher_order, parallel.versions[i].cipher_order);
  }
  // One after the other, every version costs accepted + 1 handshakes, and nothing else: the
  // three latency samples are the first three steps of TLS 1.3's enumeration, made as complete
  // handshakes (the first also read the certificate). The sandbox orders suites itself, which
  // the picks from the reversed offers show: no handshake is spent on the order.
  ASSERT_TRUE(sequential.latency.has_value());
  EXPECT_EQ(sequential.latency->samples, 3);
  int expected = 0;
  for (const VersionResult& version : sequential.versions) {
    expected += static_cast<int>(version.accepted_suites.size()) + 1;
    if (version.accepted_suites.size() >= 2) {
      EXPECT_EQ(version.cipher_order, CipherOrder::kServer) << TlsVersionName(version.version);
    }
  }
  EXPECT_EQ(sequential.handshakes, expected);
}

}  // namespace
}  // namespace pgward::probe
