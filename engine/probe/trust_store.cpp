#include "engine/probe/trust_store.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <span>
#include <vector>

#include "engine/probe/openssl_ptr.h"

namespace pgward::probe {
namespace {

using NamePtr = OpensslPtr<X509_NAME, X509_NAME_free>;
using CertificatePtr = OpensslPtr<X509, X509_free>;

void FreeOpensslBytes(unsigned char* bytes) { OPENSSL_free(bytes); }
void FreeOpensslText(char* text) { OPENSSL_free(text); }
using OpensslBytes = OpensslPtr<unsigned char, FreeOpensslBytes>;
using OpensslText = OpensslPtr<char, FreeOpensslText>;

// The subject of a DER certificate, read by stepping over the fields of TBSCertificate that
// precede it ([0] version, serialNumber, signature, issuer, validity): the public key, whose
// decoding is most of what d2i_X509 costs, is never touched. Null when the DER does not have
// that shape.
NamePtr SubjectOf(std::span<const unsigned char> der) {
  const unsigned char* cursor = der.data();
  long remaining = static_cast<long>(der.size());
  // Reads one element's header: `into` a constructed element, or past the element.
  const auto step = [&](bool into) {
    const unsigned char* content = cursor;
    long length = 0;
    int tag = 0;
    int tag_class = 0;
    const int flags = ASN1_get_object(&content, &length, &tag, &tag_class, remaining);
    if ((flags & 0x80) != 0 || (flags & 0x01) != 0) return false;  // malformed, indefinite
    if (into) {
      remaining = length;
      cursor = content;
    } else {
      remaining -= (content - cursor) + length;
      cursor = content + length;
    }
    return true;
  };
  constexpr unsigned char kVersionTag = 0xA0;  // [0] EXPLICIT, constructed
  if (!step(true) || !step(true)) return nullptr;
  if (remaining > 0 && *cursor == kVersionTag && !step(false)) return nullptr;
  for (int field = 0; field < 4; ++field) {
    if (!step(false)) return nullptr;
  }
  NamePtr subject(d2i_X509_NAME(nullptr, &cursor, remaining));
  ERR_clear_error();
  return subject;
}

// The CA file's certificates, decoded one name at a time as the verification asks for them.
struct Bundle {
  struct Entry {
    OpensslBytes der{};
    long length = 0;
    bool trusted_form = false;  // "TRUSTED CERTIFICATE": DER followed by OpenSSL's trust settings
    NamePtr subject{};
    CertificatePtr certificate{};  // once decoded
  };
  std::mutex mutex;
  std::vector<Entry> entries;
};

// Whether every certificate of the PEM file at `path` went into `bundle`, unopened files
// included (they hold none). False when a certificate's subject could not be read: the caller
// then loads the file as OpenSSL does, so that a malformed file fails as it does there.
bool ReadBundle(const char* path, Bundle& bundle) {
  BioPtr file(BIO_new_file(path, "r"));
  if (file == nullptr) {
    ERR_clear_error();
    return true;
  }
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long length = 0;
    if (PEM_read_bio(file.get(), &name, &header, &data, &length) != 1) break;
    OpensslText owned_name(name);
    OpensslText owned_header(header);
    Bundle::Entry entry{.der = OpensslBytes(data), .length = length};
    // The block types PEM_X509_INFO_read_bio, which loads OpenSSL's CA file, takes as
    // certificates; CRLs and keys play no part in verifying a chain without revocation checks.
    entry.trusted_form = std::strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
    if (!entry.trusted_form && std::strcmp(name, PEM_STRING_X509) != 0 &&
        std::strcmp(name, PEM_STRING_X509_OLD) != 0) {
      continue;
    }
    entry.subject = SubjectOf({entry.der.get(), static_cast<std::size_t>(length)});
    if (entry.subject == nullptr) return false;
    bundle.entries.push_back(std::move(entry));
  }
  ERR_clear_error();  // the end of the file reads as "no start line"
  return true;
}

void FreeBundle(X509_LOOKUP* lookup) {
  delete static_cast<Bundle*>(X509_LOOKUP_get_method_data(lookup));
}

// OpenSSL's lookup callback: adds the file's certificates named `name` to the store, as loading
// the whole file would have put them there, and returns one of them.
int BundleBySubject(X509_LOOKUP* lookup, X509_LOOKUP_TYPE type, const X509_NAME* name,
                    X509_OBJECT* found) {
  if (type != X509_LU_X509) return 0;
  auto* bundle = static_cast<Bundle*>(X509_LOOKUP_get_method_data(lookup));
  std::lock_guard lock(bundle->mutex);
  X509* first = nullptr;
  for (Bundle::Entry& entry : bundle->entries) {
    if (X509_NAME_cmp(entry.subject.get(), name) != 0) continue;
    if (entry.certificate == nullptr) {
      const unsigned char* cursor = entry.der.get();
      entry.certificate.reset(entry.trusted_form ? d2i_X509_AUX(nullptr, &cursor, entry.length)
                                                 : d2i_X509(nullptr, &cursor, entry.length));
      if (entry.certificate == nullptr ||
          X509_STORE_add_cert(X509_LOOKUP_get_store(lookup), entry.certificate.get()) != 1) {
        ERR_clear_error();
        entry.certificate.reset();
        continue;
      }
    }
    if (first == nullptr) first = entry.certificate.get();
  }
  if (first == nullptr || X509_OBJECT_set1_X509(found, first) != 1) return 0;
  // The caller takes a reference of its own to what a lookup returns (as the hash directory's
  // lookup returns the store's object without one): the one set1 took is given back. The store
  // and the bundle keep the certificate alive.
  X509_free(first);
  return 1;
}

// Created once, for the life of the process, as OpenSSL's own lookup methods are.
X509_LOOKUP_METHOD* BundleLookupMethod() {
  static X509_LOOKUP_METHOD* const method = [] {
    X509_LOOKUP_METHOD* created = X509_LOOKUP_meth_new("pgward CA file, by name");
    if (created != nullptr) {
      X509_LOOKUP_meth_set_get_by_subject(created, BundleBySubject);
      X509_LOOKUP_meth_set_free(created, FreeBundle);
    }
    return created;
  }();
  return method;
}

std::shared_ptr<X509_STORE> NewStore() {
  return std::shared_ptr<X509_STORE>(X509_STORE_new(), X509_STORE_free);
}

}  // namespace

Expected<TrustStore> TrustStore::FromCaFile(const std::filesystem::path& path) {
  ERR_clear_error();
  std::shared_ptr<X509_STORE> store = NewStore();
  if (store == nullptr || X509_STORE_load_file(store.get(), path.c_str()) != 1) {
    return Error{ErrorKind::kInvalidArgument,
                 "cannot load CA file " + path.string() + ": " + DrainOpensslErrors()};
  }
  return TrustStore(std::move(store), path.string());
}

Expected<TrustStore> TrustStore::System() {
  ERR_clear_error();
  std::shared_ptr<X509_STORE> store = NewStore();
  if (store == nullptr) {
    return Error{ErrorKind::kLocalTlsError, "cannot create a trust store: " + DrainOpensslErrors()};
  }
  const char* file = secure_getenv(X509_get_default_cert_file_env());
  if (file == nullptr) file = X509_get_default_cert_file();
  auto bundle = std::make_unique<Bundle>();
  const bool read = ReadBundle(file, *bundle);
  // The lookups in the order X509_STORE_set_default_paths adds them: file, directory, store URI.
  X509_LOOKUP* file_lookup = nullptr;
  if (read) {
    X509_LOOKUP_METHOD* method = BundleLookupMethod();
    file_lookup = method != nullptr ? X509_STORE_add_lookup(store.get(), method) : nullptr;
    if (file_lookup != nullptr) X509_LOOKUP_set_method_data(file_lookup, bundle.release());
  } else {
    file_lookup = X509_STORE_add_lookup(store.get(), X509_LOOKUP_file());
    if (file_lookup != nullptr) X509_LOOKUP_load_file(file_lookup, file, X509_FILETYPE_PEM);
  }
  X509_LOOKUP* directory = X509_STORE_add_lookup(store.get(), X509_LOOKUP_hash_dir());
  X509_LOOKUP* uri = X509_STORE_add_lookup(store.get(), X509_LOOKUP_store());
  if (file_lookup == nullptr || directory == nullptr || uri == nullptr) {
    return Error{ErrorKind::kLocalTlsError,
                 "cannot set up the system trust store: " + DrainOpensslErrors()};
  }
  X509_LOOKUP_add_dir(directory, nullptr, X509_FILETYPE_DEFAULT);
  X509_LOOKUP_add_store(uri, nullptr);
  ERR_clear_error();  // as there: a default location that does not exist is no error
  return TrustStore(std::move(store), "system");
}

}  // namespace pgward::probe
