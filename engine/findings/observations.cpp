#include "engine/findings/observations.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "engine/model/fact_schema.h"
#include "engine/model/ip.h"
#include "engine/model/tls_version.h"

namespace pgward {
namespace {

std::string Text(const FactTable& table, size_t row, size_t field) {
  return std::string(table.String(row, field).value_or(""));
}

// Loopback is the server host's own users, as trust and local lines are (PGW-COV-001 too).
bool OutsideLoopback(const IpRange& range) {
  static const IpRange kLoopback[] = {*ParseIpRange("127.0.0.0/8"), *ParseIpRange("::1/128")};
  for (const IpRange& loopback : kLoopback) {
    if (loopback.Contains(range)) return false;
  }
  return true;
}

void ObserveSessions(const FactSet& facts, Observations& observations) {
  const FactTable& table = facts.table(FactKind::kConnection);
  constexpr auto kServer = FieldOf<FactKind::kConnection>("server");
  constexpr auto kLocal = FieldOf<FactKind::kConnection>("local");
  constexpr auto kSsl = FieldOf<FactKind::kConnection>("ssl");
  constexpr auto kTlsVersion = FieldOf<FactKind::kConnection>("tls_version");
  constexpr auto kGssEncrypted = FieldOf<FactKind::kConnection>("gss_encrypted");
  constexpr auto kSessionKind = FieldOf<FactKind::kConnection>("session_kind");
  std::map<std::tuple<std::string, std::string, std::string>, std::int64_t> counts;
  for (size_t row = 0; row < table.size(); ++row) {
    // Client sessions: replication senders are counted by the findings about them.
    if (table.String(row, kSessionKind).value_or("client") != "client") continue;
    std::string encryption = "plaintext", protocol = "none";
    if (table.Bool(row, kSsl).value_or(false)) {
      encryption = "tls";
      if (const std::optional<TlsVersion> version = table.Tls(row, kTlsVersion)) {
        protocol = std::string(TlsVersionName(*version));
      }
    } else if (table.Bool(row, kGssEncrypted).value_or(false)) {
      encryption = "gss";
    } else if (table.Bool(row, kLocal).value_or(false)) {
      encryption = "local";
    }
    ++counts[{Text(table, row, kServer), encryption, protocol}];
  }
  for (const auto& [labels, count] : counts) {
    const auto& [target, encryption, protocol] = labels;
    observations.sessions.push_back({target, encryption, protocol, count});
  }
}

void ObserveCertificates(const FactSet& facts, Observations& observations) {
  const FactTable& table = facts.table(FactKind::kCertificate);
  constexpr auto kServer = FieldOf<FactKind::kCertificate>("server");
  constexpr auto kSubject = FieldOf<FactKind::kCertificate>("subject");
  constexpr auto kSerial = FieldOf<FactKind::kCertificate>("serial");
  constexpr auto kNotAfter = FieldOf<FactKind::kCertificate>("not_after");
  // By its labels: a chain can repeat a certificate (probed twice, or over two ports of one
  // target name).
  std::map<std::tuple<std::string, std::string, std::string>, std::int64_t> not_afters;
  for (size_t row = 0; row < table.size(); ++row) {
    const std::optional<std::int64_t> not_after = table.Integer(row, kNotAfter);
    if (!not_after) continue;
    not_afters.emplace(std::tuple{Text(table, row, kServer), Text(table, row, kSubject),
                                  Text(table, row, kSerial)},
                       *not_after);
  }
  for (const auto& [labels, not_after] : not_afters) {
    const auto& [target, subject, serial] = labels;
    observations.certificates.push_back({target, subject, serial, not_after});
  }
}

void ObserveProbe(const FactSet& facts, Observations& observations) {
  const FactTable& table = facts.table(FactKind::kProbeProtocol);
  constexpr auto kServer = FieldOf<FactKind::kProbeProtocol>("server");
  constexpr auto kVersion = FieldOf<FactKind::kProbeProtocol>("version");
  constexpr auto kAccepted = FieldOf<FactKind::kProbeProtocol>("accepted");
  std::map<std::pair<std::string, std::string>, bool> accepted;
  for (size_t row = 0; row < table.size(); ++row) {
    const std::optional<TlsVersion> version = table.Tls(row, kVersion);
    const std::optional<bool> answer = table.Bool(row, kAccepted);
    if (!version || !answer) continue;
    accepted[{Text(table, row, kServer), std::string(TlsVersionName(*version))}] |= *answer;
  }
  for (const auto& [labels, answer] : accepted) {
    observations.probe_protocols.push_back({labels.first, labels.second, answer});
  }
}

void ObserveHba(const FactSet& facts, Observations& observations) {
  const FactTable& table = facts.table(FactKind::kHbaAccess);
  const ValuePool& pool = facts.pool();
  constexpr auto kFile = FieldOf<FactKind::kHbaAccess>("file");
  constexpr auto kConnection = FieldOf<FactKind::kHbaAccess>("connection");
  constexpr auto kRange = FieldOf<FactKind::kHbaAccess>("range");
  constexpr auto kMethod = FieldOf<FactKind::kHbaAccess>("method");
  std::map<ValueId, bool> exposure;  // by the file the access map is for
  for (size_t row = 0; row < table.size(); ++row) {
    bool& exposed = exposure[table.Id(row, kFile)];
    if (exposed || table.String(row, kConnection) != "tcp_plaintext") continue;
    const std::optional<std::string_view> method = table.String(row, kMethod);
    if (!method || *method == "reject") continue;  // the implicit reject, or a reject line
    const ValueId range = table.Id(row, kRange);
    // Without a range: a host name or samenet record, which may be anywhere.
    exposed = range == kAbsent || OutsideLoopback(pool.Range(range));
  }
  for (const auto& [file, exposed] : exposure) {
    observations.hba.push_back({std::string(pool.String(file)), exposed});
  }
  std::sort(observations.hba.begin(), observations.hba.end(),
            [](const auto& a, const auto& b) { return a.target < b.target; });
}

}  // namespace

Observations Observe(const FactSet& facts) {
  Observations observations;
  ObserveSessions(facts, observations);
  ObserveCertificates(facts, observations);
  ObserveProbe(facts, observations);
  ObserveHba(facts, observations);
  return observations;
}

void SortObservations(Observations& observations) {
  std::sort(observations.sessions.begin(), observations.sessions.end());
  std::sort(observations.certificates.begin(), observations.certificates.end());
  std::sort(observations.probe_protocols.begin(), observations.probe_protocols.end());
  std::sort(observations.hba.begin(), observations.hba.end());
}

}  // namespace pgward
