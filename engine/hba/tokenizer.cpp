#include "engine/hba/tokenizer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "engine/hba/paths.h"

namespace pgward::hba::internal {
namespace {

// next_token()'s fixed buffer (MAX_TOKEN 10240 bytes with the terminating NUL) up to 16; 17
// builds tokens in a StringInfo.
constexpr std::size_t kMaxTokenBytes = 10240 - 1;
constexpr int kLastVersionWithTokenLimit = 16;
// PostgreSQL 13 reads lines with fgets() into a MAX_LINE (20480) buffer.
constexpr std::size_t kPg13LineBufferBytes = 20480 - 1;
// CONF_FILE_MAX_DEPTH (conffiles.h), checked by open_auth_file() from 16 on. Up to 15 a file
// that @-includes itself recurses until the server runs out of file descriptors and the whole
// pg_hba_file_rules query fails ("exceeded maxAllocatedDescs"); pgward stops at the same depth
// as 16 and reports an error row instead.
constexpr int kMaxIncludeDepth = 10;

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// A character that next_token() copies as is outside quotes.
bool IsPlainUnquoted(char c) { return !IsBlank(c) && c != '#' && c != ',' && c != '"'; }

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

// A cursor over one logical line, the `char **lineptr` of hba.c.
struct LineCursor {
  std::string_view line;
  std::size_t pos = 0;
  bool AtEnd() const { return pos >= line.size(); }
};

// pg_get_line_append() over a file read in memory. The server appends fgets() chunks to a
// StringInfo and advances by strlen(), so a NUL byte drops the rest of its chunk, and when the
// line's newline went with it the next physical line is glued on (without counting as a new
// line). Chunk boundaries depend on the buffer size, which is simulated: 1024 bytes to start,
// doubled by enlargeStringInfo(buf, 128) whenever a chunk ends without a newline.
class LineReader {
 public:
  explicit LineReader(std::string_view contents) : contents_(contents) {}

  bool AtEnd() const { return pos_ >= contents_.size(); }

  // Appends the next line (with its newline) to `buffer`; false at end of file with nothing
  // read.
  bool AppendLine(std::string& buffer) {
    const std::size_t original_size = buffer.size();
    while (pos_ < contents_.size()) {
      const std::size_t room = buffer_capacity_ - buffer.size() - 1;
      const std::size_t newline = contents_.find('\n', pos_);
      const std::size_t line_rest =
          (newline == std::string_view::npos ? contents_.size() : newline + 1) - pos_;
      std::string_view chunk = contents_.substr(pos_, std::min(room, line_rest));
      pos_ += chunk.size();
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
  std::string_view contents_;
  std::size_t pos_ = 0;
  std::size_t buffer_capacity_ = 1024;  // initStringInfo()
};

class Tokenizer {
 public:
  explicit Tokenizer(int pg_version) : pg_version_(pg_version) {}

  // tokenize_auth_file() over an already read file.
  void TokenizeContents(std::string_view contents, const std::string& file, int depth,
                        const LineSink& emit);
  using FileName = std::shared_ptr<const std::string>;

 private:
  void TokenizeContentsPg13(std::string_view contents, const FileName& file, int depth,
                            const LineSink& emit);
  void TokenizeLogicalLine(std::string_view line, const FileName& file, int line_number, int depth,
                           const LineSink& emit);
  bool NextToken(LineCursor& cursor, std::string& token, bool& initial_quote,
                 bool& terminating_comma, std::optional<std::string>& error) const;
  Field NextFieldExpand(const std::string& file, LineCursor& cursor, int depth,
                        std::optional<std::string>& error);
  void ExpandAtFile(Field& tokens, const std::string& outer_file, std::string_view name, int depth,
                    std::optional<std::string>& error);
  bool HandleIncludeDirective(const std::vector<Field>& fields, const std::string& file, int depth,
                              const LineSink& emit, std::optional<std::string>& error);
  void IncludeFile(const std::string& outer_file, std::string_view name, int depth, bool missing_ok,
                   const LineSink& emit, std::optional<std::string>& error);
  void IncludeDirectory(const std::string& outer_file, std::string_view name, int depth,
                        const LineSink& emit, std::optional<std::string>& error);
  bool OpenAuthFile(const std::string& path, int depth, FileContents& contents,
                    std::optional<std::string>& error) const;
  void TokenizeReadFile(const FileContents& contents, const std::string& file, int depth,
                        const LineSink& emit);

  int pg_version_;
};

void Tokenizer::TokenizeContents(std::string_view contents, const std::string& file_name, int depth,
                                 const LineSink& emit) {
  const FileName file = std::make_shared<const std::string>(file_name);
  if (pg_version_ < 14) {
    TokenizeContentsPg13(contents, file, depth, emit);
    return;
  }
  // tokenize_auth_file(): trailing \r and \n are stripped from the whole buffer, and a final
  // backslash (after the last continuation point) joins the next line with no separator.
  LineReader reader(contents);
  std::string line;
  int line_number = 1;
  while (!reader.AtEnd()) {
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
    TokenizeLogicalLine(line, file, line_number, depth, emit);
    line_number += continuations + 1;
  }
}

void Tokenizer::TokenizeContentsPg13(std::string_view contents, const FileName& file, int depth,
                                     const LineSink& emit) {
  // fgets() stops after a newline or when the buffer is full; a full buffer is an error and the
  // rest of that physical line is read as the next line.
  std::size_t pos = 0;
  int line_number = 1;
  while (pos < contents.size()) {
    std::size_t newline = contents.find('\n', pos);
    std::size_t chunk_end = newline == std::string_view::npos ? contents.size() : newline + 1;
    chunk_end = std::min(chunk_end, pos + kPg13LineBufferBytes);
    std::string_view chunk = contents.substr(pos, chunk_end - pos);
    pos = chunk_end;
    if (std::size_t nul = chunk.find('\0'); nul != std::string_view::npos) {
      chunk = chunk.substr(0, nul);
    }
    if (chunk.size() == kPg13LineBufferBytes) {
      emit({file, line_number, {}, "authentication file line too long"});
    } else {
      while (!chunk.empty() && (chunk.back() == '\n' || chunk.back() == '\r')) {
        chunk.remove_suffix(1);
      }
      TokenizeLogicalLine(chunk, file, line_number, depth, emit);
    }
    ++line_number;
  }
}

void Tokenizer::TokenizeLogicalLine(std::string_view line, const FileName& file, int line_number,
                                    int depth, const LineSink& emit) {
  LineCursor cursor{line};
  std::vector<Field> fields;
  std::optional<std::string> error;
  while (!cursor.AtEnd() && !error) {
    Field field = NextFieldExpand(*file, cursor, depth, error);
    if (field.empty()) continue;
    // A typical record has up to 8 fields: one allocation instead of four.
    if (fields.empty()) fields.reserve(8);
    fields.push_back(std::move(field));
  }
  if (fields.empty() && !error) return;  // blank or comment-only: no record
  if (!error && pg_version_ >= 16 && fields.size() == 2 &&
      HandleIncludeDirective(fields, *file, depth, emit, error)) {
    return;
  }
  emit({file, line_number, std::move(fields), std::move(error)});
}

// next_token(): the rules are byte for byte the server's, including the token length check
// that comes before the comma check (a 10239-byte token followed by a comma is too long). Runs
// of characters with no special meaning in the current quoting state are copied in one go.
bool Tokenizer::NextToken(LineCursor& cursor, std::string& token, bool& initial_quote,
                          bool& terminating_comma, std::optional<std::string>& error) const {
  token.clear();
  initial_quote = false;
  terminating_comma = false;
  const std::string_view line = cursor.line;
  std::size_t& pos = cursor.pos;
  while (pos < line.size() && (IsBlank(line[pos]) || line[pos] == ',')) ++pos;

  const bool limited = pg_version_ <= kLastVersionWithTokenLimit;
  auto too_long = [&] {
    error = "authentication file token too long";
    pos = line.size();  // the rest of the line is discarded
    return false;
  };
  bool in_quote = false;
  bool was_quote = false;
  bool saw_quote = false;
  while (pos < line.size() && (!IsBlank(line[pos]) || in_quote)) {
    const char c = line[pos];
    if (c == '#' && !in_quote) {
      pos = line.size();
      break;
    }
    if (limited && token.size() >= kMaxTokenBytes) return too_long();
    if (c == ',' && !in_quote) {
      terminating_comma = true;
      break;
    }
    if (c != '"') {
      std::size_t end = pos + 1;
      if (in_quote) {
        end = std::min(line.find('"', end), line.size());
      } else {
        while (end < line.size() && IsPlainUnquoted(line[end])) ++end;
      }
      if (limited && token.size() + (end - pos) > kMaxTokenBytes) return too_long();
      token.append(line.substr(pos, end - pos));
      was_quote = false;
      pos = end;
      continue;
    }
    // A literal double quote is two double quotes.
    if (was_quote) token.push_back('"');
    was_quote = in_quote ? !was_quote : false;
    in_quote = !in_quote;
    saw_quote = true;
    if (token.empty()) initial_quote = true;
    ++pos;
  }
  return saw_quote || !token.empty();
}

// next_field_expand(): one comma-separated field, with @file references expanded in place.
Field Tokenizer::NextFieldExpand(const std::string& file, LineCursor& cursor, int depth,
                                 std::optional<std::string>& error) {
  Field tokens;
  std::string token;
  bool initial_quote = false;
  bool trailing_comma = false;
  do {
    if (!NextToken(cursor, token, initial_quote, trailing_comma, error)) break;
    if (!initial_quote && token.size() > 1 && token.front() == '@') {
      const std::string name = token.substr(1);
      ExpandAtFile(tokens, file, name, depth + 1, error);
    } else {
      tokens.push_back(Token{std::move(token), initial_quote, false});
      token = std::string();
    }
  } while (trailing_comma && !error);
  return tokens;
}

// tokenize_inc_file() up to 15, tokenize_expand_file() from 16: every token of every line of
// the file joins the field; the first line with an error stops the expansion with its message.
void Tokenizer::ExpandAtFile(Field& tokens, const std::string& outer_file, std::string_view name,
                             int depth, std::optional<std::string>& error) {
  const std::string path = ResolveIncludedPath(name, outer_file, pg_version_);
  FileContents contents;
  if (pg_version_ >= 16) {
    if (!OpenAuthFile(path, depth, contents, error)) return;
  } else {
    const std::string prefix = "could not open secondary authentication file \"@" +
                               std::string(name) + "\" as " + Quoted(path) + ": ";
    if (depth > kMaxIncludeDepth) {
      error = prefix + "maximum nesting depth exceeded";
      return;
    }
    contents = ReadWholeFile(path);
    if (contents.open_error != 0) {
      error = prefix + ErrnoText(contents.open_error);
      return;
    }
  }
  std::vector<TokenizedLine> included;
  TokenizeReadFile(contents, path, depth,
                   [&included](TokenizedLine&& line) { included.push_back(std::move(line)); });
  for (TokenizedLine& line : included) {
    if (line.error) {
      error = std::move(line.error);
      break;
    }
    for (Field& field : line.fields) {
      for (Token& token : field) tokens.push_back(std::move(token));
    }
  }
}

// The include directives of tokenize_auth_file() (16+): a record of exactly two fields whose
// first token is include, include_if_exists or include_dir (quoted or not: the server compares
// the strings only). Returns true when the record was a directive that succeeded.
bool Tokenizer::HandleIncludeDirective(const std::vector<Field>& fields, const std::string& file,
                                       int depth, const LineSink& emit,
                                       std::optional<std::string>& error) {
  const std::string& keyword = fields[0].front().text;
  const std::string& target = fields[1].front().text;
  if (keyword == "include") {
    IncludeFile(file, target, depth + 1, false, emit, error);
  } else if (keyword == "include_if_exists") {
    IncludeFile(file, target, depth + 1, true, emit, error);
  } else if (keyword == "include_dir") {
    IncludeDirectory(file, target, depth + 1, emit, error);
  } else {
    return false;
  }
  return !error;
}

// tokenize_include_file(): the included records join the output as records of their own file.
void Tokenizer::IncludeFile(const std::string& outer_file, std::string_view name, int depth,
                            bool missing_ok, const LineSink& emit,
                            std::optional<std::string>& error) {
  const std::string path = ResolveIncludedPath(name, outer_file, pg_version_);
  FileContents contents;
  if (!OpenAuthFile(path, depth, contents, error)) {
    if (missing_ok && contents.open_error == ENOENT) error.reset();
    return;
  }
  TokenizeReadFile(contents, path, depth, emit);
}

// GetConfFilesInDir() (conffiles.c): the directory's non-hidden "*.conf" entries that are not
// directories, in strcmp order; errors of the individual files are joined with newlines.
void Tokenizer::IncludeDirectory(const std::string& outer_file, std::string_view name, int depth,
                                 const LineSink& emit, std::optional<std::string>& error) {
  const std::string directory = ResolveIncludedPath(name, outer_file, pg_version_);
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) {
    error = "could not open directory " + Quoted(directory);
    return;
  }
  std::vector<std::string> files;
  while (const dirent* entry = readdir(dir)) {
    const std::string_view entry_name(entry->d_name);
    if (entry_name.size() < 6 || entry_name.front() == '.' ||
        entry_name.substr(entry_name.size() - 5) != ".conf") {
      continue;
    }
    std::string path = CanonicalizePath(directory + "/" + std::string(entry_name), pg_version_);
    struct stat status;
    if (stat(path.c_str(), &status) != 0) {
      error = "could not stat file " + Quoted(path);
      closedir(dir);
      return;
    }
    if (!S_ISDIR(status.st_mode)) files.push_back(std::move(path));
  }
  closedir(dir);
  std::sort(files.begin(), files.end());

  std::string accumulated;
  for (const std::string& path : files) {
    std::optional<std::string> file_error;
    IncludeFile(outer_file, path, depth, false, emit, file_error);
    if (file_error) {
      if (!accumulated.empty()) accumulated += '\n';
      accumulated += *file_error;
    }
  }
  if (!accumulated.empty()) error = std::move(accumulated);
}

// open_auth_file() (16+): the nesting depth check, then the open.
bool Tokenizer::OpenAuthFile(const std::string& path, int depth, FileContents& contents,
                             std::optional<std::string>& error) const {
  if (depth > kMaxIncludeDepth) {
    error = "could not open file " + Quoted(path) + ": maximum nesting depth exceeded";
    return false;
  }
  contents = ReadWholeFile(path);
  if (contents.open_error != 0) {
    error = "could not open file " + Quoted(path) + ": " + ErrnoText(contents.open_error);
    return false;
  }
  return true;
}

// A file that opened but cannot be read (a directory). PostgreSQL 13 reports the fgets()
// failure as an error record; from 14 the ferror() branch of tokenize_auth_file() breaks out
// of its loop before the record is emitted, so the file silently contributes nothing.
void Tokenizer::TokenizeReadFile(const FileContents& contents, const std::string& file, int depth,
                                 const LineSink& emit) {
  if (contents.read_error != 0) {
    if (pg_version_ < 14) {
      emit({std::make_shared<const std::string>(file),
            1,
            {},
            "could not read file " + Quoted(file) + ": " + ErrnoText(contents.read_error)});
    }
    return;
  }
  TokenizeContents(contents.data, file, depth, emit);
}

}  // namespace

void TokenizeAuthFile(std::string_view contents, const std::string& file, int pg_version,
                      const LineSink& emit) {
  Tokenizer(pg_version).TokenizeContents(contents, file, 0, emit);
}

FileContents ReadWholeFile(const std::string& path) {
  FileContents contents;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    contents.open_error = errno;
    return contents;
  }
  struct stat status;
  if (fstat(fd, &status) == 0 && S_ISREG(status.st_mode) && status.st_size > 0) {
    contents.data.reserve(static_cast<std::size_t>(status.st_size));
  }
  // One large buffer per read keeps the number of system calls and allocations low; the size
  // from fstat is only a hint (the file may change, or be a pipe).
  char buffer[1 << 16];
  for (;;) {
    const ssize_t count = read(fd, buffer, sizeof(buffer));
    if (count < 0) {
      if (errno == EINTR) continue;
      contents.read_error = errno;
      contents.data.clear();
      break;
    }
    if (count == 0) break;
    contents.data.append(buffer, static_cast<std::size_t>(count));
  }
  close(fd);
  return contents;
}

}  // namespace pgward::hba::internal
