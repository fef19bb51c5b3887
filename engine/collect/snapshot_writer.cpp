#include <vector>

#include "engine/collect/snapshot.h"
#include "engine/core/json_string.h"
#include "engine/model/fact_format.h"

namespace pgward::collect {
namespace {

// Identity fields of the server fact, written once at the server level.
bool IsIdentityField(std::string_view field) {
  return field == "server" || field == "host" || field == "port" || field == "version";
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
    AppendJsonString(out, table.pool().String(source.file));
  }
  out += ", \"line\": ";
  out += std::to_string(source.line);
  out += '}';
}

// The server fact, as an object: one per server, read by people more than by programs.
void AppendSettings(std::string& out, const FactTable& table, size_t row) {
  out += '{';
  bool first = true;
  const auto& fields = table.spec().fields;
  for (size_t field = 0; field < fields.size(); ++field) {
    if (IsIdentityField(fields[field].name)) continue;
    if (IsAbsent(table, row, field)) continue;
    if (!first) out += ", ";
    first = false;
    AppendJsonString(out, fields[field].name);
    out += ": ";
    AppendFieldJson(out, table, row, field);
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
    AppendJsonString(out, fields[columns[i]].name);
  }
  if (sources) out += columns.empty() ? "\"source\"" : ", \"source\"";
  out += "],\n      \"rows\": [";
  for (size_t row = range.begin; row < range.end; ++row) {
    out += row == range.begin ? "\n       [" : ",\n       [";
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) out += ',';
      AppendFieldJson(out, table, row, columns[i]);
    }
    if (sources) {
      if (!columns.empty()) out += ',';
      AppendSource(out, table, row);
    }
    out += ']';
  }
  out += range.end > range.begin ? "\n      ]}" : "]}";
}

void AppendServer(std::string& out, const ServerEvidence& server, std::string_view collected_at,
                  const FactSet& facts) {
  out += "    {\"name\": ";
  AppendJsonString(out, server.name);
  out += ",\n     \"host\": ";
  if (server.host) {
    AppendJsonString(out, *server.host);
  } else {
    out += "null";
  }
  out += ", \"port\": ";
  if (server.port) {
    out += std::to_string(*server.port);
  } else {
    out += "null";
  }
  out += ", \"version\": ";
  if (server.version) {
    out += std::to_string(*server.version);
  } else {
    out += "null";
  }
  // Written when it is not the document's (a reader dates a server without one by the
  // document); null when not known, so that a reader does not date it by the document.
  if (server.collected_at != collected_at) {
    out += ", \"collected_at\": ";
    if (server.collected_at.empty()) {
      out += "null";
    } else {
      AppendJsonString(out, server.collected_at);
    }
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
    out += kSnapshotMemberOfKind[kind];
    out += "\": ";
    AppendFactTable(out, table, server.rows[kind], server.name);
  }
  out += ",\n     \"errors\": [";
  for (size_t i = 0; i < server.errors.size(); ++i) {
    const EvidenceError& error = server.errors[i];
    out += i == 0 ? "\n       {" : ",\n       {";
    out += "\"message\": ";
    AppendJsonString(out, error.message);
    if (error.target != server.name) {
      out += ", \"target\": ";
      AppendJsonString(out, error.target);
    }
    if (error.location) {
      out += ", \"location\": {\"file\": ";
      AppendJsonString(out, error.location->file);
      out += ", \"line\": ";
      out += std::to_string(error.location->line);
      out += '}';
    }
    out += '}';
  }
  out += server.errors.empty() ? "]}" : "\n     ]}";
}

}  // namespace

std::string WriteSnapshot(const Evidence& evidence, const FactSet& facts) {
  std::string out = "{\"format\": \"pgward-snapshot\", \"format_version\": ";
  out += std::to_string(kSnapshotFormatVersion);
  out += ",\n \"collector\": {\"name\": \"pgward\", \"version\": ";
  AppendJsonString(out, evidence.collector_version);
  out += "},\n \"collected_at\": ";
  AppendJsonString(out, evidence.collected_at);
  out += ",\n \"servers\": [";
  for (size_t i = 0; i < evidence.servers.size(); ++i) {
    out += i == 0 ? "\n" : ",\n";
    AppendServer(out, evidence.servers[i], evidence.collected_at, facts);
  }
  out += evidence.servers.empty() ? "]}\n" : "\n ]}\n";
  return out;
}

}  // namespace pgward::collect
