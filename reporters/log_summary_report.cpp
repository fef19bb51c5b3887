#include "reporters/log_summary_report.h"

#include <ostream>
#include <string>

#include "engine/model/fact_format.h"
#include "reporters/json_writer.h"
#include "reporters/printable.h"

namespace pgward::reporters {
namespace {

constexpr LogFailure kFailures[] = {LogFailure::kClientCertificateRequired,
                                    LogFailure::kCertificateAuthentication,
                                    LogFailure::kSslHandshake,
                                    LogFailure::kHbaRejectNoEncryption,
                                    LogFailure::kHbaReject,
                                    LogFailure::kNoHbaEntry,
                                    LogFailure::kPasswordAuthentication};

void WriteCounts(JsonWriter& json, JsonKey key, const std::vector<LogValueCount>& values) {
  json.Key(key);
  json.BeginArray();
  for (const LogValueCount& value : values) {
    json.BeginObject();
    json.Member("value", value.value);
    json.IntMember("count", static_cast<std::int64_t>(value.count));
    json.EndObject();
  }
  json.EndArray();
}

void WriteWho(JsonWriter& json, JsonKey key, const LogWho& who) {
  json.Key(key);
  json.BeginObject();
  WriteCounts(json, "users", who.users);
  WriteCounts(json, "databases", who.databases);
  WriteCounts(json, "clients", who.clients);
  WriteCounts(json, "applications", who.applications);
  json.EndObject();
}

std::string Line(const std::vector<LogValueCount>& values) {
  std::string text;
  for (const LogValueCount& value : values) {
    if (!text.empty()) text += ", ";
    text += Printable(value.value) + " (" + std::to_string(value.count) + ")";
  }
  return text;
}

void WriteWhoText(const LogWho& who, std::ostream& out) {
  const std::pair<const char*, const std::vector<LogValueCount>*> rows[] = {
      {"users", &who.users},
      {"databases", &who.databases},
      {"clients", &who.clients},
      {"applications", &who.applications}};
  for (const auto& [name, values] : rows) {
    if (!values->empty()) out << "      " << name << ": " << Line(*values) << "\n";
  }
}

std::optional<std::string> Time(const std::optional<std::int64_t>& milliseconds) {
  if (!milliseconds) return std::nullopt;
  return FormatTimestampMilliseconds(*milliseconds);
}

}  // namespace

void WriteLogSummaryJson(const LogSummary& summary, std::ostream& out) {
  {
    JsonWriter json(out);
    json.BeginObject();
    json.Member("format", summary.format);
    json.IntMember("lines", static_cast<std::int64_t>(summary.lines));
    json.IntMember("unparsed_lines", static_cast<std::int64_t>(summary.unparsed_lines));
    json.Key("window");
    json.BeginObject();
    json.Key("first");
    json.OptionalString(summary.first);
    json.Key("last");
    json.OptionalString(summary.last);
    json.EndObject();
    json.Key("connections");
    json.BeginObject();
    const LogSummary::Connections& connections = summary.connections;
    json.IntMember("received", static_cast<std::int64_t>(connections.received));
    json.IntMember("authorized", static_cast<std::int64_t>(connections.authorized));
    json.IntMember("local", static_cast<std::int64_t>(connections.local));
    json.IntMember("plaintext_tcp", static_cast<std::int64_t>(connections.plaintext_tcp));
    json.IntMember("tls", static_cast<std::int64_t>(connections.tls));
    json.IntMember("gss", static_cast<std::int64_t>(connections.gss));
    json.IntMember("unknown_transport", static_cast<std::int64_t>(connections.unknown_transport));
    json.EndObject();
    WriteCounts(json, "authorized_by_database", summary.authorized_by_database);
    json.Key("tls");
    json.BeginArray();
    for (const LogTlsUse& use : summary.tls) {
      json.BeginObject();
      json.Member("protocol", use.protocol);
      json.Member("cipher", use.cipher);
      json.IntMember("bits", use.bits);
      json.IntMember("count", static_cast<std::int64_t>(use.count));
      json.EndObject();
    }
    json.EndArray();
    json.Member("min_tls_version", summary.min_tls_version);
    json.IntMember("below_minimum_tls", static_cast<std::int64_t>(summary.below_minimum_tls));
    json.Key("failures");
    json.BeginObject();
    for (const LogFailure failure : kFailures) {
      json.IntMember(JsonKey::Text(LogFailureName(failure)),
                     static_cast<std::int64_t>(summary.failures[static_cast<int>(failure)]));
    }
    json.EndObject();
    json.Key("hba_lines");
    json.BeginArray();
    for (const LogHbaLineUse& use : summary.hba_lines) {
      json.BeginObject();
      json.Member("file", use.file);
      json.IntMember("line", use.line);
      json.IntMember("authenticated", static_cast<std::int64_t>(use.authenticated));
      json.EndObject();
    }
    json.EndArray();
    json.Key("reloads");
    json.BeginObject();
    json.IntMember("requested", static_cast<std::int64_t>(summary.reloads));
    json.Key("failed");
    json.BeginArray();
    for (const LogReloadFailure& failure : summary.reload_failures) {
      json.BeginObject();
      json.Member("configuration", failure.configuration);
      json.IntMember("failed_reloads", static_cast<std::int64_t>(failure.failed_reloads));
      json.Key("outdated");
      json.OptionalBool(failure.outdated);
      json.Key("first_failed");
      json.OptionalString(Time(failure.first_failed));
      json.Key("last_failed");
      json.OptionalString(Time(failure.last_failed));
      json.EndObject();
    }
    json.EndArray();
    json.EndObject();
    json.Key("top");
    json.BeginObject();
    WriteWho(json, "plaintext_tcp", summary.plaintext_who);
    WriteWho(json, "below_minimum_tls", summary.below_minimum_who);
    for (const LogFailure failure : kFailures) {
      WriteWho(json, JsonKey::Text(LogFailureName(failure)),
               summary.failure_who[static_cast<int>(failure)]);
    }
    json.EndObject();
    WriteCounts(json, "ssl_handshake_reasons", summary.ssl_handshake_reasons);
    json.Key("notes");
    json.Strings(summary.notes);
    json.EndObject();
  }
  out << "\n";
}

void WriteLogSummaryText(const LogSummary& summary, std::ostream& out) {
  const LogSummary::Connections& connections = summary.connections;
  out << "log: " << summary.lines << " lines (" << summary.format << "), " << summary.unparsed_lines
      << " not understood\n";
  if (summary.first) {
    out << "window: " << Printable(*summary.first) << " to " << Printable(*summary.last) << "\n";
  }
  out << "connections: " << connections.received << " received, " << connections.authorized
      << " authorized: " << connections.tls << " TLS, " << connections.plaintext_tcp
      << " plaintext TCP, " << connections.gss << " GSS-encrypted, " << connections.local
      << " local";
  if (connections.unknown_transport > 0) {
    out << ", " << connections.unknown_transport << " without TLS from an unknown client";
  }
  out << "\n";
  if (!summary.authorized_by_database.empty()) {
    out << "authorized by database: " << Line(summary.authorized_by_database) << "\n";
  }
  if (!summary.tls.empty()) {
    out << "TLS in use:\n";
    for (const LogTlsUse& use : summary.tls) {
      out << "  " << Printable(use.protocol) << " " << Printable(use.cipher) << " (" << use.bits
          << " bits): " << use.count << "\n";
    }
  }
  if (connections.plaintext_tcp > 0) {
    out << "plaintext TCP sessions: " << connections.plaintext_tcp << "\n";
    WriteWhoText(summary.plaintext_who, out);
  }
  if (summary.below_minimum_tls > 0) {
    out << "TLS sessions below " << summary.min_tls_version << ": " << summary.below_minimum_tls
        << "\n";
    WriteWhoText(summary.below_minimum_who, out);
  }
  bool any_failure = false;
  for (const LogFailure failure : kFailures) {
    const std::uint64_t count = summary.failures[static_cast<int>(failure)];
    if (count == 0) continue;
    if (!any_failure) out << "failures:\n";
    any_failure = true;
    out << "  " << LogFailureName(failure) << ": " << count << "\n";
    if (failure == LogFailure::kSslHandshake && !summary.ssl_handshake_reasons.empty()) {
      out << "      reasons: " << Line(summary.ssl_handshake_reasons) << "\n";
    }
    WriteWhoText(summary.failure_who[static_cast<int>(failure)], out);
  }
  if (!summary.hba_lines.empty()) {
    out << "pg_hba.conf lines used (connection authenticated):\n";
    for (const LogHbaLineUse& use : summary.hba_lines) {
      out << "  " << Printable(use.file) << ":" << use.line << ": " << use.authenticated << "\n";
    }
  }
  if (summary.reloads > 0 || !summary.reload_failures.empty()) {
    out << "configuration reloads: " << summary.reloads << "\n";
  }
  for (const LogReloadFailure& failure : summary.reload_failures) {
    out << "  " << Printable(failure.configuration) << " was not reloaded ";
    if (failure.failed_reloads > 0) {
      out << failure.failed_reloads << " time(s)";
    } else {
      out << "before this window";
    }
    if (const std::optional<std::string> last = Time(failure.last_failed))
      out << ", last at " << *last;
    out << (!failure.outdated ? ": NOT KNOWN whether a later reload or start applied it"
            : *failure.outdated
                ? ": OUTDATED, the server still runs the configuration it had before"
                : ": a later reload or start applied it")
        << "\n";
  }
  for (const std::string& note : summary.notes) out << "note: " << Printable(note) << "\n";
}

}  // namespace pgward::reporters
