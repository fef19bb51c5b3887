#include "reporters/probe_report.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <ostream>

#include "reporters/printable.h"

namespace pgward::reporters {

using probe::CertificateFacts;
using probe::ChainFacts;
using probe::CipherOrder;
using probe::CipherSuite;
using probe::Error;
using probe::ProbeResult;
using probe::SslRequestAnswer;
using probe::TlsStart;
using probe::VersionResult;
using probe::VersionStatus;

namespace {

using Json = nlohmann::ordered_json;

std::string IsoTime(std::chrono::sys_seconds time) {
  const std::time_t seconds = time.time_since_epoch().count();
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string SuiteId(std::uint16_t id) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%04X", id);
  return text;
}

// Latencies to the microsecond: more digits would only be noise.
double RoundToMicroseconds(double milliseconds) { return std::round(milliseconds * 1000) / 1000; }

std::string_view StatusName(VersionStatus status) {
  switch (status) {
    case VersionStatus::kAccepted:
      return "accepted";
    case VersionStatus::kRejected:
      return "rejected";
    case VersionStatus::kIncomplete:
      return "incomplete";
  }
  return "unknown";
}

std::string_view OrderName(CipherOrder order) {
  switch (order) {
    case CipherOrder::kServer:
      return "server";
    case CipherOrder::kClient:
      return "client";
    case CipherOrder::kUndetermined:
      return "undetermined";
  }
  return "unknown";
}

Json ErrorToJson(const std::optional<Error>& error) {
  if (!error.has_value()) return nullptr;
  Json object;
  object["kind"] = ErrorKindName(error->kind);
  object["message"] = error->message;
  object["alert"] = error->alert.has_value() ? Json(*error->alert) : Json(nullptr);
  return object;
}

Json OptionalText(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

Json CertificateToJson(const CertificateFacts& certificate) {
  Json object;
  object["subject"] = certificate.subject;
  object["issuer"] = certificate.issuer;
  object["dns_names"] = certificate.dns_names;
  object["ip_addresses"] = certificate.ip_addresses;
  object["serial"] = certificate.serial;
  object["not_before"] = certificate.not_before ? Json(IsoTime(*certificate.not_before)) : Json();
  object["not_after"] = certificate.not_after ? Json(IsoTime(*certificate.not_after)) : Json();
  object["days_to_expiry"] =
      certificate.days_to_expiry ? Json(*certificate.days_to_expiry) : Json();
  object["key_type"] = certificate.key_type;
  object["key_bits"] = certificate.key_bits;
  object["key_curve"] = OptionalText(certificate.key_curve);
  object["signature_algorithm"] = certificate.signature_algorithm;
  object["self_signed"] = certificate.self_signed;
  object["sha256_fingerprint"] = certificate.sha256_fingerprint;
  return object;
}

Json VersionToJson(const VersionResult& version) {
  Json object;
  object["version"] = TlsVersionName(version.version);
  object["status"] = StatusName(version.status);
  Json suites = Json::array();
  for (const CipherSuite& suite : version.accepted_suites) {
    suites.push_back(
        {{"name", suite.name}, {"iana_name", suite.iana_name}, {"id", SuiteId(suite.id)}});
  }
  object["accepted_suites"] = std::move(suites);
  object["cipher_order"] =
      version.cipher_order.has_value() ? Json(OrderName(*version.cipher_order)) : Json(nullptr);
  object["refusal"] = OptionalText(version.refusal);
  object["error"] = ErrorToJson(version.error);
  return object;
}

void WriteCertificateText(const CertificateFacts& certificate, std::size_t index,
                          std::ostream& out) {
  std::string names;
  for (const std::string& dns : certificate.dns_names) {
    names += (names.empty() ? "DNS:" : ", DNS:") + Printable(dns);
  }
  for (const std::string& ip : certificate.ip_addresses) {
    names += (names.empty() ? "IP:" : ", IP:") + ip;
  }
  out << "  [" << index << "] subject      " << Printable(certificate.subject) << "\n"
      << "      issuer       " << Printable(certificate.issuer) << "\n"
      << "      alt names    " << (names.empty() ? "(none)" : names) << "\n"
      << "      serial       " << certificate.serial << "\n"
      << "      valid        "
      << (certificate.not_before ? IsoTime(*certificate.not_before) : "(unreadable)") << " to "
      << (certificate.not_after ? IsoTime(*certificate.not_after) : "(unreadable)")
      << (certificate.days_to_expiry
              ? " (" + std::to_string(*certificate.days_to_expiry) + " days to expiry)"
              : "")
      << "\n"
      << "      key          " << certificate.key_type << " " << certificate.key_bits
      << (certificate.key_curve.empty() ? "" : " " + certificate.key_curve) << "\n"
      << "      signature    " << certificate.signature_algorithm << "\n"
      << "      self-signed  " << (certificate.self_signed ? "yes" : "no") << "\n"
      << "      sha256       " << certificate.sha256_fingerprint << "\n";
}

}  // namespace

Json ProbeResultToJson(const ProbeResult& result) {
  Json target;
  target["host"] = result.host;
  target["port"] = result.port;
  target["address"] = OptionalText(result.address);
  target["tls_start"] = result.start == TlsStart::kDirect ? "direct" : "ssl_request";
  target["server_name"] = OptionalText(result.server_name);

  Json document;
  document["target"] = std::move(target);
  document["complete"] = result.complete();
  document["error"] = ErrorToJson(result.error);
  document["ssl_request_answer"] =
      !result.ssl_request_answer.has_value()
          ? Json(nullptr)
          : Json(*result.ssl_request_answer == SslRequestAnswer::kAccepted ? "S" : "N");
  document["tls_refused"] = result.tls_refused();
  Json versions = Json::array();
  for (const VersionResult& version : result.versions) versions.push_back(VersionToJson(version));
  document["versions"] = std::move(versions);

  if (result.chain.has_value()) {
    const ChainFacts& chain = *result.chain;
    Json facts;
    facts["trust_store"] = chain.trust_store;
    facts["verified"] = chain.verified;
    facts["verification_error"] = OptionalText(chain.verification_error);
    facts["checked_name"] = chain.checked_name;
    facts["name_matches"] = chain.name_matches;
    Json certificates = Json::array();
    for (const CertificateFacts& certificate : chain.certificates) {
      certificates.push_back(CertificateToJson(certificate));
    }
    facts["certificates"] = std::move(certificates);
    document["certificate_chain"] = std::move(facts);
  } else {
    document["certificate_chain"] = nullptr;
  }

  if (result.latency.has_value()) {
    document["handshake_latency"] = {{"samples", result.latency->samples},
                                     {"median_ms", RoundToMicroseconds(result.latency->median_ms)},
                                     {"min_ms", RoundToMicroseconds(result.latency->min_ms)},
                                     {"max_ms", RoundToMicroseconds(result.latency->max_ms)}};
  } else {
    document["handshake_latency"] = nullptr;
  }
  document["latency_error"] = ErrorToJson(result.latency_error);
  document["handshakes"] = result.handshakes;
  return document;
}

void WriteProbeJson(const ProbeResult& result, std::ostream& out) {
  // Certificate fields are the server's bytes: invalid UTF-8 becomes U+FFFD instead of throwing.
  out << ProbeResultToJson(result).dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

void WriteProbeText(const ProbeResult& result, std::ostream& out) {
  out << "TLS probe of " << result.host << " port " << result.port << " ("
      << (result.start == TlsStart::kDirect ? "direct TLS, ALPN postgresql" : "SSLRequest")
      << ")\n";
  if (!result.address.empty()) out << "  address      " << result.address << "\n";
  out << "  SNI          " << (result.server_name.empty() ? "(none)" : result.server_name) << "\n";
  if (result.ssl_request_answer.has_value()) {
    out << "  SSLRequest   "
        << (result.tls_refused() ? "answered 'N': the server refuses TLS"
                                 : "answered 'S': the server offers TLS")
        << "\n";
  }
  if (result.error.has_value()) {
    out << "  error        " << result.error->message << "\n";
    return;
  }
  if (result.tls_refused()) return;

  out << "\nProtocol versions\n";
  for (const VersionResult& version : result.versions) {
    out << "  " << TlsVersionName(version.version)
        << std::string(9 - TlsVersionName(version.version).size(), ' ')
        << StatusName(version.status);
    if (version.status == VersionStatus::kRejected) {
      out << " (" << version.refusal << ")";
    } else {
      out << ", " << version.accepted_suites.size()
          << (version.accepted_suites.size() == 1 ? " suite" : " suites");
      if (version.cipher_order.has_value()) {
        out << ", " << OrderName(*version.cipher_order) << " order";
      }
    }
    out << "\n";
    if (version.error.has_value()) out << "      error: " << version.error->message << "\n";
    for (const CipherSuite& suite : version.accepted_suites) {
      out << "      " << suite.name
          << std::string(suite.name.size() < 32 ? 32 - suite.name.size() : 1, ' ')
          << SuiteId(suite.id) << "  " << suite.iana_name << "\n";
    }
  }

  if (result.chain.has_value()) {
    const ChainFacts& chain = *result.chain;
    out << "\nCertificate chain (" << chain.certificates.size() << " sent)\n"
        << "  verified     " << (chain.verified ? "yes" : "no: " + chain.verification_error)
        << " (trust store " << chain.trust_store << ")\n"
        << "  name         " << chain.checked_name
        << (chain.name_matches ? " matches the certificate" : " does not match the certificate")
        << "\n";
    for (std::size_t i = 0; i < chain.certificates.size(); ++i) {
      WriteCertificateText(chain.certificates[i], i, out);
    }
  }

  out << "\n";
  if (result.latency.has_value()) {
    char line[128];
    std::snprintf(line, sizeof line,
                  "Handshake latency: median %.3f ms over %d handshakes (min %.3f, max %.3f)\n",
                  result.latency->median_ms, result.latency->samples, result.latency->min_ms,
                  result.latency->max_ms);
    out << line;
  } else if (result.latency_error.has_value()) {
    out << "Handshake latency: not measured: " << result.latency_error->message << "\n";
  }
  out << "Handshakes: " << result.handshakes << "\n";
  if (!result.complete()) out << "Incomplete: some facts could not be determined (see errors)\n";
}

}  // namespace pgward::reporters
