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
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return Hex(digest, length);
}

std::optional<DescriptorDigest> Sha256OfDescriptor(int fd) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                        EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    return std::nullopt;
  }
  DescriptorDigest digest;
  constexpr std::size_t kBlockBytes = 1 << 16;
  const std::unique_ptr<char[]> buffer(new char[kBlockBytes]);
  for (;;) {
    const ssize_t count = read(fd, buffer.get(), kBlockBytes);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return std::nullopt;
    if (count == 0) break;
    EVP_DigestUpdate(context.get(), buffer.get(), static_cast<std::size_t>(count));
    digest.bytes += static_cast<std::uint64_t>(count);
  }
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), hash, &length);
  digest.sha256 = Hex(hash, length);
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
