// Reading snapshots with simdjson On-Demand: the document is validated and indexed in one SIMD
// pass and then walked once, each value checked as it is read and appended to its fact table (no
// DOM). Strings are taken from the input buffer in place; only strings with escapes are copied.

#include <simdjson.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <forward_list>
#include <optional>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "engine/collect/csv_import.h"
#include "engine/collect/server_facts.h"
#include "engine/collect/snapshot.h"
#include "engine/core/file_digest.h"
#include "engine/core/input_file.h"
#include "engine/core/redact.h"
#include "engine/core/side_thread.h"
#include "engine/model/fact_format.h"

namespace pgward::collect {
namespace {

namespace ondemand = simdjson::ondemand;

void AppendUtf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xc0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xe0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  }
}

std::optional<std::uint32_t> Hex4(const char* p) {
  std::uint32_t code = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    code <<= 4;
    if (c >= '0' && c <= '9') {
      code |= static_cast<std::uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      code |= static_cast<std::uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      code |= static_cast<std::uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
  }
  return code;
}

// Unescapes the JSON string starting at `p` (just after its opening quote; simdjson has checked
// that it is terminated). Returns false on an invalid escape.
bool Unescape(const char* p, std::string& out) {
  out.clear();
  while (*p != '"') {
    if (*p != '\\') {
      out += *p++;
      continue;
    }
    ++p;
    switch (*p++) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        std::optional<std::uint32_t> code = Hex4(p);
        if (!code) return false;
        p += 4;
        if (*code >= 0xd800 && *code < 0xdc00 && p[0] == '\\' && p[1] == 'u') {
          const std::optional<std::uint32_t> low = Hex4(p + 2);
          if (!low || *low < 0xdc00 || *low > 0xdfff) return false;
          code = 0x10000 + ((*code - 0xd800) << 10) + (*low - 0xdc00);
          p += 6;
        }
        AppendUtf8(out, *code);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

// The text of a JSON string in the input buffer: in place when it has no escapes, else
// unescaped into `scratch`.
std::optional<std::string_view> RawText(const char* begin, const char* end, std::string& scratch) {
  const char* quote =
      static_cast<const char*>(std::memchr(begin, '"', static_cast<size_t>(end - begin)));
  if (quote == nullptr) return std::nullopt;
  if (std::memchr(begin, '\\', static_cast<size_t>(quote - begin)) == nullptr) {
    return std::string_view(begin, static_cast<size_t>(quote - begin));
  }
  if (!Unescape(begin, scratch)) return std::nullopt;
  return scratch;
}

class Reader {
 public:
  Reader(FactSet& facts, Evidence& evidence) : facts_(facts), evidence_(evidence) {}

  std::optional<std::string> Read(const simdjson::padded_string& json) {
    end_ = json.data() + json.size();
    ondemand::document document;
    if (auto error = parser_.iterate(json).get(document)) return JsonError(error);
    ondemand::object root;
    if (auto error = document.get_object().get(root)) return JsonError(error);
    bool format_seen = false, version_seen = false, collector_seen = false, servers_seen = false;
    std::string collected_at;
    const size_t first_server = evidence_.servers.size();
    for (auto member : root) {
      ondemand::field field;
      if (auto error = std::move(member).get(field)) return JsonError(error);
      const std::optional<std::string_view> key = RawText(field.key().raw(), end_, key_scratch_);
      if (!key) return "invalid key";
      ondemand::value value = field.value();
      if (*key == "format") {
        std::optional<std::string_view> format = Text(value);
        if (format != "pgward-snapshot")
          return "not a pgward snapshot (format is not \"pgward-snapshot\")";
        format_seen = true;
      } else if (*key == "format_version") {
        std::int64_t version = 0;
        if (value.get_int64().get(version)) return "format_version: expected an integer";
        if (version < 1 || version > kSnapshotFormatVersion) {
          return "format_version " + std::to_string(version) +
                 " is not supported by this pgward (it reads version " +
                 std::to_string(kSnapshotFormatVersion) + ")";
        }
        version_seen = true;
      } else if (*key == "collector") {
        if (std::optional<std::string> error = ReadCollector(value)) return error;
        collector_seen = true;
      } else if (*key == "collected_at") {
        std::optional<std::string_view> text = Text(value);
        const std::optional<std::int64_t> seconds = text ? ParseTimestamp(*text) : std::nullopt;
        if (!seconds) return "collected_at: expected a UTC timestamp";
        collected_at = FormatTimestamp(*seconds);
        if (evidence_.collected_at.empty()) evidence_.collected_at = collected_at;
      } else if (*key == "servers") {
        if (std::optional<std::string> error = ReadServers(value)) return error;
        servers_seen = true;
      } else {
        return "unknown member \"" + std::string(*key) + "\"";
      }
    }
    if (!format_seen || !version_seen) return "not a pgward snapshot (no format or format_version)";
    // Required as the schema requires them: what pgward writes, it must read back, and a
    // document without them was not written by pgward.
    if (!collector_seen) return "no \"collector\"";
    if (collected_at.empty()) return "no \"collected_at\"";
    if (!servers_seen) return "no \"servers\"";
    // A server without a time of its own (every server of a snapshot from before per-server
    // times) is dated by the collection's start; one whose time is null stays unknown.
    for (size_t i = first_server; i < evidence_.servers.size(); ++i) {
      if (evidence_.servers[i].collected_at.empty() && !time_unknown_.contains(i)) {
        evidence_.servers[i].collected_at = collected_at;
      }
    }
    return std::nullopt;
  }

 private:
  static std::string JsonError(simdjson::error_code error) {
    return std::string("invalid JSON: ") + simdjson::error_message(error);
  }

  // A string value; one with escapes is kept, unescaped, until the staged fact is appended.
  std::optional<std::string_view> Text(ondemand::value& value) {
    ondemand::raw_json_string raw;
    if (value.get_raw_json_string().get(raw)) return std::nullopt;
    const std::optional<std::string_view> text = RawText(raw.raw(), end_, value_scratch_);
    if (!text || text->data() != value_scratch_.data()) return text;
    return staged_.owned_text.emplace_front(value_scratch_);
  }

  std::optional<std::string> ReadCollector(ondemand::value& value) {
    ondemand::object object;
    if (value.get_object().get(object)) return "collector: expected an object";
    bool name_seen = false, version_seen = false;
    for (auto member : object) {
      ondemand::field field;
      if (std::move(member).get(field)) return "collector: invalid JSON";
      const std::optional<std::string_view> key = RawText(field.key().raw(), end_, key_scratch_);
      ondemand::value inner = field.value();
      const std::optional<std::string_view> text = Text(inner);
      if (!key || !text) return "collector: expected strings";
      if (*key == "name") {
        if (*text != "pgward") return "collector: name is not \"pgward\"";
        name_seen = true;
      } else if (*key == "version") {
        if (evidence_.collector_version.empty()) evidence_.collector_version = *text;
        version_seen = true;
      } else {
        return "collector: unknown member \"" + std::string(*key) + "\"";
      }
    }
    if (!name_seen || !version_seen) return "collector: expected a name and a version";
    return std::nullopt;
  }

  std::optional<std::string> ReadServers(ondemand::value& value) {
    ondemand::array servers;
    if (value.get_array().get(servers)) return "servers: expected an array";
    size_t index = 0;
    for (auto element : servers) {
      ondemand::object object;
      const std::string where = "servers[" + std::to_string(index++) + "]";
      if (std::move(element).get_object().get(object)) return where + ": expected an object";
      if (std::optional<std::string> error = ReadServer(object, where)) return error;
    }
    return std::nullopt;
  }

  // Identity first, wherever it is in the object (a snapshot reformatted with sorted keys
  // puts "connections" before "name"), then everything else in one pass.
  std::optional<std::string> ReadServer(ondemand::object& object, const std::string& where) {
    ServerEvidence server;
    {
      ondemand::value name;
      if (object.find_field_unordered("name").get(name)) return where + ": no name";
      const std::optional<std::string_view> text = Text(name);
      if (!text || text->empty()) return where + ".name: expected a non-empty string";
      server.name = *text;
    }
    for (const char* member : {"host", "port", "version"}) {
      ondemand::value value;
      if (object.find_field_unordered(member).get(value)) return where + ": no " + member;
      bool null = false;
      if (value.is_null().get(null)) return where + "." + member + ": invalid JSON";
      if (null) continue;
      if (std::string_view(member) == "host") {
        const std::optional<std::string_view> text = Text(value);
        if (!text) return where + ".host: expected a string or null";
        server.host = *text;
        continue;
      }
      std::int64_t number = 0;
      if (value.get_int64().get(number)) return where + "." + member + ": expected an integer";
      (std::string_view(member) == "port" ? server.port : server.version) =
          static_cast<int>(number);
    }
    if (object.reset().error()) return where + ": invalid JSON";
    const auto before = TableSizes(facts_);
    for (auto member : object) {
      ondemand::field field;
      if (std::move(member).get(field)) return where + ": invalid JSON";
      const std::optional<std::string_view> key = RawText(field.key().raw(), end_, key_scratch_);
      if (!key) return where + ": invalid key";
      ondemand::value value = field.value();
      const std::string name(*key);
      if (name == "name" || name == "host" || name == "port" || name == "version") continue;
      if (name == "collected_at") {
        // null: not known (a CSV export, a server that was not reached), never the document's.
        bool null = false;
        if (value.is_null().get(null)) return where + ".collected_at: invalid JSON";
        if (null) {
          time_unknown_.insert(evidence_.servers.size());
          continue;
        }
        const std::optional<std::string_view> text = Text(value);
        const std::optional<std::int64_t> seconds = text ? ParseTimestamp(*text) : std::nullopt;
        if (!seconds) return where + ".collected_at: expected a UTC timestamp or null";
        server.collected_at = FormatTimestamp(*seconds);
        continue;
      }
      if (name == "errors") {
        if (std::optional<std::string> error = ReadErrors(value, server, where)) return error;
        continue;
      }
      const auto kind =
          std::find(std::begin(kSnapshotMemberOfKind), std::end(kSnapshotMemberOfKind), name);
      if (kind == std::end(kSnapshotMemberOfKind)) {
        return where + ": unknown member \"" + name + "\"";
      }
      const auto fact_kind = static_cast<FactKind>(kind - std::begin(kSnapshotMemberOfKind));
      std::optional<std::string> error =
          fact_kind == FactKind::kServer
              ? ReadSettings(value, server, where + ".settings")
              : ReadFacts(value, fact_kind, server.name, where + "." + name);
      if (error) return error;
    }
    // A server pgward collected has facts (its settings at least) or errors that say why not:
    // an entry with neither is no evidence of it, which must not pass as a clean server.
    if (TableSizes(facts_) == before && server.errors.empty()) {
      server.errors.push_back({server.name,
                               "the snapshot holds no facts of this server and no error saying "
                               "why: nothing of it was checked",
                               std::nullopt});
    }
    server.rows = RowsSince(before, facts_);
    evidence_.servers.push_back(std::move(server));
    return std::nullopt;
  }

  std::optional<std::string> ReadErrors(ondemand::value& value, ServerEvidence& server,
                                        const std::string& where) {
    ondemand::array errors;
    if (value.get_array().get(errors)) return where + ".errors: expected an array";
    for (auto element : errors) {
      ondemand::object object;
      if (std::move(element).get_object().get(object)) return where + ".errors: expected objects";
      EvidenceError error{server.name, "", std::nullopt};
      bool has_message = false;
      for (auto member : object) {
        ondemand::field field;
        if (std::move(member).get(field)) return where + ".errors: invalid JSON";
        const std::optional<std::string_view> key = RawText(field.key().raw(), end_, key_scratch_);
        if (!key) return where + ".errors: invalid key";
        const std::string name(*key);
        ondemand::value inner = field.value();
        if (name == "location") {
          SourceLocation location;
          if (ReadSource(inner, location.file, location.line)) {
            return where + ".errors.location: expected {file, line}";
          }
          error.location = location;
          continue;
        }
        const std::optional<std::string_view> text = Text(inner);
        if (!text || (name != "message" && name != "target")) {
          return where + ".errors: expected message and target strings";
        }
        (name == "message" ? error.message : error.target) = *text;
        has_message = has_message || name == "message";
      }
      if (!has_message) return where + ".errors: an error without a message";
      server.errors.push_back(std::move(error));
    }
    return std::nullopt;
  }

  // {"file": string or null, "line": integer}; returns true on error.
  bool ReadSource(ondemand::value& value, std::string& file, int& line) {
    ondemand::object object;
    if (value.get_object().get(object)) return true;
    for (auto member : object) {
      ondemand::field field;
      if (std::move(member).get(field)) return true;
      const std::optional<std::string_view> key = RawText(field.key().raw(), end_, key_scratch_);
      ondemand::value inner = field.value();
      if (key == "file") {
        bool null = false;
        if (inner.is_null().get(null)) return true;
        if (null) continue;
        const std::optional<std::string_view> text = Text(inner);
        if (!text) return true;
        file = *text;
      } else if (key == "line") {
        std::int64_t number = 0;
        if (inner.get_int64().get(number)) return true;
        line = static_cast<int>(number);
      } else {
        return true;
      }
    }
    return false;
  }

  std::optional<std::string> ReadSettings(ondemand::value& value, const ServerEvidence& server,
                                          const std::string& where) {
    bool null = false;
    if (value.is_null().get(null)) return where + ": invalid JSON";
    if (null) return std::nullopt;
    ondemand::object object;
    if (value.get_object().get(object)) return where + ": expected an object or null";
    FactTable& table = facts_.table(FactKind::kServer);
    if (std::optional<std::string> error = StageFields(object, table, where)) return error;
    const size_t row = Commit(table, TargetOf(table, server.name), staged_);
    if (server.host) table.SetString(row, FieldOf<FactKind::kServer>("host"), *server.host);
    if (server.port) table.SetInteger(row, FieldOf<FactKind::kServer>("port"), *server.port);
    if (server.version) {
      table.SetInteger(row, FieldOf<FactKind::kServer>("version"), *server.version);
      AddSettingsImpliedByVersion(table, row, *server.version);
    }
    // pgward refused the inventory key before it wrote this setting: without it, nobody asked.
    constexpr auto kRequireDirectTls = FieldOf<FactKind::kServer>("require_direct_tls");
    if (!table.Bool(row, kRequireDirectTls)) table.SetBool(row, kRequireDirectTls, false);
    return std::nullopt;
  }

  // {"fields": [names], "rows": [[values], ...]}: one array per fact, null where absent.
  std::optional<std::string> ReadFacts(ondemand::value& value, FactKind kind,
                                       const std::string& server, const std::string& where) {
    ondemand::object object;
    if (value.get_object().get(object)) return where + ": expected {fields, rows}";
    FactTable& table = facts_.table(kind);
    const auto& fields = table.spec().fields;
    // Column -> field index; fields.size() stands for the "source" column.
    std::vector<size_t> columns;
    {
      ondemand::array names;
      if (object.find_field_unordered("fields").get_array().get(names)) {
        return where + ".fields: expected an array of field names";
      }
      for (auto element : names) {
        ondemand::value name;
        if (std::move(element).get(name)) return where + ".fields: invalid JSON";
        const std::optional<std::string_view> text = Text(name);
        if (!text) return where + ".fields: expected strings";
        const std::optional<size_t> index = table.spec().FieldIndex(*text);
        if (!index && *text != "source") {
          return where + ".fields: unknown field \"" + std::string(*text) + "\"";
        }
        columns.push_back(index.value_or(fields.size()));
      }
    }
    ondemand::array rows;
    if (object.find_field_unordered("rows").get_array().get(rows)) {
      return where + ".rows: expected an array";
    }
    // A snapshot written before replication senders were collected has client sessions only.
    constexpr size_t kSessionKind = FieldOf<FactKind::kConnection>("session_kind");
    const ValueId implied_session_kind =
        kind == FactKind::kConnection && std::ranges::find(columns, kSessionKind) == columns.end()
            ? facts_.pool().InternString("client")
            : kAbsent;
    // One written before ssl_tls13_ciphers was read compared only TLS 1.2-and-older suites,
    // with ssl_ciphers.
    constexpr size_t kConfigured = FieldOf<FactKind::kProbeCipher>("configured");
    constexpr size_t kSetting = FieldOf<FactKind::kProbeCipher>("setting");
    const ValueId implied_setting =
        kind == FactKind::kProbeCipher && std::ranges::find(columns, kSetting) == columns.end()
            ? facts_.pool().InternString("ssl_ciphers")
            : kAbsent;
    const CommitTarget target = TargetOf(table, server);
    // Each row is appended as soon as it is read, on this thread, while its values are in this
    // core's cache. Appending batches on a second thread, as pgward did until 2026-12, made the
    // 1,000,000-connection load twice as slow on a 2-core machine (0.91 to 1.44 s against 0.47
    // to 0.71 s): every batch was written on one core and read on the other.
    staged_.Clear();
    // Where a row's error is: made only when there is one (a million rows make no strings).
    size_t index = 0;
    const auto at = [&] { return where + ".rows[" + std::to_string(index) + "]"; };
    for (auto element : rows) {
      ondemand::array values;
      if (std::move(element).get_array().get(values)) return at() + ": expected an array";
      size_t column = 0;
      for (auto item : values) {
        ondemand::value cell;
        if (std::move(item).get(cell)) return at() + ": invalid JSON";
        if (column == columns.size()) {
          return at() + ": more than " + std::to_string(columns.size()) + " values";
        }
        const size_t field = columns[column++];
        if (field == fields.size()) {
          bool null = false;
          if (cell.is_null().get(null)) return at() + ".source: invalid JSON";
          if (null) continue;
          std::string file;
          int line = 0;
          if (ReadSource(cell, file, line)) return at() + ".source: expected {file, line}";
          StageSource(file, line);
          continue;
        }
        if (std::optional<std::string> error = StageValue(cell, fields[field].type, field)) {
          return at() + "." + std::string(fields[field].name) + ": " + *error;
        }
      }
      if (column != columns.size()) {
        return at() + ": " + std::to_string(columns.size()) + " values expected";
      }
      const size_t row = Commit(table, target, staged_);
      if (implied_session_kind != kAbsent) {
        table.SetInterned(row, kSessionKind, FieldType::kString, implied_session_kind);
      }
      if (implied_setting != kAbsent && table.Id(row, kConfigured) != kAbsent) {
        table.SetInterned(row, kSetting, FieldType::kString, implied_setting);
      }
      staged_.Clear();
      ++index;
    }
    return std::nullopt;
  }

  // A field's value, parsed and checked, before its fact is appended: a fact's source must be
  // known when its row is appended, and it may be derived from fields that come later.
  // Small, and written whole: a large load stages tens of millions of them.
  struct Staged {
    std::uint32_t field = 0;
    std::uint32_t count = 0;  // string lists: how many items
    // Integers, timestamps, booleans, TLS versions; the index of an address or range in
    // StagedFact::ranges, of a list's first item in StagedFact::lists.
    std::int64_t number = 0;
    std::string_view text;  // strings
  };
  // A fact's own "source", interned when the fact is appended.
  struct StagedSource {
    std::string_view file;
    int line = 0;
  };

  // One fact (a server's settings, a table's row) read and checked, not yet appended. Its
  // vectors keep their memory from one fact to the next.
  struct StagedFact {
    std::vector<Staged> values;
    std::optional<StagedSource> source;
    std::vector<std::string_view> lists;  // the items of string lists
    std::vector<IpRange> ranges;          // addresses (as first) and ranges
    // Text the views above point to that is not in the input (strings unescaped, file names):
    // a list, whose items stay where they are as more are added.
    std::forward_list<std::string> owned_text;

    void Clear() {
      values.clear();
      source.reset();
      lists.clear();
      ranges.clear();
      owned_text.clear();
    }
  };
  void StageSource(const std::string& file, int line) {
    staged_.source =
        StagedSource{file.empty() ? std::string_view()
                                  : std::string_view(staged_.owned_text.emplace_front(file)),
                     line};
  }

  // Reads the fields of one fact into staged_. Writers put them in schema order, so the next
  // field is looked for right after the previous one first.
  std::optional<std::string> StageFields(ondemand::object& object, const FactTable& table,
                                         const std::string& where) {
    const auto& fields = table.spec().fields;
    staged_.Clear();
    size_t expected = 0;
    for (auto member : object) {
      ondemand::field field;
      if (std::move(member).get(field)) return where + ": invalid JSON";
      const std::optional<std::string_view> key = RawText(field.key().raw(), end_, key_scratch_);
      if (!key) return where + ": invalid key";
      ondemand::value value = field.value();
      size_t index = fields.size();
      for (size_t step = 0; step < fields.size(); ++step) {
        const size_t candidate = (expected + step) % fields.size();
        if (fields[candidate].name == *key) {
          index = candidate;
          break;
        }
      }
      if (index == fields.size()) {
        if (*key != "source") return where + ": unknown field \"" + std::string(*key) + "\"";
        std::string file;
        int line = 0;
        if (ReadSource(value, file, line)) return where + ".source: expected {file, line}";
        StageSource(file, line);
        continue;
      }
      expected = index + 1;
      if (std::optional<std::string> error = StageValue(value, fields[index].type, index)) {
        return where + "." + std::string(fields[index].name) + ": " + *error;
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> StageValue(ondemand::value& value, FieldType type, size_t field) {
    ondemand::json_type json_type;
    if (value.type().get(json_type)) return "invalid JSON";
    if (json_type == ondemand::json_type::null) return std::nullopt;
    // Filled in place (an error ends the whole load).
    Staged& staged =
        staged_.values.emplace_back(Staged{static_cast<std::uint32_t>(field), 0, 0, {}});
    if (type == FieldType::kInteger) {
      if (value.get_int64().get(staged.number)) return "expected an integer";
    } else if (type == FieldType::kBool) {
      bool flag = false;
      if (value.get_bool().get(flag)) return "expected true or false";
      staged.number = flag;
    } else if (type == FieldType::kStringList) {
      ondemand::array array;
      if (value.get_array().get(array)) return "expected an array of strings";
      const size_t first = staged_.lists.size();
      for (auto element : array) {
        ondemand::value item;
        if (std::move(element).get(item)) return "invalid JSON";
        const std::optional<std::string_view> text = Text(item);
        if (!text) return "expected an array of strings";
        // A snapshot written by hand, or by another tool, may carry an hba rule's credentials in
        // clear: they go no further than here.
        staged_.lists.push_back(MaskSecretOption(*text));
      }
      staged.number = static_cast<std::int64_t>(first);
      staged.count = static_cast<std::uint32_t>(staged_.lists.size() - first);
    } else {
      const std::optional<std::string_view> text = Text(value);
      if (!text) return "expected a string";
      staged.text = *text;
      if (type == FieldType::kTimestamp) {
        const std::optional<std::int64_t> seconds = ParseTimestamp(*text);
        if (!seconds) return "expected a UTC timestamp";
        staged.number = *seconds;
      } else if (type == FieldType::kTlsVersion) {
        const std::optional<TlsVersion> version = ParseTlsVersion(*text);
        if (!version) return "expected TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3";
        staged.number = static_cast<std::int64_t>(*version);
      } else if (type == FieldType::kAddress) {
        const std::optional<IpAddress> address = ParseIpAddress(*text);
        if (!address) return "expected an IP address";
        staged.number = static_cast<std::int64_t>(staged_.ranges.size());
        staged_.ranges.push_back({*address, *address});
      } else if (type == FieldType::kRange) {
        const std::optional<IpRange> range = ParseFormattedIpRange(*text);
        if (!range) return "expected an address range";
        staged.number = static_cast<std::int64_t>(staged_.ranges.size());
        staged_.ranges.push_back(*range);
      }
    }
    return std::nullopt;
  }

  // What every fact of a table read from one server entry shares: looked up once.
  struct CommitTarget {
    std::optional<size_t> server_field;
    ValueId server = kAbsent;
  };

  CommitTarget TargetOf(const FactTable& table, const std::string& server) {
    return {table.spec().FieldIndex("server"), facts_.pool().InternString(server)};
  }

  // Appends the staged fact. Its server is the enclosing server unless it names
  // another; an hba_rule's source is its file and line unless it carries one.
  size_t Commit(FactTable& table, const CommitTarget& target, const StagedFact& staged) {
    const auto& fields = table.spec().fields;
    const std::vector<Staged>& values = staged.values;
    const std::optional<StagedSource>& given = staged.source;
    FactSource source;
    if (given) {
      source = {given->file.empty() ? kAbsent : facts_.pool().InternString(given->file),
                given->line};
    } else if (table.kind() == FactKind::kHbaRule) {
      for (const Staged& value : values) {
        if (fields[value.field].name == "file")
          source.file = facts_.pool().InternString(value.text);
        if (fields[value.field].name == "line") source.line = static_cast<int>(value.number);
      }
    }
    const size_t row = table.AppendRow(source);
    if (target.server_field) {
      table.SetInterned(row, *target.server_field, FieldType::kString, target.server);
    }
    for (const Staged& value : values) {
      switch (fields[value.field].type) {
        case FieldType::kString:
          table.SetString(row, value.field, value.text);
          break;
        case FieldType::kInteger:
        case FieldType::kTimestamp:
          table.SetInteger(row, value.field, value.number);
          break;
        case FieldType::kBool:
          table.SetBool(row, value.field, value.number != 0);
          break;
        case FieldType::kTlsVersion:
          table.SetTlsVersion(row, value.field, static_cast<TlsVersion>(value.number));
          break;
        case FieldType::kAddress:
          table.SetAddress(row, value.field,
                           staged.ranges[static_cast<size_t>(value.number)].first);
          break;
        case FieldType::kRange:
          table.SetRange(row, value.field, staged.ranges[static_cast<size_t>(value.number)]);
          break;
        case FieldType::kStringList:
          table.SetStringList(
              row, value.field,
              std::span(staged.lists).subspan(static_cast<size_t>(value.number), value.count));
          break;
      }
    }
    return row;
  }

  FactSet& facts_;
  Evidence& evidence_;
  std::set<size_t> time_unknown_;  // servers (by index) whose collected_at is null
  ondemand::parser parser_;
  const char* end_ = nullptr;
  std::string key_scratch_;
  std::string value_scratch_;
  StagedFact staged_;  // the fact being read
};

// The file into simdjson's padded buffer, read in place (a copy would double the memory of a
// large snapshot): a regular file of at most kDefaultMaxInputBytes.
std::optional<std::string> ReadSnapshotFile(const std::string& path,
                                            simdjson::padded_string& json) {
  std::string error;
  int open_errno = 0;
  const int fd = OpenInputFile(path, false, error, open_errno);
  if (fd < 0) return error;
  struct stat status;
  if (fstat(fd, &status) != 0 || status.st_size < 0) {
    close(fd);
    return "cannot stat the file";
  }
  const auto size = static_cast<std::size_t>(status.st_size);
  if (size > kDefaultMaxInputBytes) {
    close(fd);
    return "larger than the limit of " + FormatBytes(kDefaultMaxInputBytes);
  }
  json = simdjson::padded_string(size);
  std::size_t filled = 0;
  while (filled < size) {
    const ssize_t count = read(fd, json.data() + filled, size - filled);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) {
      close(fd);
      return count == 0 ? "the file shrank while it was read" : std::strerror(errno);
    }
    filled += static_cast<std::size_t>(count);
  }
  close(fd);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> LoadSnapshot(const std::string& path, FactSet& facts,
                                        Evidence& evidence) {
  std::optional<std::string> error;
  std::optional<std::string> digest;
  const std::size_t first_server = evidence.servers.size();
  const auto tables_before = TableSizes(facts);
  const std::string collected_at_before = evidence.collected_at;
  const std::string collector_before = evidence.collector_version;
  if (std::filesystem::path(path).extension() == ".csv") {
    error = ImportAuditCsv(path, facts, evidence);
    digest = Sha256OfFile(path);
  } else {
    simdjson::padded_string json;
    if (std::optional<std::string> read_error = ReadSnapshotFile(path, json)) {
      return "cannot read the file: " + *read_error;
    }
    // The digest of the bytes that are parsed, computed while they are.
    SideTask hashing = StartOrRun([&] { digest = Sha256Hex({json.data(), json.size()}); });
    error = Reader(facts, evidence).Read(json);
    hashing.Join();
  }
  if (error) {
    // All or nothing: a file that failed halfway leaves no server and no fact behind, which
    // would otherwise be evaluated (and written to a bundle's snapshot) as if complete.
    evidence.servers.resize(first_server);
    DropRowsSince(tables_before, facts);
    evidence.collected_at = collected_at_before;
    evidence.collector_version = collector_before;
    return *error;
  }
  for (std::size_t i = first_server; i < evidence.servers.size(); ++i) {
    evidence.servers[i].from_snapshot = true;
  }
  if (digest) evidence.artifacts.push_back({path, *digest});
  return std::nullopt;
}

}  // namespace pgward::collect
