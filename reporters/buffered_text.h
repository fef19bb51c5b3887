#pragma once

// A report's text on its way to its stream: made in a string, piece by piece, and written out a
// megabyte at a time, so that the memory a report takes does not grow with its findings.

#include <cstddef>
#include <ostream>
#include <string>

namespace pgward::reporters {

class BufferedText {
 public:
  explicit BufferedText(std::ostream& stream) : stream_(stream) {}
  BufferedText(const BufferedText&) = delete;
  BufferedText& operator=(const BufferedText&) = delete;

  // Where the pieces are appended.
  std::string& text() { return text_; }
  // Between two pieces: what is buffered goes to the stream once it is a megabyte.
  void Spill() {
    if (text_.size() >= kSpillBytes) Flush();
  }
  // Writes what is buffered.
  void Flush() {
    stream_.write(text_.data(), static_cast<std::streamsize>(text_.size()));
    text_.clear();
  }

 private:
  static constexpr std::size_t kSpillBytes = 1 << 20;
  std::ostream& stream_;
  std::string text_;
};

}  // namespace pgward::reporters
