#include "engine/logs/log_reader.h"

#include <simdjson.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include "engine/core/side_thread.h"
#include "engine/logs/line_prefix.h"
#include "engine/logs/log_source.h"

namespace pgward::logs {
namespace {

// Most columns a csvlog record has (PostgreSQL 14+: 26); a record with more is not one.
constexpr std::size_t kMaxCsvColumns = 64;

// csvlog columns (PostgreSQL 13-18), from 0.
constexpr std::size_t kCsvTime = 0, kCsvUser = 1, kCsvDatabase = 2, kCsvPid = 3,
                      kCsvConnectionFrom = 4, kCsvSessionId = 5, kCsvSeverity = 11,
                      kCsvMessage = 13, kCsvContext = 18, kCsvApplication = 22,
                      kCsvBackendType = 23;

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

// An entry owning its text: simdjson's buffer is used again for the next line, and an entry
// whose CONTEXT may be in the next block outlives its own.
// Its values are kept one after the other in one string: one allocation per entry.
class KeptEntry {
 public:
  explicit KeptEntry(const LogEntry& entry)
      : epoch_timestamp_(entry.epoch_timestamp),
        carries_application_(entry.carries_application),
        forgeable_(entry.forgeable),
        scan_note_(entry.scan_note) {
    const std::string_view values[kValues] = {
        entry.timestamp, entry.pid,      entry.session_id,  entry.severity, entry.message,
        entry.user,      entry.database, entry.application, entry.client,   entry.backend_type};
    std::size_t total = 0;
    for (const std::string_view value : values) total += value.size();
    text_.reserve(total);
    for (std::size_t i = 0; i < kValues; ++i) {
      lengths_[i] = values[i].size();
      text_.append(values[i]);
    }
    has_context = entry.has_context;
  }

  LogEntry View() const {
    std::string_view values[kValues];
    std::size_t at = 0;
    for (std::size_t i = 0; i < kValues; ++i) {
      values[i] = std::string_view(text_).substr(at, lengths_[i]);
      at += lengths_[i];
    }
    LogEntry entry;
    entry.timestamp = values[0];
    entry.epoch_timestamp = epoch_timestamp_;
    entry.pid = values[1];
    entry.session_id = values[2];
    entry.severity = values[3];
    entry.message = values[4];
    entry.user = values[5];
    entry.database = values[6];
    entry.application = values[7];
    entry.client = values[8];
    entry.has_context = has_context;
    entry.carries_application = carries_application_;
    entry.backend_type = values[9];
    entry.forgeable = forgeable_;
    entry.scan_note = scan_note_;
    return entry;
  }

  bool has_context = false;

 private:
  static constexpr std::size_t kValues = 10;
  std::string text_;
  std::size_t lengths_[kValues] = {};
  bool epoch_timestamp_ = false;
  bool carries_application_ = false;
  bool forgeable_ = false;
  LogEntry::ScanNote scan_note_;
};

std::string_view BackendOf(const LogEntry& entry) {
  return entry.session_id.empty() ? entry.pid : entry.session_id;
}

// One block, read: what it kept, and what its first and last lines leave to its neighbours.
struct BlockOutcome {
  std::unique_ptr<LogEntrySink::BlockScan> scan;
  BlockBytes bytes;  // the block, which stderr's kept entries are views of
  std::vector<LogEntry> kept;
  std::deque<KeptEntry> owned;  // jsonlog's kept entries' text
  std::uint64_t lines = 0;
  std::uint64_t unparsed = 0;
  // stderr: tab lines before the block's first other line continue the previous block's entry,
  // if it ended in one; whether this block ends in an entry (nullopt: it has no other line).
  std::uint64_t leading_continuations = 0;
  std::optional<bool> ends_in_entry;
  // stderr: the last kept entry's lines (DETAIL, CONTEXT, ...) may go on in the next block; the
  // backend of a CONTEXT line among the block's first lines, which belongs to the previous one.
  bool last_kept_open = false;
  std::optional<std::string> leading_context_backend;
  // No message and no line that is not an entry: only lines that go on the previous block's
  // message (tab lines, DETAIL, CONTEXT, ...), whose CONTEXT may come later still.
  bool only_continues = true;
};

// The vectors of kept entries, used again: a busy block keeps thousands, and growing a new vector
// for each block costs more than reading it.
class KeptVectors {
 public:
  std::vector<LogEntry> Take() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) return {};
    std::vector<LogEntry> kept = std::move(free_.back());
    free_.pop_back();
    return kept;
  }
  void Give(std::vector<LogEntry> kept) {
    kept.clear();
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(kept));
  }

 private:
  std::mutex mutex_;
  std::vector<std::vector<LogEntry>> free_;
};

// The lines PostgreSQL writes after a message, each with its own prefix (elog.c:
// send_message_to_server_log).
bool IsAuxiliarySeverity(std::string_view severity) {
  // LOG, most lines' severity, is shorter than any of them.
  if (severity.size() < 4) return false;
  return IsText(severity, "DETAIL") || IsText(severity, "HINT") || IsText(severity, "QUERY") ||
         IsText(severity, "CONTEXT") || IsText(severity, "LOCATION") ||
         IsText(severity, "STATEMENT") || IsText(severity, "BACKTRACE");
}

void ReadStderrBlock(std::string_view text, const LinePrefix& prefix, BlockOutcome& outcome) {
  PrefixFields fields;
  // One entry, its fields written again for each line: making a new one costs more.
  LogEntry entry;
  entry.forgeable = prefix.writes_client_text();
  bool seen_other = false;  // a line that is not a tab line
  bool leading = true;      // before the block's first message or line that is no entry
  bool in_entry = false;
  // The last kept entry, while lines that may be its CONTEXT follow.
  constexpr std::size_t kNone = std::string_view::npos;
  std::size_t open = kNone;
  ForEachLine(text, [&](std::string_view line) {
    ++outcome.lines;
    if (const std::optional<std::size_t> end = prefix.Match(line, fields)) {
      // The prefix matched only where a severity follows: upper-case letters and digits, ":  ".
      entry.timestamp = fields.timestamp;
      entry.epoch_timestamp = fields.epoch_timestamp;
      entry.pid = fields.pid;
      entry.session_id = fields.session_id;
      entry.severity = fields.severity;
      // The prefix, the severity and ":  " are within the line.
      const std::size_t message_at = *end + fields.severity.size() + 3;
      entry.message = std::string_view(line.data() + message_at, line.size() - message_at);
      entry.user = fields.user;
      entry.database = fields.database;
      entry.application = fields.application;
      entry.client = fields.client;
      entry.carries_application = fields.application_matched;
      entry.backend_type = fields.backend_type;
      entry.scan_note = {};
      seen_other = true;
      in_entry = true;
      // DETAIL, STATEMENT, CONTEXT, ... belong to the message before them, and are no entries
      // of their own: a STATEMENT line holds what the client sent, which may read like anything.
      if (IsAuxiliarySeverity(entry.severity)) {
        if (!IsText(entry.severity, "CONTEXT")) return;
        if (open != kNone && BackendOf(outcome.kept[open]) == BackendOf(entry)) {
          outcome.kept[open].has_context = true;
        } else if (leading && !outcome.leading_context_backend) {
          outcome.leading_context_backend = std::string(BackendOf(entry));
        }
        return;
      }
      open = kNone;
      leading = false;
      outcome.only_continues = false;
      if (outcome.scan->Keep(entry)) {
        outcome.kept.push_back(entry);
        open = outcome.kept.size() - 1;
      }
      return;
    }
    // Further lines of a message are written with a tab in front (elog.c: append_with_tabs).
    if (!line.empty() && line.front() == '\t') {
      if (!seen_other) {
        ++outcome.leading_continuations;
      } else if (!in_entry) {
        ++outcome.unparsed;
      }
      return;
    }
    ++outcome.unparsed;
    outcome.scan->NotAnEntry(line, outcome.lines);
    seen_other = true;
    leading = false;
    outcome.only_continues = false;
    in_entry = false;
    open = kNone;
  });
  outcome.last_kept_open = open != kNone;
  if (seen_other) outcome.ends_in_entry = in_entry;
}

// RFC 4180 as write_csvlog writes it: fields quoted when they are strings, quotes doubled, and
// newlines inside quoted fields, so that a record may span lines.
class CsvParser {
 public:
  explicit CsvParser(const std::function<void(const LogEntry&)>& on_entry) : on_entry_(on_entry) {}

  // Returns false when the line is neither an entry nor part of one.
  // `cut_quotes`: the double quotes of the part of a truncated line that was cut off.
  bool Line(std::string_view line, bool truncated, std::uint64_t cut_quotes) {
    ++record_lines_;
    if (truncated) Break();
    // Quotes are followed even in a record that is given up: it still ends where it ends, and
    // the lines of its quoted fields never pass for records of their own. Each quote turns
    // quoting on or off (a doubled one, twice), so the cut-off part's count is enough.
    Scan(line);
    if (cut_quotes % 2 == 1) in_quotes_ = !in_quotes_;
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

  // The file has ended; returns the lines of an unfinished record, which are unparsed.
  std::uint64_t Finish() {
    const std::uint64_t unfinished = in_quotes_ ? record_lines_ : 0;
    Reset();
    return unfinished + TakeExtraUnparsed();
  }

  // Whether a later read may start after the last line: not inside a record.
  bool AtBoundary() const { return !in_quotes_; }

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
    entry.has_context = fields_.size() > kCsvContext && !fields_[kCsvContext].empty();
    entry.carries_application = true;
    if (fields_.size() > kCsvBackendType) entry.backend_type = fields_[kCsvBackendType];
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
void ReadJsonBlock(std::string_view text, bool truncated, BlockOutcome& outcome) {
  simdjson::dom::parser parser;
  std::string pid_text;
  ForEachLine(text, [&](std::string_view line) {
    ++outcome.lines;
    simdjson::dom::element document;
    simdjson::dom::object object;
    std::string_view message;
    const simdjson::error_code parsed =
        truncated ? simdjson::SUCCESS : parser.parse(line.data(), line.size()).get(document);
    // Out of memory: the parser may be left with buffers it counts but does not have (a later,
    // shorter line then crashed simdjson 3.0.1), so it is not used again.
    if (parsed == simdjson::MEMALLOC) throw std::bad_alloc();
    if (truncated || parsed != simdjson::SUCCESS ||
        document.get_object().get(object) != simdjson::SUCCESS ||
        object["message"].get_string().get(message) != simdjson::SUCCESS) {
      ++outcome.unparsed;
      return;
    }
    LogEntry entry;
    entry.message = FirstLine(message);
    const auto text_of = [&](const char* key, std::string_view& into) {
      std::string_view value;
      if (object[key].get_string().get(value) == simdjson::SUCCESS) into = value;
    };
    text_of("timestamp", entry.timestamp);
    text_of("user", entry.user);
    text_of("dbname", entry.database);
    text_of("session_id", entry.session_id);
    text_of("error_severity", entry.severity);
    text_of("application_name", entry.application);
    text_of("remote_host", entry.client);
    text_of("backend_type", entry.backend_type);
    std::string_view context;
    text_of("context", context);
    entry.has_context = !context.empty();
    entry.carries_application = true;
    std::int64_t pid = 0;
    if (object["pid"].get_int64().get(pid) == simdjson::SUCCESS) {
      pid_text = std::to_string(pid);
      entry.pid = pid_text;
    }
    if (outcome.scan->Keep(entry)) outcome.kept.push_back(outcome.owned.emplace_back(entry).View());
  });
}

// The blocks of a file read on `threads` threads, the calling one among them, and taken in file
// order by `take`. A thread reads the file's next block itself and then reads its lines: the
// copy from the page cache leaves the bytes in that core's cache, where a block copied on one
// core and read on another cost its lines three times as much (measured on two cores: the
// summary took 40% more processor time than on one). One thread reads from the file at a
// time, and numbers the block; a thread that finds the block next in order read takes it, and
// those after it that are ready, while the others read on. At most three blocks per thread are
// read and not yet taken, so memory stays bounded whatever the file's size. What a thread
// throws (no memory left) stops the others and is thrown again on the calling thread.
class BlockPipeline {
 public:
  using Work = std::function<BlockOutcome(SourceBlock&)>;
  using Take = std::function<void(BlockOutcome&)>;

  static void Run(unsigned threads, LogBlockReader& reader, const Work& work, const Take& take) {
    BlockPipeline pipeline(reader, work, take, threads);
    RunOnThreads(threads, [&pipeline] { pipeline.Share(); });
  }

 private:
  BlockPipeline(LogBlockReader& reader, const Work& work, const Take& take, unsigned threads)
      : reader_(reader), work_(work), take_(take), limit_(3 * std::uint64_t{threads}) {}

  // One thread's share: reads, and takes, until every block is taken or a thread failed.
  void Share() {
    std::unique_lock<std::mutex> lock(mutex_);
    try {
      while (!failed_) {
        if (Takeable()) {
          TakeReady(lock);
        } else if (!reading_ && !read_all_ && read_ - taken_ < limit_) {
          ReadOne(lock);
        } else if (read_all_ && taken_ == read_) {
          return;
        } else {
          changed_.wait(lock);
        }
      }
    } catch (...) {
      // The others stop too; RunOnThreads throws it again once they have.
      if (!lock.owns_lock()) lock.lock();
      failed_ = true;
      changed_.notify_all();
      throw;
    }
  }

  // Whether the block next in order is read and no thread is taking blocks.
  bool Takeable() const { return !taking_ && done_.count(taken_) > 0; }

  // Reads the file's next block and its lines (`lock` held on entry and on return, not while
  // reading).
  void ReadOne(std::unique_lock<std::mutex>& lock) {
    reading_ = true;
    lock.unlock();
    std::optional<SourceBlock> block = reader_.Next();
    if (block) reader_.Passed(*block, block->size);
    lock.lock();
    reading_ = false;
    if (!block) {
      read_all_ = true;
      changed_.notify_all();
      return;
    }
    const std::uint64_t index = read_++;
    changed_.notify_all();  // another thread may read the next block
    lock.unlock();
    BlockOutcome outcome = work_(*block);
    lock.lock();
    done_.emplace(index, std::move(outcome));
  }

  // Takes the blocks next in order that are read.
  void TakeReady(std::unique_lock<std::mutex>& lock) {
    taking_ = true;
    for (auto next = done_.find(taken_); next != done_.end() && !failed_;
         next = done_.find(taken_)) {
      BlockOutcome ready = std::move(next->second);
      done_.erase(next);
      lock.unlock();
      take_(ready);
      lock.lock();
      ++taken_;
      // Told at each block taken, not at the end of the run: another thread may read ahead.
      changed_.notify_all();
    }
    taking_ = false;
  }

  LogBlockReader& reader_;
  const Work& work_;
  const Take& take_;
  const std::uint64_t limit_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::uint64_t, BlockOutcome> done_;
  std::uint64_t read_ = 0, taken_ = 0;
  bool reading_ = false, read_all_ = false, taking_ = false;
  bool failed_ = false;  // a thread threw
};

// Takes block outcomes in file order into the sink, settling what crosses block ends.
class OutcomeJoiner {
 public:
  OutcomeJoiner(LogEntrySink& sink, LogReadResult& result, BlockBuffers& buffers,
                KeptVectors& vectors)
      : sink_(sink), result_(result), buffers_(buffers), vectors_(vectors) {}

  void Take(BlockOutcome& outcome) {
    result_.lines += outcome.lines;
    result_.unparsed_lines += outcome.unparsed + (in_entry_ ? 0 : outcome.leading_continuations);
    if (outcome.ends_in_entry) in_entry_ = *outcome.ends_in_entry;
    sink_.Merge(*outcome.scan, result_.lines - outcome.lines);
    if (held_) {
      if (outcome.leading_context_backend == BackendOf(held_->View())) held_->has_context = true;
      // A long message (a statement of megabytes) may put its CONTEXT further still.
      if (outcome.only_continues && !held_->has_context) {
        Release(outcome);
        return;
      }
      sink_.Add(held_->View());
      held_.reset();
    }
    for (std::size_t i = 0; i < outcome.kept.size(); ++i) {
      if (i + 1 == outcome.kept.size() && outcome.last_kept_open) {
        held_.emplace(outcome.kept[i]);
      } else {
        sink_.Add(outcome.kept[i]);
      }
    }
    Release(outcome);
  }

  void Finish() {
    if (held_) sink_.Add(held_->View());
    held_.reset();
  }

 private:
  void Release(BlockOutcome& outcome) {
    buffers_.Give(std::move(outcome.bytes));
    vectors_.Give(std::move(outcome.kept));
  }

  LogEntrySink& sink_;
  LogReadResult& result_;
  BlockBuffers& buffers_;
  KeptVectors& vectors_;
  bool in_entry_ = false;
  std::optional<KeptEntry> held_;
};

LogFormat DetectFormat(std::string_view text) {
  std::string_view first;
  ForEachLine(text, [&](std::string_view line) {
    if (first.empty()) first = line;
  });
  return !first.empty() && first.front() == '{' ? LogFormat::kJsonlog
         : LooksLikeCsvlog(first)               ? LogFormat::kCsvlog
                                                : LogFormat::kStderr;
}

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
                            LogEntrySink& sink, const LogPositions* resume, LogPositions* reached) {
  LogReadResult result;
  BlockBuffers buffers;
  KeptVectors vectors;
  OutcomeJoiner joiner(sink, result, buffers, vectors);
  std::optional<LogFormat> format = options.format;
  // csvlog, read on this thread.
  std::unique_ptr<LogEntrySink::BlockScan> csv_scan;
  const std::function<void(const LogEntry&)> on_csv_entry = [&](const LogEntry& parsed) {
    LogEntry entry = parsed;
    if (csv_scan->Keep(entry)) sink.Add(entry);
  };
  CsvParser csv(on_csv_entry);
  // stderr and jsonlog, read on every thread.
  // More threads than this gain little (the entries that count are taken one block at a time)
  // and hold more blocks at once: three per thread, each up to kBlockBytes of text and the
  // entries it keeps.
  constexpr unsigned kMostThreads = 4;
  const unsigned threads = std::min(
      kMostThreads,
      options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency()));
  const auto read_block = [&](SourceBlock& block) {
    BlockOutcome outcome;
    outcome.scan = sink.NewBlockScan();
    outcome.kept = vectors.Take();
    if (format == LogFormat::kJsonlog) {
      ReadJsonBlock(block.text(), block.truncated, outcome);
    } else {
      ReadStderrBlock(block.text(), LinePrefix(options.line_prefix), outcome);
    }
    outcome.bytes = std::move(block.bytes);
    return outcome;
  };
  const std::function<void(BlockOutcome&)> take = [&](BlockOutcome& outcome) {
    joiner.Take(outcome);
  };
  LogBlockReader reader(path, buffers, resume, reached != nullptr);
  while (std::optional<SourceBlock> block = reader.Next()) {
    const std::string_view text = block->text();
    if (!format) {
      // Blank lines decide nothing (and are no entries).
      if (text.find_first_not_of("\r\n") == std::string_view::npos) {
        ForEachLine(text, [&](std::string_view) {
          ++result.lines;
          ++result.unparsed_lines;
        });
        reader.Passed(*block, text.size());
        buffers.Give(std::move(block->bytes));
        continue;
      }
      format = DetectFormat(text.substr(text.find_first_not_of("\r\n")));
    }
    if (*format == LogFormat::kCsvlog) {
      if (!csv_scan) csv_scan = sink.NewBlockScan();
      std::size_t resumable = 0;
      const auto line_of = [&](std::string_view line, bool truncated) {
        ++result.lines;
        if (!csv.Line(line, truncated, truncated ? block->cut_quotes : 0)) {
          ++result.unparsed_lines;
        }
        result.unparsed_lines += csv.TakeExtraUnparsed();
        if (csv.AtBoundary()) resumable = AfterLine(text, line);
      };
      if (block->truncated) {
        line_of(text, true);
      } else {
        ForEachLine(text, [&](std::string_view line) { line_of(line, false); });
      }
      reader.Passed(*block, resumable);
      buffers.Give(std::move(block->bytes));
      continue;
    }
    // stderr and jsonlog: this block, whose format is known now, here; the others on every
    // thread.
    reader.Passed(*block, text.size());
    BlockOutcome outcome = read_block(*block);
    take(outcome);
    if (threads > 1) BlockPipeline::Run(threads, reader, read_block, take);
  }
  joiner.Finish();
  if (csv_scan) {
    result.unparsed_lines += csv.Finish();
    sink.Merge(*csv_scan, 0);
  }
  const SourceResult source = reader.Finish(reached);
  result.format = format.value_or(LogFormat::kStderr);
  result.error = source.error;
  return result;
}

}  // namespace pgward::logs
