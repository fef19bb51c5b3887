#include "engine/core/file_digest.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "engine/core/input_file.h"

namespace pgward {
namespace {

std::string Hex(const unsigned char* digest, unsigned int length) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Written in place through a pointer: appending each character checked the capacity twice per
  // byte, and a store through the string's operator[] made it read its own pointer again (a char
  // may alias it); a scan hashes a fingerprint for every finding.
  std::string hex(2 * static_cast<std::size_t>(length), '\0');
  char* out = hex.data();
  for (unsigned int i = 0; i < length; ++i) {
    *out++ = kHex[digest[i] >> 4];
    *out++ = kHex[digest[i] & 0xf];
  }
  return hex;
}

// Fetched once: EVP_sha256() and EVP_sha1() make each digest look its implementation up again,
// under a lock, which costs more than hashing a finding's fingerprint.
const EVP_MD* Fetched(const char* name, const EVP_MD* fallback) {
  const EVP_MD* fetched = EVP_MD_fetch(nullptr, name, nullptr);
  return fetched != nullptr ? fetched : fallback;
}

const EVP_MD* Sha256() {
  static const EVP_MD* const md = Fetched("SHA256", EVP_sha256());
  return md;
}

const EVP_MD* Sha1() {
  static const EVP_MD* const md = Fetched("SHA1", EVP_sha1());
  return md;
}

}  // namespace

struct Sha256Hasher::Context {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md{EVP_MD_CTX_new(), EVP_MD_CTX_free};
};

Sha256Hasher::Sha256Hasher() : context_(std::make_unique<Context>()) {
  ok_ = context_->md && EVP_DigestInit_ex(context_->md.get(), Sha256(), nullptr) == 1;
}

Sha256Hasher::~Sha256Hasher() = default;

void Sha256Hasher::Update(std::string_view bytes) {
  if (ok_) ok_ = EVP_DigestUpdate(context_->md.get(), bytes.data(), bytes.size()) == 1;
}

std::string Sha256Hasher::FinishHex() {
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (ok_) ok_ = EVP_DigestFinal_ex(context_->md.get(), hash, &length) == 1;
  return ok_ ? Hex(hash, length) : std::string();
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, Sha256(), nullptr);
  return Hex(digest, length);
}

std::string NameUuid(std::string_view name) {
  // pgward's namespace: a random version 4 UUID, fixed once (9c1b3e2a-5d47-4f0e-8a61-2b7c9d3e4f50).
  static constexpr unsigned char kNamespace[16] = {0x9c, 0x1b, 0x3e, 0x2a, 0x5d, 0x47, 0x4f, 0x0e,
                                                   0x8a, 0x61, 0x2b, 0x7c, 0x9d, 0x3e, 0x4f, 0x50};
  std::string input(reinterpret_cast<const char*>(kNamespace), sizeof kNamespace);
  input += name;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, Sha1(), nullptr);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x50);  // version 5
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);  // RFC 4122 variant
  const std::string hex = Hex(digest, 16);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::optional<DescriptorDigest> Sha256OfDescriptor(int fd) {
  Sha256Hasher hasher;
  if (!hasher.ok()) return std::nullopt;
  DescriptorDigest digest;
  constexpr std::size_t kBlockBytes = 1 << 16;
  const std::unique_ptr<char[]> buffer(new char[kBlockBytes]);
  for (;;) {
    const ssize_t count = read(fd, buffer.get(), kBlockBytes);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return std::nullopt;
    if (count == 0) break;
    hasher.Update({buffer.get(), static_cast<std::size_t>(count)});
    digest.bytes += static_cast<std::uint64_t>(count);
  }
  digest.sha256 = hasher.FinishHex();
  if (digest.sha256.empty()) return std::nullopt;
  return digest;
}

std::optional<std::string> Sha256OfFile(const std::string& path) {
  std::string error;
  int open_errno = 0;
  const int fd = OpenInputFile(path, false, error, open_errno);
  if (fd < 0) return std::nullopt;
  std::optional<DescriptorDigest> digest = Sha256OfDescriptor(fd);
  close(fd);
  if (!digest) return std::nullopt;
  return std::move(digest->sha256);
}

}  // namespace pgward
