#include "engine/logs/log_reader.h"

#include <simdjson.h>

#include <memory>
#include <vector>

#include "engine/logs/line_prefix.h"
#include "engine/logs/log_source.h"

namespace pgward::logs {
namespace {

// Most columns a csvlog record has (PostgreSQL 14+: 26); a record with more is not one.
constexpr std::size_t kMaxCsvColumns = 64;

// csvlog columns (PostgreSQL 13-18), from 0.
constexpr std::size_t kCsvTime = 0, kCsvUser = 1, kCsvDatabase = 2, kCsvPid = 3,
                      kCsvConnectionFrom = 4, kCsvSessionId = 5, kCsvSeverity = 11,
                      kCsvMessage = 13, kCsvApplication = 22;

std::string_view FirstLine(std::string_view text) { return text.substr(0, text.find('\n')); }

bool StartsWithTimestamp(std::string_view line) {
  if (line.size() < 19) return false;
  for (std::size_t i = 0; i < 19; ++i) {
    const char c = line[i];
    const bool digit = c >= '0' && c <= '9';
    switch (i) {
      case 4:
      case 7:
        if (c != '-') return false;
        break;
      case 10:
        if (c != ' ') return false;
        break;
      case 13:
      case 16:
        if (c != ':') return false;
        break;
      default:
        if (!digit) return false;
    }
  }
  return true;
}

// csvlog: a timestamp with milliseconds and its zone, then a comma. A stderr prefix that starts
// with %m has a space or '[' there instead.
bool LooksLikeCsvlog(std::string_view line) {
  if (!StartsWithTimestamp(line)) return false;
  const std::size_t comma = line.find(',');
  const std::size_t space_after_zone = line.find(' ', 24);
  return comma != std::string_view::npos && comma > 23 && comma < space_after_zone;
}

class EntryParser {
 public:
  virtual ~EntryParser() = default;
  // Returns false when the line is neither an entry nor part of one.
  virtual bool Line(std::string_view line, bool truncated) = 0;
  // The file has ended; returns the lines of an unfinished entry, which are unparsed.
  virtual std::uint64_t Finish() { return 0; }
  // Whether a later read may start after the last line: not inside a record.
  virtual bool AtBoundary() const { return true; }
};

class StderrParser : public EntryParser {
 public:
  StderrParser(std::string_view prefix, const std::function<void(const LogEntry&)>& on_entry)
      : prefix_(prefix), on_entry_(on_entry) {}

  bool Line(std::string_view line, bool /*truncated*/) override {
    PrefixFields fields;
    if (const std::optional<std::size_t> end = prefix_.Match(line, fields)) {
      // The prefix matched only where a severity follows: upper-case letters and digits, ":  ".
      std::size_t colon = *end;
      while (line[colon] != ':') ++colon;
      LogEntry entry;
      entry.timestamp = fields.timestamp;
      entry.epoch_timestamp = fields.epoch_timestamp;
      entry.pid = fields.pid;
      entry.session_id = fields.session_id;
      entry.severity = line.substr(*end, colon - *end);
      entry.message = line.substr(colon + 3);
      entry.user = fields.user;
      entry.database = fields.database;
      entry.application = fields.application;
      entry.client = fields.client;
      on_entry_(entry);
      in_entry_ = true;
      return true;
    }
    // Further lines of a message are written with a tab in front (elog.c: append_with_tabs).
    return in_entry_ && !line.empty() && line.front() == '\t';
  }

 private:
  LinePrefix prefix_;
  const std::function<void(const LogEntry&)>& on_entry_;
  bool in_entry_ = false;
};

// RFC 4180 as write_csvlog writes it: fields quoted when they are strings, quotes doubled, and
// newlines inside quoted fields, so that a record may span lines.
class CsvParser : public EntryParser {
 public:
  explicit CsvParser(const std::function<void(const LogEntry&)>& on_entry) : on_entry_(on_entry) {}

  bool Line(std::string_view line, bool truncated) override {
    ++record_lines_;
    if (truncated) Break();
    // Quotes are followed even in a record that is given up: it still ends where it ends, and
    // the lines of its quoted fields never pass for records of their own.
    Scan(line);
    if (in_quotes_) {
      if (!broken_) {
        fields_.back() += '\n';
        record_bytes_ += 1;
      }
      return true;  // counted when the record ends
    }
    const bool parsed = !broken_ && Emit();
    const std::uint64_t lines = record_lines_;
    Reset();
    // The lines of a record that is not one are all unparsed; Line() reports one of them, the
    // rest are added by the caller through Unparsed().
    extra_unparsed_ += parsed ? 0 : lines - 1;
    return parsed;
  }

  std::uint64_t Finish() override {
    const std::uint64_t unfinished = in_quotes_ ? record_lines_ : 0;
    Reset();
    return unfinished + TakeExtraUnparsed();
  }

  bool AtBoundary() const override { return !in_quotes_; }

  std::uint64_t TakeExtraUnparsed() {
    const std::uint64_t extra = extra_unparsed_;
    extra_unparsed_ = 0;
    return extra;
  }

 private:
  // Gives the record up: what it held is dropped, its end is still looked for.
  void Break() {
    broken_ = true;
    fields_.clear();
    fields_.shrink_to_fit();
  }

  void Append(char c) {
    if (!broken_) fields_.back() += c;
  }

  void Scan(std::string_view line) {
    if (fields_.empty() && !broken_) fields_.emplace_back();
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (in_quotes_) {
        if (c == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            Append('"');
            ++i;
          } else {
            in_quotes_ = false;
          }
        } else {
          Append(c);
        }
      } else if (c == '"') {
        in_quotes_ = true;
      } else if (c == ',') {
        if (!broken_ && fields_.size() >= kMaxCsvColumns) Break();
        if (!broken_) fields_.emplace_back();
      } else {
        Append(c);
      }
    }
    record_bytes_ += line.size();
    if (record_bytes_ > kMaxLineBytes && !broken_) Break();
  }

  bool Emit() {
    if (fields_.size() <= kCsvMessage || !StartsWithTimestamp(fields_[kCsvTime])) return false;
    LogEntry entry;
    entry.timestamp = fields_[kCsvTime];
    entry.user = fields_[kCsvUser];
    entry.database = fields_[kCsvDatabase];
    entry.pid = fields_[kCsvPid];
    // "host:port" over TCP (the port after the last colon, IPv6 addresses have colons too),
    // "[local]" over the Unix socket.
    std::string_view from = fields_[kCsvConnectionFrom];
    if (const std::size_t colon = from.rfind(':');
        colon != std::string_view::npos && from != "[local]") {
      from = from.substr(0, colon);
    }
    entry.client = from;
    entry.session_id = fields_[kCsvSessionId];
    entry.severity = fields_[kCsvSeverity];
    entry.message = FirstLine(fields_[kCsvMessage]);
    if (fields_.size() > kCsvApplication) entry.application = fields_[kCsvApplication];
    on_entry_(entry);
    return true;
  }

  void Reset() {
    fields_.clear();
    in_quotes_ = false;
    broken_ = false;
    record_lines_ = 0;
    record_bytes_ = 0;
  }

  const std::function<void(const LogEntry&)>& on_entry_;
  std::vector<std::string> fields_;
  bool in_quotes_ = false;
  bool broken_ = false;
  std::uint64_t record_lines_ = 0;
  std::size_t record_bytes_ = 0;
  std::uint64_t extra_unparsed_ = 0;
};

// jsonlog: one JSON object per line (elog.c: write_jsonlog); keys absent when the value is.
class JsonParser : public EntryParser {
 public:
  explicit JsonParser(const std::function<void(const LogEntry&)>& on_entry) : on_entry_(on_entry) {}

  bool Line(std::string_view line, bool truncated) override {
    if (truncated) return false;
    simdjson::dom::element document;
    if (parser_.parse(line.data(), line.size()).get(document) != simdjson::SUCCESS) return false;
    simdjson::dom::object object;
    if (document.get_object().get(object) != simdjson::SUCCESS) return false;
    LogEntry entry;
    std::string_view message;
    if (object["message"].get_string().get(message) != simdjson::SUCCESS) return false;
    entry.message = FirstLine(message);
    const auto text = [&](const char* key, std::string_view& into) {
      std::string_view value;
      if (object[key].get_string().get(value) == simdjson::SUCCESS) into = value;
    };
    text("timestamp", entry.timestamp);
    text("user", entry.user);
    text("dbname", entry.database);
    text("session_id", entry.session_id);
    text("error_severity", entry.severity);
    text("application_name", entry.application);
    text("remote_host", entry.client);
    std::int64_t pid = 0;
    if (object["pid"].get_int64().get(pid) == simdjson::SUCCESS) {
      pid_text_ = std::to_string(pid);
      entry.pid = pid_text_;
    }
    on_entry_(entry);
    return true;
  }

 private:
  const std::function<void(const LogEntry&)>& on_entry_;
  simdjson::dom::parser parser_;
  std::string pid_text_;
};

}  // namespace

const char* LogFormatName(LogFormat format) {
  switch (format) {
    case LogFormat::kStderr:
      return "stderr";
    case LogFormat::kCsvlog:
      return "csvlog";
    case LogFormat::kJsonlog:
      return "jsonlog";
  }
  return "";
}

std::optional<LogFormat> ParseLogFormat(std::string_view name) {
  for (const LogFormat format : {LogFormat::kStderr, LogFormat::kCsvlog, LogFormat::kJsonlog}) {
    if (name == LogFormatName(format)) return format;
  }
  return std::nullopt;
}

LogReadResult ReadServerLog(const std::string& path, const LogReadOptions& options,
                            const std::function<void(const LogEntry&)>& on_entry,
                            const LogPositions* resume, LogPositions* reached) {
  LogReadResult result;
  std::unique_ptr<EntryParser> parser;
  CsvParser* csv = nullptr;
  const SourceResult source = ReadLogLines(
      path,
      [&](const SourceLine& line) {
        ++result.lines;
        if (!parser) {
          if (line.text.empty() && !options.format) return true;  // blank lines decide nothing
          result.format = options.format.value_or(
              !line.text.empty() && line.text.front() == '{' ? LogFormat::kJsonlog
              : LooksLikeCsvlog(line.text)                   ? LogFormat::kCsvlog
                                                             : LogFormat::kStderr);
          switch (result.format) {
            case LogFormat::kStderr:
              parser = std::make_unique<StderrParser>(options.line_prefix, on_entry);
              break;
            case LogFormat::kCsvlog: {
              auto made = std::make_unique<CsvParser>(on_entry);
              csv = made.get();
              parser = std::move(made);
              break;
            }
            case LogFormat::kJsonlog:
              parser = std::make_unique<JsonParser>(on_entry);
              break;
          }
        }
        if (!parser->Line(line.text, line.truncated)) ++result.unparsed_lines;
        if (csv != nullptr) result.unparsed_lines += csv->TakeExtraUnparsed();
        return parser->AtBoundary();
      },
      resume, reached);
  if (parser) result.unparsed_lines += parser->Finish();
  if (!parser && options.format) result.format = *options.format;
  result.error = source.error;
  return result;
}

}  // namespace pgward::logs
