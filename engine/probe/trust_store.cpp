#include "engine/probe/trust_store.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "engine/core/openssl_ptr.h"

namespace pgward::probe {
namespace {

using NamePtr = OpensslPtr<X509_NAME, X509_NAME_free>;
using CertificatePtr = OpensslPtr<X509, X509_free>;

void FreeOpensslBytes(unsigned char* bytes) { OPENSSL_free(bytes); }
void FreeOpensslText(char* text) { OPENSSL_free(text); }
using OpensslBytes = OpensslPtr<unsigned char, FreeOpensslBytes>;
using OpensslText = OpensslPtr<char, FreeOpensslText>;

// One DER element at `cursor`, within `available` bytes.
struct DerElement {
  const unsigned char* content;
  long content_length;
  long size;  // header and content
  bool constructed;
};

// Nullopt when the header is malformed, overruns `available`, or has the indefinite length DER
// does not allow.
std::optional<DerElement> ReadDerElement(const unsigned char* cursor, long available) {
  const unsigned char* content = cursor;
  long content_length = 0;
  int tag = 0;
  int tag_class = 0;
  const int flags = ASN1_get_object(&content, &content_length, &tag, &tag_class, available);
  if ((flags & 0x80) != 0 || (flags & 0x01) != 0) return std::nullopt;
  return DerElement{.content = content,
                    .content_length = content_length,
                    .size = (content - cursor) + content_length,
                    .constructed = (flags & V_ASN1_CONSTRUCTED) != 0};
}

// The subject of a DER certificate, read by stepping over the fields of TBSCertificate that
// precede it ([0] version, serialNumber, signature, issuer, validity): the public key, whose
// decoding is most of what d2i_X509 costs, is never touched. Null when the DER does not have
// that shape.
NamePtr SubjectOf(std::span<const unsigned char> der) {
  const unsigned char* cursor = der.data();
  long remaining = static_cast<long>(der.size());
  // Into a constructed element, or past an element.
  const auto step = [&](bool into) {
    const std::optional<DerElement> element = ReadDerElement(cursor, remaining);
    if (!element) return false;
    if (into) {
      cursor = element->content;
      remaining = element->content_length;
    } else {
      cursor += element->size;
      remaining -= element->size;
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

// Whether `length` bytes at `cursor` are whole DER elements, each constructed one made of whole
// elements in turn: what a damaged certificate breaks first.
bool WellFormedDer(const unsigned char* cursor, long length, int depth = 0) {
  constexpr int kDeepest = 32;
  while (length > 0) {
    const std::optional<DerElement> element = ReadDerElement(cursor, length);
    if (!element) return false;
    if (element->constructed &&
        (depth == kDeepest ||
         !WellFormedDer(element->content, element->content_length, depth + 1))) {
      return false;
    }
    cursor += element->size;
    length -= element->size;
  }
  return length == 0;
}

// Reads the certificates of the PEM file at `path` into `bundle`; a file that cannot be opened
// holds none, as for OpenSSL. False when the file holds anything but well-formed certificates:
// a block that does not decode, another kind of block (a CRL, a key), a certificate whose DER
// is damaged or whose subject cannot be read. The caller then loads the file as OpenSSL does,
// so that such a file has the effect it has there (from a file it cannot read to the end,
// OpenSSL loads nothing).
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
    if (PEM_read_bio(file.get(), &name, &header, &data, &length) != 1) {
      // The end of the file reads as "no start line"; any other reason is damage.
      const bool at_end = ERR_GET_REASON(ERR_peek_last_error()) == PEM_R_NO_START_LINE;
      ERR_clear_error();
      return at_end;
    }
    OpensslText owned_name(name);
    OpensslText owned_header(header);
    Bundle::Entry entry{.der = OpensslBytes(data), .length = length};
    // The certificate block types of PEM_X509_INFO_read_bio, which loads OpenSSL's CA file.
    entry.trusted_form = std::strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
    if (!entry.trusted_form && std::strcmp(name, PEM_STRING_X509) != 0 &&
        std::strcmp(name, PEM_STRING_X509_OLD) != 0) {
      return false;
    }
    if (!WellFormedDer(entry.der.get(), length)) return false;
    entry.subject = SubjectOf({entry.der.get(), static_cast<std::size_t>(length)});
    if (entry.subject == nullptr) return false;
    bundle.entries.push_back(std::move(entry));
  }
}

void FreeBundle(X509_LOOKUP* lookup) {
  delete static_cast<Bundle*>(X509_LOOKUP_get_method_data(lookup));
}

// OpenSSL's lookup callback: adds the file's certificates named `name` to the store, as loading
// the whole file would have put them there, and returns one of them. A certificate OpenSSL cannot
// decode although its DER is well formed is left out alone, where OpenSSL would leave out the
// whole file: the CA file is the system's, and well-formed DER that OpenSSL rejects is not what
// damage to it produces.
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

Expected<TrustStore> TrustStore::Load(const std::optional<std::filesystem::path>& ca_file) {
  return ca_file.has_value() ? FromCaFile(*ca_file) : System();
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
