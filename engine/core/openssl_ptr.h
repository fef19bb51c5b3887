#pragma once

// Owning pointers to OpenSSL objects, each freed by the OpenSSL function given with its type.

#include <openssl/bio.h>

#include <memory>

namespace pgward {

template <typename T, void (*Free)(T*)>
struct OpensslDeleter {
  void operator()(T* pointer) const { Free(pointer); }
};

template <typename T, void (*Free)(T*)>
using OpensslPtr = std::unique_ptr<T, OpensslDeleter<T, Free>>;

using BioPtr = OpensslPtr<BIO, BIO_free_all>;

}  // namespace pgward
