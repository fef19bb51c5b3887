#include "engine/hba/tokenizer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <utility>

#include "engine/hba/paths.h"

namespace pgward::hba::internal {
namespace {

// next_token()'s fixed buffer (MAX_TOKEN 10240 bytes with the terminating NUL) up to 15; 16
// builds tokens in a StringInfo (a real 16.14 server takes a 50,000-byte token:
// ViewAcrossVersionsTest).
constexpr std::size_t kMaxTokenBytes = 10240 - 1;
constexpr int kLastVersionWithTokenLimit = 15;
// PostgreSQL 13 reads lines with fgets() into a MAX_LINE (20480) buffer.
constexpr std::size_t kPg13LineBufferBytes = 20480 - 1;
// CONF_FILE_MAX_DEPTH (conffiles.h), checked by open_auth_file() from 16 on. Up to 15 a file
// that @-includes itself recurses until the server runs out of file descriptors and the whole
// pg_hba_file_rules query fails ("exceeded maxAllocatedDescs"); pgward stops at the same depth
// as 16 and reports an error row instead.
constexpr int kMaxIncludeDepth = 10;
// Files are read in blocks of this size into one buffer that is reused, so that reading a large
// file touches no fresh memory beyond it (first-touch page faults cost more than the parse).
constexpr std::size_t kReadBlockBytes = 64 * 1024;

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The characters next_token() skips before a token: blanks and commas. A table, because the
// test runs between all the tokens of the file.
constexpr std::array<bool, 256> kSkippedBeforeToken = [] {
  std::array<bool, 256> table{};
  for (unsigned char c : {' ', '\t', '\r', ','}) table[c] = true;
  return table;
}();

// The characters that end a run next_token() copies as is outside quotes.
constexpr std::array<bool, 256> kEndsUnquotedRun = [] {
  std::array<bool, 256> table{};
  for (unsigned char c : {' ', '\t', '\r', '#', ',', '"'}) table[c] = true;
  return table;
}();

bool IsPlainUnquoted(char c) { return !kEndsUnquotedRun[static_cast<unsigned char>(c)]; }

// The end of the run of plain characters that starts at line[pos]: the first character of
// kEndsUnquotedRun, or the end of the line. This runs for nearly every byte of the file, so
// it compares 16 bytes at a time (GCC/Clang vector extensions: SSE2 on x86-64, NEON on arm64)
// as long as they lie within the line, which is one step for most tokens.
std::size_t EndOfUnquotedRun(std::string_view line, std::size_t pos) {
  static_assert(std::endian::native == std::endian::little, "the first byte is the low one");
  using Bytes = unsigned char __attribute__((vector_size(16)));
  for (; pos + sizeof(Bytes) <= line.size(); pos += sizeof(Bytes)) {
    Bytes bytes;
    std::memcpy(&bytes, line.data() + pos, sizeof(bytes));
    const auto ends = (bytes == ' ') | (bytes == '\t') | (bytes == '\r') | (bytes == '#') |
                      (bytes == ',') | (bytes == '"');
    std::uint64_t halves[2];
    std::memcpy(halves, &ends, sizeof(halves));
    if (halves[0] != 0) return pos + std::countr_zero(halves[0]) / 8;
    if (halves[1] != 0) return pos + 8 + std::countr_zero(halves[1]) / 8;
  }
  while (pos < line.size() && IsPlainUnquoted(line[pos])) ++pos;
  return pos;
}

std::string ErrnoText(int error_number) {
  char buffer[256];
  // GNU strerror_r returns the message, which may or may not live in `buffer`.
  return strerror_r(error_number, buffer, sizeof(buffer));
}

std::string Quoted(std::string_view text) {
  std::string quoted;
  quoted.reserve(text.size() + 2);
  quoted += '"';
  quoted += text;
  quoted += '"';
  return quoted;
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_;
};

// The bytes of one file: all in memory already, or read from a descriptor block by block into
// a buffer that keeps the unread rest of the current line (and grows only for a line longer
// than itself).
class ByteSource {
 public:
  // Bytes in memory; `read_error` is the errno the read of them ended with, if any.
  explicit ByteSource(std::string_view contents, int read_error = 0)
      : window_(contents), at_eof_(true), read_error_(read_error) {}
  // Reads `fd`, counting what it reads against the gate's limits: past one, the file ends.
  ByteSource(int fd, FileGate& gate) : fd_(fd), gate_(&gate) {}

  bool AtEnd() { return pos_ >= window_.size() && !Fill(); }

  // The unread bytes up to and including the next newline, or up to the end of the file.
  std::string_view RestOfLine() {
    for (;;) {
      const std::size_t from = std::max(pos_, scanned_);
      if (from < window_.size()) {
        if (const void* newline = std::memchr(window_.data() + from, '\n', window_.size() - from)) {
          const auto end =
              static_cast<std::size_t>(static_cast<const char*>(newline) - window_.data()) + 1;
          return window_.substr(pos_, end - pos_);
        }
      }
      scanned_ = window_.size();
      if (!Fill()) return window_.substr(pos_);
    }
  }

  void Advance(std::size_t count) { pos_ += count; }

  // The errno of a failed read(); the source then ends where the last complete block did.
  int read_error() const { return read_error_; }

 private:
  // Moves the unread bytes to the front of the buffer and reads more behind them. False when
  // nothing more can be read.
  bool Fill() {
    if (at_eof_) return false;
    const std::size_t unread = window_.size() - pos_;
    if (unread == capacity_) {
      const std::size_t capacity = capacity_ == 0 ? kReadBlockBytes : capacity_ * 2;
      auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
      if (unread > 0) std::memcpy(bigger.get(), window_.data() + pos_, unread);
      buffer_ = std::move(bigger);
      capacity_ = capacity;
    } else if (unread > 0 && pos_ > 0) {
      std::memmove(buffer_.get(), window_.data() + pos_, unread);
    }
    scanned_ = scanned_ > pos_ ? scanned_ - pos_ : 0;
    pos_ = 0;
    ssize_t count = 0;
    do {
      count = read(fd_, buffer_.get() + unread, capacity_ - unread);
    } while (count < 0 && errno == EINTR);
    if (count < 0) {
      // Like the server, a file that fails to read ends there; the incomplete line goes too.
      read_error_ = errno;
      at_eof_ = true;
      window_ = std::string_view();
      scanned_ = 0;
      return false;
    }
    if (count > 0) {
      bytes_read_ += static_cast<std::size_t>(count);
      if (!gate_->AddBytes(bytes_read_, static_cast<std::size_t>(count))) count = 0;
    }
    if (count == 0) at_eof_ = true;
    window_ = std::string_view(buffer_.get(), unread + static_cast<std::size_t>(count));
    return count > 0;
  }

  std::string_view window_;
  std::size_t pos_ = 0;
  std::size_t scanned_ = 0;  // window_ has no newline in [pos_, scanned_)
  int fd_ = -1;
  FileGate* gate_ = nullptr;
  std::size_t bytes_read_ = 0;
  bool at_eof_ = false;
  int read_error_ = 0;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
};

// pg_get_line_append() over a ByteSource. The server appends fgets() chunks to a StringInfo
// and advances by strlen(), so a NUL byte drops the rest of its chunk, and when the line's
// newline went with it the next physical line is glued on (without counting as a new line).
// Chunk boundaries depend on the buffer size, which is simulated: 1024 bytes to start, doubled
// by enlargeStringInfo(buf, 128) whenever a chunk ends without a newline.
class LineReader {
 public:
  explicit LineReader(ByteSource& source) : source_(source) {}

  bool AtEnd() { return source_.AtEnd(); }

  // The next physical line when pg_get_line_append() would read it into an empty buffer in a
  // single chunk, unchanged: newline-terminated, shorter than the buffer, without NUL. Empty
  // otherwise. Nothing is consumed.
  std::string_view PeekSimpleLine() {
    if (source_.AtEnd()) return {};
    const std::string_view rest = source_.RestOfLine();
    if (rest.size() >= buffer_capacity_ || rest.back() != '\n' ||
        std::memchr(rest.data(), '\0', rest.size()) != nullptr) {
      return {};
    }
    return rest;
  }

  void Consume(std::size_t count) { source_.Advance(count); }

  // Appends the next line (with its newline) to `buffer`; false at end of file with nothing
  // read.
  bool AppendLine(std::string& buffer) {
    const std::size_t original_size = buffer.size();
    while (!source_.AtEnd()) {
      const std::size_t room = buffer_capacity_ - buffer.size() - 1;
      const std::string_view rest = source_.RestOfLine();
      std::string_view chunk = rest.substr(0, std::min(room, rest.size()));
      source_.Advance(chunk.size());
      if (std::size_t nul = chunk.find('\0'); nul != std::string_view::npos) {
        chunk = chunk.substr(0, nul);
      }
      buffer.append(chunk);
      if (buffer.size() > original_size && buffer.back() == '\n') return true;
      const std::size_t needed = buffer.size() + 128 + 1;
      while (buffer_capacity_ < needed) buffer_capacity_ *= 2;
    }
    return buffer.size() > original_size;
  }

 private:
  ByteSource& source_;
  std::size_t buffer_capacity_ = 1024;  // initStringInfo()
};

std::string_view StripLineEnd(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

// A cursor over one logical line, the `char **lineptr` of hba.c.
struct LineCursor {
  std::string_view line;
  std::size_t pos = 0;
  bool AtEnd() const { return pos >= line.size(); }
};

// The reusable storage of the records of one file: the record handed to the sink, the logical
// line when it had to be assembled, and the texts of tokens that are not a slice of the line.
struct RecordBuilder {
  TokenizedLine record;
  std::string joined_line;
  std::string unquoted_texts;
};

// The text of the token being read: a slice of the line as long as the characters kept are
// contiguous in it (almost always: quotes usually surround the whole token), else a copy in
// `spill`. `spill` is reserved for the whole line before its first use, so that the views of
// the line's earlier tokens stay valid: a token is never longer than its source.
class TokenText {
 public:
  TokenText(std::string_view line, std::string& spill) : line_(line), spill_(spill) {}

  // Keeps line[begin, end).
  void Append(std::size_t begin, std::size_t end) {
    if (spilled_) {
      spill_.append(line_.data() + begin, end - begin);
    } else if (size_ == 0) {
      begin_ = begin;
    } else if (begin_ + size_ != begin) {
      if (spill_.empty()) spill_.reserve(line_.size());
      const std::size_t start = spill_.size();
      spill_.append(line_.data() + begin_, size_);
      spill_.append(line_.data() + begin, end - begin);
      begin_ = start;
      spilled_ = true;
    }
    size_ += end - begin;
  }

  std::size_t size() const { return size_; }
  std::string_view View() const {
    return spilled_ ? std::string_view(spill_).substr(begin_, size_) : line_.substr(begin_, size_);
  }

 private:
  std::string_view line_;
  std::string& spill_;
  std::size_t begin_ = 0;
  std::size_t size_ = 0;
  bool spilled_ = false;
};

class Tokenizer {
 public:
  Tokenizer(int pg_version, FileGate& gate) : pg_version_(pg_version), gate_(gate) {}

  // tokenize_auth_file().
  void TokenizeContents(ByteSource& source, std::shared_ptr<const std::string> file, int depth,
                        const LineSink& emit);
  // Tokenizes the file open on `fd`; returns the errno of a failed read, or 0.
  int TokenizeFile(int fd, std::shared_ptr<const std::string> file, int depth,
                   const LineSink& emit);
  // Tokenizes an included file, as the gate read it.
  void TokenizeIncluded(const FileGate::Included& included, int depth, const LineSink& emit);

 private:
  void TokenizeContentsPg13(ByteSource& source, const std::string& file, int depth,
                            RecordBuilder& builder, const LineSink& emit);
  void TokenizeLogicalLine(std::string_view line, const std::string& file, int line_number,
                           int depth, RecordBuilder& builder, const LineSink& emit);
  static void EmitError(RecordBuilder& builder, int line_number, std::string message,
                        const LineSink& emit);
  bool NextToken(LineCursor& cursor, std::string& spill, TokenView& token, bool& terminating_comma,
                 std::optional<std::string>& error) const;
  void NextFieldExpand(const std::string& file, LineCursor& cursor, int depth,
                       RecordBuilder& builder);
  void ExpandAtFile(TokenizedLine& record, const std::string& outer_file, std::string_view name,
                    int depth);
  bool HandleIncludeDirective(TokenizedLine& record, const std::string& file, int depth,
                              const LineSink& emit);
  void IncludeFile(const std::string& path, int depth, bool missing_ok, const LineSink& emit,
                   TokenizedLine& record, std::optional<std::string>& error);
  void IncludeDirectory(const std::string& outer_file, std::string_view name, int depth,
                        const LineSink& emit, TokenizedLine& record);
  // open_auth_file(): the nesting depth check, then the read. Null past the depth (`error`
  // set); else the file, with `error` (and a refusal in `record`) set when it was not read.
  const FileGate::Included* OpenAuthFile(const std::string& path, int depth, TokenizedLine& record,
                                         std::optional<std::string>& error);

  struct DirectoryListing {
    std::vector<std::string> files;  // the "*.conf" files to include, in strcmp order
    std::optional<std::string> error;
  };
  const DirectoryListing& ListDirectory(const std::string& directory,
                                        const std::string& listed_path);

  int pg_version_;
  FileGate& gate_;
  std::unordered_map<std::string, DirectoryListing> listings_;
};

int Tokenizer::TokenizeFile(int fd, std::shared_ptr<const std::string> file, int depth,
                            const LineSink& emit) {
  ByteSource source(fd, gate_);
  TokenizeContents(source, std::move(file), depth, emit);
  return source.read_error();
}

void Tokenizer::TokenizeIncluded(const FileGate::Included& included, int depth,
                                 const LineSink& emit) {
  ByteSource source(*included.contents, included.read_errno);
  TokenizeContents(source, std::make_shared<const std::string>(included.path), depth, emit);
}

void Tokenizer::TokenizeContents(ByteSource& source, std::shared_ptr<const std::string> file,
                                 int depth, const LineSink& emit) {
  RecordBuilder builder;
  builder.record.file = std::move(file);
  const std::string& path = *builder.record.file;
  if (pg_version_ < 14) {
    TokenizeContentsPg13(source, path, depth, builder, emit);
    return;
  }
  // tokenize_auth_file(): trailing \r and \n are stripped from the whole buffer, and a final
  // backslash (after the last continuation point) joins the next line with no separator.
  LineReader reader(source);
  std::string& line = builder.joined_line;
  int line_number = 1;
  while (!gate_.stopped() && !reader.AtEnd()) {
    // The common case, tokenized where it lies: a line read in one piece, not continued.
    if (const std::string_view physical = reader.PeekSimpleLine(); !physical.empty()) {
      const std::string_view stripped = StripLineEnd(physical);
      if (stripped.empty() || stripped.back() != '\\') {
        reader.Consume(physical.size());
        TokenizeLogicalLine(stripped, path, line_number, depth, builder, emit);
        ++line_number;
        continue;
      }
    }
    line.clear();
    std::size_t last_backslash_len = 0;
    int continuations = 0;
    while (reader.AppendLine(line)) {
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      if (line.size() <= last_backslash_len || line.back() != '\\') break;
      line.pop_back();
      last_backslash_len = line.size();
      ++continuations;
    }
    TokenizeLogicalLine(line, path, line_number, depth, builder, emit);
    line_number += continuations + 1;
  }
  // From 14 the ferror() branch of tokenize_auth_file() breaks out of its loop before the
  // record is emitted: a file that cannot be read (a directory) silently ends.
}

void Tokenizer::TokenizeContentsPg13(ByteSource& source, const std::string& file, int depth,
                                     RecordBuilder& builder, const LineSink& emit) {
  // fgets() stops after a newline or when the buffer is full; a full buffer is an error and the
  // rest of that physical line is read as the next line.
  int line_number = 1;
  while (!gate_.stopped() && !source.AtEnd()) {
    const std::string_view rest = source.RestOfLine();
    std::string_view chunk = rest.substr(0, std::min(rest.size(), kPg13LineBufferBytes));
    source.Advance(chunk.size());
    if (std::size_t nul = chunk.find('\0'); nul != std::string_view::npos) {
      chunk = chunk.substr(0, nul);
    }
    if (chunk.size() == kPg13LineBufferBytes) {
      EmitError(builder, line_number, "authentication file line too long", emit);
    } else {
      TokenizeLogicalLine(StripLineEnd(chunk), file, line_number, depth, builder, emit);
    }
    ++line_number;
  }
  // PostgreSQL 13 reports a failed fgets() as an error record.
  if (source.read_error() != 0) {
    EmitError(builder, line_number,
              "could not read file " + Quoted(file) + ": " + ErrnoText(source.read_error()), emit);
  }
}

void Tokenizer::EmitError(RecordBuilder& builder, int line_number, std::string message,
                          const LineSink& emit) {
  TokenizedLine& record = builder.record;
  record.tokens.clear();
  record.field_ends.clear();
  record.expanded_texts.clear();
  record.refused_path.reset();
  record.error = std::move(message);
  record.line = line_number;
  emit(record);
}

void Tokenizer::TokenizeLogicalLine(std::string_view line, const std::string& file, int line_number,
                                    int depth, RecordBuilder& builder, const LineSink& emit) {
  // A stop while the line itself was read (a byte limit) is no stop of its includes.
  const bool stopped_before = gate_.stopped();
  const auto locate_stop = [&] {
    if (!stopped_before && gate_.stopped()) gate_.Locate(file, line_number, depth == 0);
  };
  TokenizedLine& record = builder.record;
  record.tokens.clear();
  record.field_ends.clear();
  record.error.reset();
  record.refused_path.reset();
  record.expanded_texts.clear();
  builder.unquoted_texts.clear();
  LineCursor cursor{line};
  while (!cursor.AtEnd() && !record.error) {
    const std::size_t tokens_before = record.tokens.size();
    NextFieldExpand(file, cursor, depth, builder);
    if (record.tokens.size() != tokens_before) record.field_ends.push_back(record.tokens.size());
  }
  if (gate_.stopped()) {
    locate_stop();
    return;
  }
  if (record.field_ends.empty() && !record.error) return;  // blank or comment-only: no record
  if (!record.error && pg_version_ >= 16 && record.FieldCount() == 2) {
    const bool included = HandleIncludeDirective(record, file, depth, emit);
    locate_stop();
    if (included) return;
  }
  record.line = line_number;
  emit(record);
}

// next_token(): the rules are byte for byte the server's, including the token length check
// that comes before the comma check (a 10239-byte token followed by a comma is too long). Runs
// of characters with no special meaning in the current quoting state are taken in one go.
bool Tokenizer::NextToken(LineCursor& cursor, std::string& spill, TokenView& token,
                          bool& terminating_comma, std::optional<std::string>& error) const {
  terminating_comma = false;
  const std::string_view line = cursor.line;
  std::size_t& pos = cursor.pos;
  while (pos < line.size() && kSkippedBeforeToken[static_cast<unsigned char>(line[pos])]) ++pos;

  const bool limited = pg_version_ <= kLastVersionWithTokenLimit;
  auto too_long = [&] {
    error = "authentication file token too long";
    pos = line.size();  // the rest of the line is discarded
    return false;
  };
  TokenText text(line, spill);
  bool initial_quote = false;
  bool in_quote = false;
  bool was_quote = false;
  bool saw_quote = false;
  while (pos < line.size() && (!IsBlank(line[pos]) || in_quote)) {
    const char c = line[pos];
    if (c == '#' && !in_quote) {
      pos = line.size();
      break;
    }
    if (limited && text.size() >= kMaxTokenBytes) return too_long();
    if (c == ',' && !in_quote) {
      terminating_comma = true;
      break;
    }
    if (c != '"') {
      const std::size_t end = in_quote ? std::min(line.find('"', pos + 1), line.size())
                                       : EndOfUnquotedRun(line, pos + 1);
      if (limited && text.size() + (end - pos) > kMaxTokenBytes) return too_long();
      text.Append(pos, end);
      was_quote = false;
      pos = end;
      continue;
    }
    // A literal double quote is two double quotes; the second one is kept.
    if (was_quote) text.Append(pos, pos + 1);
    was_quote = in_quote ? !was_quote : false;
    in_quote = !in_quote;
    saw_quote = true;
    if (text.size() == 0) initial_quote = true;
    ++pos;
  }
  token = TokenView{text.View(), initial_quote};
  return saw_quote || text.size() > 0;
}

// next_field_expand(): one comma-separated field, with @file references expanded in place,
// appended to the record's tokens.
void Tokenizer::NextFieldExpand(const std::string& file, LineCursor& cursor, int depth,
                                RecordBuilder& builder) {
  TokenizedLine& record = builder.record;
  TokenView token;
  bool trailing_comma = false;
  do {
    if (!NextToken(cursor, builder.unquoted_texts, token, trailing_comma, record.error)) break;
    if (!token.quoted && token.text.size() > 1 && token.text.front() == '@') {
      ExpandAtFile(record, file, token.text.substr(1), depth + 1);
    } else {
      record.tokens.push_back(token);
    }
  } while (trailing_comma && !record.error);
}

// tokenize_inc_file() up to 15, tokenize_expand_file() from 16: every token of every line of
// the file joins the field; the first line with an error stops the expansion with its message.
void Tokenizer::ExpandAtFile(TokenizedLine& record, const std::string& outer_file,
                             std::string_view name, int depth) {
  const std::string path = ResolveIncludedPath(name, outer_file, pg_version_);
  const FileGate::Included* included = nullptr;
  if (pg_version_ >= 16) {
    included = OpenAuthFile(path, depth, record, record.error);
  } else {
    const std::string prefix = "could not open secondary authentication file \"@" +
                               std::string(name) + "\" as " + Quoted(path) + ": ";
    if (depth > kMaxIncludeDepth) {
      record.error = prefix + "maximum nesting depth exceeded";
      return;
    }
    included = &gate_.ReadIncluded(path);
    if (included->refused) {
      record.refused_path = path;
      record.error = *included->error;
    } else if (included->error) {
      record.error = prefix + *included->error;
    }
  }
  if (included == nullptr || !included->contents) return;
  bool stopped = false;
  TokenizeIncluded(*included, depth, [&](const TokenizedLine& line) {
    if (stopped) return;
    if (line.error) {
      record.error = *line.error;
      record.refused_path = line.refused_path;
      stopped = true;
      return;
    }
    // The included file's buffers are reused for its next line: its texts are copied.
    for (const TokenView& token : line.tokens) {
      record.expanded_texts.emplace_front(token.text);
      record.tokens.push_back(TokenView{record.expanded_texts.front(), token.quoted});
    }
  });
}

// The include directives of tokenize_auth_file() (16+): a record of exactly two fields whose
// first token is include, include_if_exists or include_dir (quoted or not: the server compares
// the strings only). Returns true when the record was a directive that succeeded.
bool Tokenizer::HandleIncludeDirective(TokenizedLine& record, const std::string& file, int depth,
                                       const LineSink& emit) {
  const std::string_view keyword = record.Field(0).front().text;
  const std::string_view target = record.Field(1).front().text;
  if (keyword == "include" || keyword == "include_if_exists") {
    IncludeFile(ResolveIncludedPath(target, file, pg_version_), depth + 1,
                keyword == "include_if_exists", emit, record, record.error);
  } else if (keyword == "include_dir") {
    IncludeDirectory(file, target, depth + 1, emit, record);
  } else {
    return false;
  }
  return !record.error;
}

// tokenize_include_file(): the included records join the output as records of their own file.
// `path` is resolved already; problems go to `error` (and a refusal to `record`).
void Tokenizer::IncludeFile(const std::string& path, int depth, bool missing_ok,
                            const LineSink& emit, TokenizedLine& record,
                            std::optional<std::string>& error) {
  const FileGate::Included* included = OpenAuthFile(path, depth, record, error);
  if (included == nullptr || !included->contents) {
    if (missing_ok && included != nullptr && included->open_errno == ENOENT) error.reset();
    return;
  }
  TokenizeIncluded(*included, depth, emit);
}

// GetConfFilesInDir() (conffiles.c): the directory's non-hidden "*.conf" entries that are not
// directories, in strcmp order; errors of the individual files are joined with newlines.
void Tokenizer::IncludeDirectory(const std::string& outer_file, std::string_view name, int depth,
                                 const LineSink& emit, TokenizedLine& record) {
  std::optional<std::string>& error = record.error;
  const std::string directory = ResolveIncludedPath(name, outer_file, pg_version_);
  const FileGate::Opened admitted = gate_.AdmitDirectory(directory);
  if (admitted.refused) {
    record.refused_path = directory;
    error = *admitted.error;
    return;
  }
  if (gate_.stopped()) return;
  const DirectoryListing& listing = ListDirectory(directory, admitted.path);
  if (listing.error) {
    error = listing.error;
    return;
  }
  std::string accumulated;
  for (const std::string& path : listing.files) {
    if (gate_.stopped()) return;
    std::optional<std::string> file_error;
    IncludeFile(path, depth, false, emit, record, file_error);
    if (file_error) {
      if (!accumulated.empty()) accumulated += '\n';
      accumulated += *file_error;
    }
  }
  if (!accumulated.empty()) error = std::move(accumulated);
}

// The listing of `directory` (read at `listed_path`, after --path-map), made once per
// directory: an include_dir loop lists the same directory thousands of times.
const Tokenizer::DirectoryListing& Tokenizer::ListDirectory(const std::string& directory,
                                                            const std::string& listed_path) {
  auto [entry, inserted] = listings_.try_emplace(directory);
  DirectoryListing& listing = entry->second;
  if (!inserted) return listing;
  DIR* dir = opendir(listed_path.c_str());
  if (dir == nullptr) {
    listing.error = "could not open directory " + Quoted(directory);
    return listing;
  }
  std::vector<std::string>& files = listing.files;
  while (const dirent* entry = readdir(dir)) {
    const std::string_view entry_name(entry->d_name);
    if (entry_name.size() < 6 || entry_name.front() == '.' ||
        entry_name.substr(entry_name.size() - 5) != ".conf") {
      continue;
    }
    std::string path = CanonicalizePath(directory + "/" + std::string(entry_name), pg_version_);
    // The server stat()s the entry; a symlink is followed only when its target is one the
    // gate admits. One it refuses is kept as a file, so that opening it reports the refusal.
    struct stat status;
    const std::string listed = listed_path + "/" + std::string(entry_name);
    if (lstat(listed.c_str(), &status) != 0 ||
        (S_ISLNK(status.st_mode) && gate_.Admits(listed) && stat(listed.c_str(), &status) != 0)) {
      listing.error = "could not stat file " + Quoted(path);
      files.clear();
      break;
    }
    if (!S_ISDIR(status.st_mode)) files.push_back(std::move(path));
  }
  closedir(dir);
  std::sort(files.begin(), files.end());
  return listing;
}

const FileGate::Included* Tokenizer::OpenAuthFile(const std::string& path, int depth,
                                                  TokenizedLine& record,
                                                  std::optional<std::string>& error) {
  if (depth > kMaxIncludeDepth) {
    error = "could not open file " + Quoted(path) + ": maximum nesting depth exceeded";
    return nullptr;
  }
  const FileGate::Included& included = gate_.ReadIncluded(path);
  if (included.refused) {
    record.refused_path = path;
    error = *included.error;
  } else if (included.error) {
    error = "could not open file " + Quoted(path) + ": " + *included.error;
  }
  return &included;
}

}  // namespace

void TokenizeAuthFile(std::string_view contents, std::shared_ptr<const std::string> file,
                      int pg_version, FileGate& gate, const LineSink& emit) {
  ByteSource source(contents);
  Tokenizer(pg_version, gate).TokenizeContents(source, std::move(file), 0, emit);
}

int TokenizeAuthFile(int fd, std::shared_ptr<const std::string> file, int pg_version,
                     FileGate& gate, const LineSink& emit) {
  return Tokenizer(pg_version, gate).TokenizeFile(fd, std::move(file), 0, emit);
}

std::size_t RegularFileSize(int fd) {
  struct stat status;
  if (fstat(fd, &status) != 0 || !S_ISREG(status.st_mode) || status.st_size < 0) return 0;
  return static_cast<std::size_t>(status.st_size);
}

}  // namespace pgward::hba::internal
