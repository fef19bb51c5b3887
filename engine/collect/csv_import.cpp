#include "engine/collect/csv_import.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "engine/collect/queries.h"
#include "engine/collect/server_facts.h"
#include "engine/core/input_file.h"

namespace pgward::collect {
namespace {

// Column names psql prints for the audit query (and the names of other common variants).
const std::map<std::string, int, std::less<>>& ColumnNames() {
  static const std::map<std::string, int, std::less<>> names = {
      {"pid", kPid},
      {"usename", kUser},
      {"user", kUser},
      {"datname", kDatabase},
      {"database", kDatabase},
      {"application_name", kApplicationName},
      {"client_addr", kClientAddr},
      {"ssl", kSsl},
      {"version", kTlsVersion},
      {"tls_version", kTlsVersion},
      {"cipher", kCipher},
      {"bits", kBits},
      {"compression", kCompression},
      {"client_dn", kClientDn},
      {"clientdn", kClientDn},
      {"client_serial", kClientSerial},
      {"issuer_dn", kIssuerDn},
      {"gss_authenticated", kGssAuthenticated},
      {"gss_principal", kGssPrincipal},
      {"principal", kGssPrincipal},
      {"gss_encrypted", kGssEncrypted},
      {"rolsuper", kSuperuser},
      {"superuser", kSuperuser},
      {"rolreplication", kReplication},
      {"replication", kReplication},
      {"backend_type", kBackendType},
  };
  return names;
}

// One CSV record as psql --csv writes it (RFC 4180): an unquoted empty field is SQL NULL, a
// quoted one the empty string. Records may span lines inside quotes. Returns false at the end
// of input, and sets `error` for an unterminated quote.
bool ReadRecord(std::istream& in, std::vector<std::optional<std::string>>& fields, bool& error) {
  fields.clear();
  std::string field;
  bool quoted = false, was_quoted = false, any = false;
  char c;
  while (in.get(c)) {
    any = true;
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (in.peek() == '"') {
        in.get(c);
        field += '"';
      } else {
        quoted = false;
      }
      continue;
    }
    if (c == '"') {
      quoted = was_quoted = true;
    } else if (c == ',' || c == '\n') {
      if (!field.empty() && field.back() == '\r' && c == '\n') field.pop_back();
      fields.push_back(was_quoted || !field.empty() ? std::optional(field) : std::nullopt);
      field.clear();
      was_quoted = false;
      if (c == '\n') return true;
    } else {
      field += c;
    }
  }
  if (quoted) error = true;
  if (!any) return false;
  fields.push_back(was_quoted || !field.empty() ? std::optional(field) : std::nullopt);
  return true;
}

}  // namespace

std::optional<std::string> ImportAuditCsv(const std::string& path, FactSet& facts,
                                          Evidence& evidence) {
  InputFile file = ReadInputFile(path, kDefaultMaxInputBytes);
  if (file.error) return "cannot read the file: " + *file.error;
  std::istringstream in(std::move(file.contents));
  std::vector<std::optional<std::string>> header, record;
  bool error = false;
  if (!ReadRecord(in, header, error) || error) return "no CSV header";
  std::vector<int> columns;
  std::optional<size_t> server_column;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string name = header[i].value_or("");
    const auto found = ColumnNames().find(name);
    columns.push_back(found == ColumnNames().end() ? -1 : found->second);
    if (name == "server") server_column = i;
  }
  for (const int required : {kPid, kClientAddr, kSsl}) {
    if (std::find(columns.begin(), columns.end(), required) == columns.end()) {
      return "not the audit query's CSV: the columns pid, client_addr and ssl are required";
    }
  }
  const std::string default_server = std::filesystem::path(path).stem().string();
  std::map<std::string, std::vector<Row>> servers;
  size_t line = 1;
  while (ReadRecord(in, record, error)) {
    ++line;
    if (error) return "line " + std::to_string(line) + ": unterminated quoted field";
    if (record.size() == 1 && !record[0]) continue;  // a blank line
    if (record.size() != header.size()) {
      return "line " + std::to_string(line) + ": " + std::to_string(record.size()) +
             " fields, the header has " + std::to_string(header.size());
    }
    Row row(kConnectionColumnCount);
    for (size_t i = 0; i < record.size(); ++i) {
      if (columns[i] >= 0) row[columns[i]] = record[i];
    }
    // Empty is SQL NULL (a session hidden from the role); anything else must be a boolean, or
    // the row would count as hidden.
    if (row[kSsl] && !ParseBool(row[kSsl])) {
      return "line " + std::to_string(line) + ": ssl is \"" + *row[kSsl] +
             "\", not a boolean (t or f)";
    }
    // Background workers, autovacuum and the like serve no client: sessions are the client
    // backends and replication senders.
    if (row[kBackendType] && row[kBackendType] != "client backend" &&
        row[kBackendType] != "walsender") {
      continue;
    }
    // psql prints a host address without a prefix; other exports may add /32.
    if (row[kClientAddr])
      row[kClientAddr] = row[kClientAddr]->substr(0, row[kClientAddr]->find('/'));
    const std::string server =
        server_column ? record[*server_column].value_or(default_server) : default_server;
    servers[server].push_back(std::move(row));
  }
  // An export without rows is evidence too: no session was open.
  if (servers.empty()) servers[default_server];
  for (const auto& [name, rows] : servers) {
    ServerEvidence server;
    server.name = name;
    const auto before = TableSizes(facts);
    // The export carries no privilege information: a hidden session shows as NULL TLS state
    // and is reported, so visibility is assumed row by row.
    AddConnectionFacts(name, "", true, rows, facts, server.errors);
    server.rows = RowsSince(before, facts);
    evidence.servers.push_back(std::move(server));
  }
  return std::nullopt;
}

}  // namespace pgward::collect
