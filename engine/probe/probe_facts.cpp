#include "engine/probe/probe_facts.h"

#include <algorithm>

namespace pgward::probe {
namespace {

std::string ProbeTarget(const ProbeResult& result) {
  return result.address.empty() ? result.host + ":" + std::to_string(result.port) : result.address;
}

void AddCertificateFacts(std::string_view server, const ChainFacts& chain, FactSet& facts) {
  FactTable& table = facts.table(FactKind::kCertificate);
  const size_t server_field = FieldOf<FactKind::kCertificate>("server");
  const size_t depth_field = FieldOf<FactKind::kCertificate>("depth");
  const size_t subject = FieldOf<FactKind::kCertificate>("subject");
  const size_t issuer = FieldOf<FactKind::kCertificate>("issuer");
  const size_t serial = FieldOf<FactKind::kCertificate>("serial");
  const size_t sans = FieldOf<FactKind::kCertificate>("sans");
  const size_t not_before = FieldOf<FactKind::kCertificate>("not_before");
  const size_t not_after = FieldOf<FactKind::kCertificate>("not_after");
  const size_t days = FieldOf<FactKind::kCertificate>("days_to_expiry");
  const size_t key_type = FieldOf<FactKind::kCertificate>("key_type");
  const size_t key_bits = FieldOf<FactKind::kCertificate>("key_bits");
  const size_t signature = FieldOf<FactKind::kCertificate>("signature_algorithm");
  const size_t self_signed = FieldOf<FactKind::kCertificate>("self_signed");
  const size_t verified = FieldOf<FactKind::kCertificate>("chain_verified");
  const size_t hostname_match = FieldOf<FactKind::kCertificate>("hostname_match");
  for (size_t depth = 0; depth < chain.certificates.size(); ++depth) {
    const CertificateFacts& certificate = chain.certificates[depth];
    const size_t row = table.AppendRow();
    table.SetString(row, server_field, server);
    table.SetInteger(row, depth_field, static_cast<std::int64_t>(depth));
    table.SetString(row, subject, certificate.subject);
    table.SetString(row, issuer, certificate.issuer);
    table.SetString(row, serial, certificate.serial);
    std::vector<std::string> names;
    for (const std::string& name : certificate.dns_names) names.push_back("DNS:" + name);
    for (const std::string& address : certificate.ip_addresses) names.push_back("IP:" + address);
    table.SetStringList(row, sans, names);
    // A time that cannot be read stays null: missing evidence.
    if (certificate.not_before) {
      table.SetInteger(row, not_before, certificate.not_before->time_since_epoch().count());
    }
    if (certificate.not_after) {
      table.SetInteger(row, not_after, certificate.not_after->time_since_epoch().count());
    }
    if (certificate.days_to_expiry) table.SetInteger(row, days, *certificate.days_to_expiry);
    table.SetString(row, key_type, certificate.key_type);
    table.SetInteger(row, key_bits, certificate.key_bits);
    table.SetString(row, signature, certificate.signature_algorithm);
    table.SetBool(row, self_signed, certificate.self_signed);
    table.SetBool(row, verified, chain.verified);
    // The host name is matched against the server's own certificate only.
    if (depth == 0) table.SetBool(row, hostname_match, chain.name_matches);
  }
}

void AddVersionFacts(std::string_view server, const VersionResult& version,
                     const ConfiguredTls* configured, FactSet& facts) {
  FactTable& protocols = facts.table(FactKind::kProbeProtocol);
  const size_t row = protocols.AppendRow();
  protocols.SetString(row, FieldOf<FactKind::kProbeProtocol>("server"), server);
  protocols.SetTlsVersion(row, FieldOf<FactKind::kProbeProtocol>("version"), version.version);
  if (version.status != VersionStatus::kIncomplete) {
    protocols.SetBool(row, FieldOf<FactKind::kProbeProtocol>("accepted"),
                      version.status == VersionStatus::kAccepted);
  }
  if (configured != nullptr) {
    protocols.SetBool(row, FieldOf<FactKind::kProbeProtocol>("configured"),
                      configured->AllowsVersion(version.version));
  }
  if (version.status == VersionStatus::kAccepted) {
    std::vector<std::string_view> names;
    for (const CipherSuite& suite : version.accepted_suites) names.push_back(suite.name);
    protocols.SetStringList(row, FieldOf<FactKind::kProbeProtocol>("ciphers"), names);
  }

  FactTable& ciphers = facts.table(FactKind::kProbeCipher);
  for (const CipherSuite& suite : version.accepted_suites) {
    const size_t cipher_row = ciphers.AppendRow();
    ciphers.SetString(cipher_row, FieldOf<FactKind::kProbeCipher>("server"), server);
    ciphers.SetTlsVersion(cipher_row, FieldOf<FactKind::kProbeCipher>("version"), version.version);
    ciphers.SetString(cipher_row, FieldOf<FactKind::kProbeCipher>("cipher"), suite.name);
    ciphers.SetInteger(cipher_row, FieldOf<FactKind::kProbeCipher>("bits"), suite.bits);
    if (configured == nullptr) continue;
    // ssl_ciphers governs TLS 1.2 and older; ssl_tls13_ciphers, when set (18+), TLS 1.3, whose
    // suites are otherwise OpenSSL's defaults: nothing to compare them with.
    const bool tls13 = version.version == TlsVersion::kTls1_3;
    const std::vector<std::string>* governing =
        tls13 ? (configured->tls13_ciphers ? &*configured->tls13_ciphers : nullptr)
              : &configured->ciphers;
    if (governing == nullptr) continue;
    ciphers.SetBool(
        cipher_row, FieldOf<FactKind::kProbeCipher>("configured"),
        std::find(governing->begin(), governing->end(), suite.name) != governing->end());
    ciphers.SetString(cipher_row, FieldOf<FactKind::kProbeCipher>("setting"),
                      tls13 ? "ssl_tls13_ciphers" : "ssl_ciphers");
  }
}

}  // namespace

bool ConfiguredTls::AllowsVersion(TlsVersion version) const {
  return ssl && (!min_version || *min_version <= version) &&
         (!max_version || version <= *max_version);
}

void AddProbeFacts(std::string_view server, const ProbeResult& result,
                   const ConfiguredTls* configured, FactSet& facts,
                   std::vector<EvidenceError>& errors) {
  const std::string target = ProbeTarget(result);
  auto add_error = [&](const std::string& message) {
    errors.push_back({std::string(server), "TLS probe of " + target + ": " + message, {}});
  };
  if (result.error) {
    add_error(result.error->message);
    return;
  }
  if (result.tls_refused()) {
    for (TlsVersion version : kAllTlsVersions) {
      AddVersionFacts(server, VersionResult{.version = version, .status = VersionStatus::kRejected},
                      configured, facts);
    }
    return;
  }
  bool any_accepted = false;
  for (const VersionResult& version : result.versions) {
    AddVersionFacts(server, version, configured, facts);
    if (version.status == VersionStatus::kIncomplete) {
      add_error(std::string(TlsVersionName(version.version)) + ": " +
                (version.error ? version.error->message : "not determined"));
    }
    any_accepted = any_accepted || version.status == VersionStatus::kAccepted;
  }
  if (result.chain) {
    AddCertificateFacts(server, *result.chain, facts);
  } else if (any_accepted) {
    add_error("the server's certificate chain could not be obtained");
  }
}

}  // namespace pgward::probe
