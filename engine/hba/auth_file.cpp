#include "engine/hba/auth_file.h"

#include <unistd.h>

#include <cstring>
#include <memory>

#include "engine/core/input_file.h"
#include "engine/hba/file_gate.h"

namespace pgward::hba::internal {
namespace {

// The records the gate admits (a limit stops them), to the reader's sink.
LineSink Counted(FileGate& gate, const LineSink& emit) {
  return [&gate, &emit](const TokenizedLine& line) {
    if (gate.AddRecord()) emit(line);
  };
}

}  // namespace

std::optional<std::string> UnreadableReason(const std::string& path,
                                            const std::optional<FileReadError>& read_error,
                                            const std::optional<std::string>& input_error) {
  if (input_error) return path + ": " + *input_error;
  if (read_error) return "cannot read " + read_error->path + ": " + read_error->message;
  return std::nullopt;
}

AuthFileOutcome ReadAuthText(std::string_view contents, const std::string& path,
                             const AuthFileReader& reader) {
  AuthFileOutcome outcome;
  // One record per line is the usual upper bound (memchr: this runs over the whole text).
  std::size_t lines = 1;
  for (const char *at = contents.data(), *end = at + contents.size();
       (at = static_cast<const char*>(std::memchr(at, '\n', end - at))) != nullptr; ++at) {
    ++lines;
  }
  FileGate gate(reader.access, path);
  if (gate.AddBytes(contents.size(), contents.size())) {
    reader.reserve(lines);
    TokenizeAuthFile(contents, std::make_shared<const std::string>(path), reader.pg_version, gate,
                     Counted(gate, reader.emit));
  }
  outcome.input_error = gate.input_error();
  return outcome;
}

AuthFileOutcome ReadAuthFile(const std::string& path, const AuthFileReader& reader) {
  AuthFileOutcome outcome;
  if (path == "-") {
    const InputFile input = ReadInputFile(path, reader.access.limits.max_file_bytes);
    if (input.error) {
      outcome.input_error = "standard input: " + *input.error;
      return outcome;
    }
    return ReadAuthText(input.contents, path, reader);
  }
  FileGate gate(reader.access, path);
  FileGate::Opened opened = gate.Open(path, false);
  if (opened.fd < 0) {
    if (gate.stopped()) {
      outcome.input_error = gate.input_error();
    } else {
      outcome.read_error = FileReadError{path, *opened.error};
    }
    return outcome;
  }
  // The file is read in blocks as it is tokenized, so its line count is not known up front.
  const std::size_t size = RegularFileSize(opened.fd);
  // A file already too large is refused before its first line: tokenizing 16 MiB only to drop
  // the rows is a cost an attacker chooses. The blocks are still counted, as a file can grow.
  if (!gate.AddBytes(size, 0)) {
    close(opened.fd);
    outcome.input_error = gate.input_error();
    return outcome;
  }
  reader.reserve(size / reader.min_record_bytes + 1);
  const int read_errno =
      TokenizeAuthFile(opened.fd, std::make_shared<const std::string>(opened.path),
                       reader.pg_version, gate, Counted(gate, reader.emit));
  close(opened.fd);
  outcome.input_error = gate.input_error();
  if (read_errno != 0 && !outcome.input_error) {
    outcome.read_error = FileReadError{path, std::strerror(read_errno)};
  }
  return outcome;
}

}  // namespace pgward::hba::internal
