#include <charconv>
#include <vector>

#include "engine/collect/snapshot.h"
#include "engine/model/fact_format.h"

namespace pgward::collect {
namespace {

// Which member of a server entry holds the facts of each kind; server facts are "settings".
constexpr const char* kMemberOfKind[kFactKindCount] = {
    "connections",   "settings",  "certificates", "probe_protocols",
    "probe_ciphers", "hba_rules", "hba_access"};

// Identity fields of the server fact, written once at the server level.
bool IsIdentityField(std::string_view field) {
  return field == "server" || field == "host" || field == "port" || field == "version";
}

void AppendString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
}

void AppendInteger(std::string& out, std::int64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

// Appends a present field's value as JSON; returns false (appending nothing) when absent.
bool AppendValue(std::string& value, const FactTable& table, size_t row, size_t field) {
  const FieldSpec& spec = table.spec().fields[field];
  const ValuePool& pool = table.pool();
  switch (spec.type) {
    case FieldType::kInteger:
    case FieldType::kTimestamp: {
      const std::optional<std::int64_t> number = table.Integer(row, field);
      if (!number) return false;
      if (spec.type == FieldType::kInteger) {
        AppendInteger(value, *number);
      } else {
        AppendString(value, FormatTimestamp(*number));
      }
      break;
    }
    case FieldType::kBool: {
      const std::optional<bool> flag = table.Bool(row, field);
      if (!flag) return false;
      value = *flag ? "true" : "false";
      break;
    }
    case FieldType::kTlsVersion: {
      const std::optional<TlsVersion> version = table.Tls(row, field);
      if (!version) return false;
      AppendString(value, TlsVersionName(*version));
      break;
    }
    default: {
      const ValueId id = table.Id(row, field);
      if (id == kAbsent) return false;
      if (spec.type == FieldType::kString) {
        AppendString(value, pool.String(id));
      } else if (spec.type == FieldType::kAddress) {
        AppendString(value, FormatIpAddress(pool.Address(id)));
      } else if (spec.type == FieldType::kRange) {
        AppendString(value, FormatIpRange(pool.Range(id)));
      } else {
        value += '[';
        bool first_element = true;
        for (const ValueId element : pool.List(id)) {
          if (!first_element) value += ", ";
          first_element = false;
          AppendString(value, pool.String(element));
        }
        value += ']';
      }
    }
  }
  return true;
}

// The source a loader derives for a fact: hba_rule facts point at their file and line, the
// others at nothing. A fact with another source carries it explicitly.
bool HasDerivedSource(const FactTable& table, size_t row) {
  const FactSource& source = table.source(row);
  if (table.kind() != FactKind::kHbaRule) return source.file == kAbsent && source.line == 0;
  return source.file == table.Id(row, FieldOf<FactKind::kHbaRule>("file")) &&
         source.line == table.Integer(row, FieldOf<FactKind::kHbaRule>("line")).value_or(0);
}

void AppendSource(std::string& out, const FactTable& table, size_t row) {
  const FactSource& source = table.source(row);
  out += "{\"file\": ";
  if (source.file == kAbsent) {
    out += "null";
  } else {
    AppendString(out, table.pool().String(source.file));
  }
  out += ", \"line\": ";
  AppendInteger(out, source.line);
  out += '}';
}

// The server fact, as an object: one per server, read by people more than by programs.
void AppendSettings(std::string& out, const FactTable& table, size_t row) {
  out += '{';
  bool first = true;
  const auto& fields = table.spec().fields;
  for (size_t field = 0; field < fields.size(); ++field) {
    if (IsIdentityField(fields[field].name)) continue;
    std::string value;
    if (!AppendValue(value, table, row, field)) continue;
    if (!first) out += ", ";
    first = false;
    AppendString(out, fields[field].name);
    out += ": ";
    out += value;
  }
  if (!HasDerivedSource(table, row)) {
    out += first ? "\"source\": " : ", \"source\": ";
    AppendSource(out, table, row);
  }
  out += '}';
}

// Facts of one kind as a table: the fields that any of them has, then one array per fact
// (null where absent). A million connections are a few hundred bytes each this way, and a
// loader does not match keys per value.
void AppendFactTable(std::string& out, const FactTable& table, RowRange range,
                     std::string_view server) {
  const auto& fields = table.spec().fields;
  std::vector<size_t> columns;
  for (size_t field = 0; field < fields.size(); ++field) {
    const bool is_server = fields[field].name == "server";
    for (size_t row = range.begin; row < range.end; ++row) {
      // The server field is the enclosing server's name unless a fact says otherwise.
      const FieldType type = fields[field].type;
      const bool present = is_server ? table.String(row, field) != server
                           : type == FieldType::kInteger || type == FieldType::kTimestamp
                               ? table.Integer(row, field).has_value()
                               : table.Id(row, field) != kAbsent;
      if (present) {
        columns.push_back(field);
        break;
      }
    }
  }
  bool sources = false;
  for (size_t row = range.begin; row < range.end && !sources; ++row) {
    sources = !HasDerivedSource(table, row);
  }
  out += "{\"fields\": [";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) out += ", ";
    AppendString(out, fields[columns[i]].name);
  }
  if (sources) out += columns.empty() ? "\"source\"" : ", \"source\"";
  out += "],\n      \"rows\": [";
  std::string value;
  for (size_t row = range.begin; row < range.end; ++row) {
    out += row == range.begin ? "\n       [" : ",\n       [";
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) out += ',';
      value.clear();
      out += AppendValue(value, table, row, columns[i]) ? std::string_view(value) : "null";
    }
    if (sources) {
      if (!columns.empty()) out += ',';
      AppendSource(out, table, row);
    }
    out += ']';
  }
  out += range.end > range.begin ? "\n      ]}" : "]}";
}

void AppendServer(std::string& out, const ServerEvidence& server, const FactSet& facts) {
  out += "    {\"name\": ";
  AppendString(out, server.name);
  out += ",\n     \"host\": ";
  if (server.host) {
    AppendString(out, *server.host);
  } else {
    out += "null";
  }
  out += ", \"port\": ";
  if (server.port) {
    AppendInteger(out, *server.port);
  } else {
    out += "null";
  }
  out += ", \"version\": ";
  if (server.version) {
    AppendInteger(out, *server.version);
  } else {
    out += "null";
  }
  const FactTable& servers = facts.table(FactKind::kServer);
  const RowRange settings = server.rows[static_cast<size_t>(FactKind::kServer)];
  out += ",\n     \"settings\": ";
  if (settings.end > settings.begin) {
    AppendSettings(out, servers, settings.begin);
  } else {
    out += "null";
  }
  for (size_t kind = 0; kind < kFactKindCount; ++kind) {
    if (static_cast<FactKind>(kind) == FactKind::kServer) continue;
    const FactTable& table = facts.table(static_cast<FactKind>(kind));
    out += ",\n     \"";
    out += kMemberOfKind[kind];
    out += "\": ";
    AppendFactTable(out, table, server.rows[kind], server.name);
  }
  out += ",\n     \"errors\": [";
  for (size_t i = 0; i < server.errors.size(); ++i) {
    const EvidenceError& error = server.errors[i];
    out += i == 0 ? "\n       {" : ",\n       {";
    out += "\"message\": ";
    AppendString(out, error.message);
    if (error.target != server.name) {
      out += ", \"target\": ";
      AppendString(out, error.target);
    }
    if (error.location) {
      out += ", \"location\": {\"file\": ";
      AppendString(out, error.location->file);
      out += ", \"line\": ";
      AppendInteger(out, error.location->line);
      out += '}';
    }
    out += '}';
  }
  out += server.errors.empty() ? "]}" : "\n     ]}";
}

}  // namespace

std::string WriteSnapshot(const Evidence& evidence, const FactSet& facts) {
  std::string out = "{\"format\": \"pgward-snapshot\", \"format_version\": ";
  AppendInteger(out, kSnapshotFormatVersion);
  out += ",\n \"collector\": {\"name\": \"pgward\", \"version\": ";
  AppendString(out, evidence.collector_version);
  out += "},\n \"collected_at\": ";
  AppendString(out, evidence.collected_at);
  out += ",\n \"servers\": [";
  for (size_t i = 0; i < evidence.servers.size(); ++i) {
    out += i == 0 ? "\n" : ",\n";
    AppendServer(out, evidence.servers[i], facts);
  }
  out += evidence.servers.empty() ? "]}\n" : "\n ]}\n";
  return out;
}

}  // namespace pgward::collect
