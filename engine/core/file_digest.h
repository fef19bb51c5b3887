#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pgward {

// SHA-256 of a file as lower-case hex, or nullopt when it cannot be read: an Artifact's proof
// of which file was read.
std::optional<std::string> Sha256OfFile(const std::string& path);

struct DescriptorDigest {
  std::string sha256;  // lower-case hex
  std::uint64_t bytes = 0;
};
// SHA-256 and size of what can be read from `fd` to its end (left open), or nullopt on a read
// error: for a file opened with checks of the caller's own (an evidence bundle's).
std::optional<DescriptorDigest> Sha256OfDescriptor(int fd);

// SHA-256 of bytes given piece by piece: of what is too large to join first (a report's
// fingerprints, a file read in blocks).
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  // False once OpenSSL failed (no memory, a provider that cannot start): FinishHex is empty then.
  bool ok() const { return ok_; }
  void Update(std::string_view bytes);
  std::string FinishHex();  // lower-case hex; once

 private:
  struct Context;
  std::unique_ptr<Context> context_;
  bool ok_ = false;
};

// SHA-256 of bytes in memory, as lower-case hex: of a file's contents as they were read, so that
// the digest is that of what was parsed.
std::string Sha256Hex(std::string_view bytes);

// An RFC 4122 version 5 (name-based, SHA-1) UUID of `name` in pgward's own namespace, lower
// case: the same name gives the same UUID, so documents that must identify their parts by UUID
// (OSCAL) stay reproducible.
std::string NameUuid(std::string_view name);

}  // namespace pgward
