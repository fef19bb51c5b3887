// OpenSSL, loaded at its first use rather than when pgward starts.
//
// Why: libcrypto and libssl are the largest libraries pgward links, and mapping them and resolving
// their 4,000 symbols (they are linked BIND_NOW) took 3.8 M of the 7.3 M instructions pgward
// needed to start, and a hundred page faults, on every run, also those that never digest, sign or
// probe anything (a log summary, `hba rules`, `hba explain`, policy listing). So pgward is not
// linked to OpenSSL: the OpenSSL functions it calls are defined here, each forwarding to
// OpenSSL's own, which the first call loads: libcrypto.so.3 for its functions, libssl.so.3
// (which brings libcrypto) for TLS's. OpenSSL's headers check each signature below; a call to a
// function missing here fails pgward's link. The Debian package still depends on libssl3
// (CMakeLists.txt), and libpq, when loaded, shares the same libraries.

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstdarg>

#include "engine/core/lazy_library.h"

namespace pgward {
namespace {

constexpr char kLibcrypto[] = "libcrypto.so.3";
constexpr char kLibssl[] = "libssl.so.3";
constexpr char kNeededFor[] = "digesting, signing or probing";

void* Libcrypto() {
  static void* const handle = LoadLibraryOrExit(kLibcrypto, kNeededFor);
  return handle;
}

void* Libssl() {
  static void* const handle = LoadLibraryOrExit(kLibssl, kNeededFor);
  return handle;
}

}  // namespace
}  // namespace pgward

// Each function resolves OpenSSL's once, on its first call (thread-safe: a static's
// initialisation).
#define PGWARD_CRYPTO(name)                                                          \
  static const auto openssl_function =                                               \
      pgward::FunctionOrExit(pgward::Libcrypto(), pgward::kLibcrypto, &name, #name); \
  return openssl_function
#define PGWARD_SSL(name)                                                       \
  static const auto openssl_function =                                         \
      pgward::FunctionOrExit(pgward::Libssl(), pgward::kLibssl, &name, #name); \
  return openssl_function

extern "C" {

// libcrypto
void ASN1_ENUMERATED_free(ASN1_ENUMERATED* a) { PGWARD_CRYPTO(ASN1_ENUMERATED_free)(a); }
long ASN1_ENUMERATED_get(const ASN1_ENUMERATED* a) { PGWARD_CRYPTO(ASN1_ENUMERATED_get)(a); }
BIGNUM* ASN1_INTEGER_to_BN(const ASN1_INTEGER* a, BIGNUM* b) {
  PGWARD_CRYPTO(ASN1_INTEGER_to_BN)(a, b);
}
const unsigned char* ASN1_STRING_get0_data(const ASN1_STRING* a) {
  PGWARD_CRYPTO(ASN1_STRING_get0_data)(a);
}
int ASN1_STRING_length(const ASN1_STRING* a) { PGWARD_CRYPTO(ASN1_STRING_length)(a); }
int ASN1_STRING_print_ex(BIO* a, const ASN1_STRING* b, unsigned long c) {
  PGWARD_CRYPTO(ASN1_STRING_print_ex)(a, b, c);
}
int ASN1_TIME_to_tm(const ASN1_TIME* a, struct tm* b) { PGWARD_CRYPTO(ASN1_TIME_to_tm)(a, b); }
int ASN1_get_object(const unsigned char** a, long* b, int* c, int* d, long e) {
  PGWARD_CRYPTO(ASN1_get_object)(a, b, c, d, e);
}
void BIO_clear_flags(BIO* a, int b) { PGWARD_CRYPTO(BIO_clear_flags)(a, b); }
long BIO_ctrl(BIO* a, int b, long c, void* d) { PGWARD_CRYPTO(BIO_ctrl)(a, b, c, d); }
void BIO_free_all(BIO* a) { PGWARD_CRYPTO(BIO_free_all)(a); }
void* BIO_get_data(BIO* a) { PGWARD_CRYPTO(BIO_get_data)(a); }
int BIO_get_new_index() { PGWARD_CRYPTO(BIO_get_new_index)(); }
BIO_METHOD* BIO_meth_new(int a, const char* b) { PGWARD_CRYPTO(BIO_meth_new)(a, b); }
int BIO_meth_set_ctrl(BIO_METHOD* a, long (*b)(BIO*, int, long, void*)) {
  PGWARD_CRYPTO(BIO_meth_set_ctrl)(a, b);
}
int BIO_meth_set_read(BIO_METHOD* a, int (*b)(BIO*, char*, int)) {
  PGWARD_CRYPTO(BIO_meth_set_read)(a, b);
}
int BIO_meth_set_write(BIO_METHOD* a, int (*b)(BIO*, const char*, int)) {
  PGWARD_CRYPTO(BIO_meth_set_write)(a, b);
}
BIO* BIO_new(const BIO_METHOD* a) { PGWARD_CRYPTO(BIO_new)(a); }
BIO* BIO_new_file(const char* a, const char* b) { PGWARD_CRYPTO(BIO_new_file)(a, b); }
BIO* BIO_new_mem_buf(const void* a, int b) { PGWARD_CRYPTO(BIO_new_mem_buf)(a, b); }
// The one variadic function: its arguments are passed on as a va_list.
int BIO_printf(BIO* a, const char* format, ...) {
  va_list arguments;
  va_start(arguments, format);
  const int written = BIO_vprintf(a, format, arguments);
  va_end(arguments);
  return written;
}
int BIO_vprintf(BIO* a, const char* b, va_list c) { PGWARD_CRYPTO(BIO_vprintf)(a, b, c); }
const BIO_METHOD* BIO_s_mem() { PGWARD_CRYPTO(BIO_s_mem)(); }
void BIO_set_data(BIO* a, void* b) { PGWARD_CRYPTO(BIO_set_data)(a, b); }
void BIO_set_flags(BIO* a, int b) { PGWARD_CRYPTO(BIO_set_flags)(a, b); }
void BIO_set_init(BIO* a, int b) { PGWARD_CRYPTO(BIO_set_init)(a, b); }
int BIO_test_flags(const BIO* a, int b) { PGWARD_CRYPTO(BIO_test_flags)(a, b); }
char* BN_bn2dec(const BIGNUM* a) { PGWARD_CRYPTO(BN_bn2dec)(a); }
char* BN_bn2hex(const BIGNUM* a) { PGWARD_CRYPTO(BN_bn2hex)(a); }
void BN_free(BIGNUM* a) { PGWARD_CRYPTO(BN_free)(a); }
void CMS_ContentInfo_free(CMS_ContentInfo* a) { PGWARD_CRYPTO(CMS_ContentInfo_free)(a); }
struct stack_st_CMS_SignerInfo* CMS_get0_SignerInfos(CMS_ContentInfo* a) {
  PGWARD_CRYPTO(CMS_get0_SignerInfos)(a);
}
struct stack_st_X509* CMS_get0_signers(CMS_ContentInfo* a) {
  PGWARD_CRYPTO(CMS_get0_signers)(a);
}
CMS_ContentInfo* CMS_sign(X509* a, EVP_PKEY* b, struct stack_st_X509* c, BIO* d, unsigned int e) {
  PGWARD_CRYPTO(CMS_sign)(a, b, c, d, e);
}
X509_ATTRIBUTE* CMS_signed_get_attr(const CMS_SignerInfo* a, int b) {
  PGWARD_CRYPTO(CMS_signed_get_attr)(a, b);
}
int CMS_signed_get_attr_by_NID(const CMS_SignerInfo* a, int b, int c) {
  PGWARD_CRYPTO(CMS_signed_get_attr_by_NID)(a, b, c);
}
int CMS_verify(CMS_ContentInfo* a, struct stack_st_X509* b, X509_STORE* c, BIO* d, BIO* e,
               unsigned int f) {
  PGWARD_CRYPTO(CMS_verify)(a, b, c, d, e, f);
}
int CONF_modules_load_file_ex(OSSL_LIB_CTX* a, const char* b, const char* c, unsigned long d) {
  PGWARD_CRYPTO(CONF_modules_load_file_ex)(a, b, c, d);
}
void CRYPTO_free(void* a, const char* b, int c) { PGWARD_CRYPTO(CRYPTO_free)(a, b, c); }
void ERR_clear_error() { PGWARD_CRYPTO(ERR_clear_error)(); }
void ERR_error_string_n(unsigned long a, char* b, size_t c) {
  PGWARD_CRYPTO(ERR_error_string_n)(a, b, c);
}
unsigned long ERR_get_error() { PGWARD_CRYPTO(ERR_get_error)(); }
unsigned long ERR_get_error_all(const char** a, int* b, const char** c, const char** d, int* e) {
  PGWARD_CRYPTO(ERR_get_error_all)(a, b, c, d, e);
}
unsigned long ERR_peek_error() { PGWARD_CRYPTO(ERR_peek_error)(); }
unsigned long ERR_peek_last_error() { PGWARD_CRYPTO(ERR_peek_last_error)(); }
const char* ERR_reason_error_string(unsigned long a) { PGWARD_CRYPTO(ERR_reason_error_string)(a); }
int EVP_Digest(const void* a, size_t b, unsigned char* c, unsigned int* d, const EVP_MD* e,
               ENGINE* f) {
  PGWARD_CRYPTO(EVP_Digest)(a, b, c, d, e, f);
}
int EVP_DigestFinal_ex(EVP_MD_CTX* a, unsigned char* b, unsigned int* c) {
  PGWARD_CRYPTO(EVP_DigestFinal_ex)(a, b, c);
}
int EVP_DigestInit_ex(EVP_MD_CTX* a, const EVP_MD* b, ENGINE* c) {
  PGWARD_CRYPTO(EVP_DigestInit_ex)(a, b, c);
}
int EVP_DigestUpdate(EVP_MD_CTX* a, const void* b, size_t c) {
  PGWARD_CRYPTO(EVP_DigestUpdate)(a, b, c);
}
void EVP_MD_CTX_free(EVP_MD_CTX* a) { PGWARD_CRYPTO(EVP_MD_CTX_free)(a); }
EVP_MD_CTX* EVP_MD_CTX_new() { PGWARD_CRYPTO(EVP_MD_CTX_new)(); }
EVP_MD* EVP_MD_fetch(OSSL_LIB_CTX* a, const char* b, const char* c) {
  PGWARD_CRYPTO(EVP_MD_fetch)(a, b, c);
}
void EVP_PKEY_free(EVP_PKEY* a) { PGWARD_CRYPTO(EVP_PKEY_free)(a); }
const char* EVP_PKEY_get0_type_name(const EVP_PKEY* a) {
  PGWARD_CRYPTO(EVP_PKEY_get0_type_name)(a);
}
int EVP_PKEY_get_bits(const EVP_PKEY* a) { PGWARD_CRYPTO(EVP_PKEY_get_bits)(a); }
int EVP_PKEY_get_group_name(const EVP_PKEY* a, char* b, size_t c, size_t* d) {
  PGWARD_CRYPTO(EVP_PKEY_get_group_name)(a, b, c, d);
}
const EVP_MD* EVP_sha1() { PGWARD_CRYPTO(EVP_sha1)(); }
const EVP_MD* EVP_sha256() { PGWARD_CRYPTO(EVP_sha256)(); }
void GENERAL_NAMES_free(GENERAL_NAMES* a) { PGWARD_CRYPTO(GENERAL_NAMES_free)(a); }
const char* OBJ_nid2ln(int a) { PGWARD_CRYPTO(OBJ_nid2ln)(a); }
const char* OBJ_nid2sn(int a) { PGWARD_CRYPTO(OBJ_nid2sn)(a); }
int OBJ_obj2nid(const ASN1_OBJECT* a) { PGWARD_CRYPTO(OBJ_obj2nid)(a); }
void OPENSSL_sk_free(OPENSSL_STACK* a) { PGWARD_CRYPTO(OPENSSL_sk_free)(a); }
int OPENSSL_sk_num(const OPENSSL_STACK* a) { PGWARD_CRYPTO(OPENSSL_sk_num)(a); }
void OPENSSL_sk_pop_free(OPENSSL_STACK* a, void (*b)(void*)) {
  PGWARD_CRYPTO(OPENSSL_sk_pop_free)(a, b);
}
void* OPENSSL_sk_value(const OPENSSL_STACK* a, int b) { PGWARD_CRYPTO(OPENSSL_sk_value)(a, b); }
void OSSL_LIB_CTX_free(OSSL_LIB_CTX* a) { PGWARD_CRYPTO(OSSL_LIB_CTX_free)(a); }
OSSL_LIB_CTX* OSSL_LIB_CTX_new() { PGWARD_CRYPTO(OSSL_LIB_CTX_new)(); }
OSSL_LIB_CTX* OSSL_LIB_CTX_set0_default(OSSL_LIB_CTX* a) {
  PGWARD_CRYPTO(OSSL_LIB_CTX_set0_default)(a);
}
struct stack_st_X509_INFO* PEM_X509_INFO_read_bio(BIO* a, struct stack_st_X509_INFO* b,
                                                  pem_password_cb(*c), void* d) {
  PGWARD_CRYPTO(PEM_X509_INFO_read_bio)(a, b, c, d);
}
int PEM_read_bio(BIO* a, char** b, char** c, unsigned char** d, long* e) {
  PGWARD_CRYPTO(PEM_read_bio)(a, b, c, d, e);
}
EVP_PKEY* PEM_read_bio_PrivateKey(BIO* a, EVP_PKEY** b, pem_password_cb(*c), void* d) {
  PGWARD_CRYPTO(PEM_read_bio_PrivateKey)(a, b, c, d);
}
X509* PEM_read_bio_X509(BIO* a, X509** b, pem_password_cb(*c), void* d) {
  PGWARD_CRYPTO(PEM_read_bio_X509)(a, b, c, d);
}
X509_CRL* PEM_read_bio_X509_CRL(BIO* a, X509_CRL** b, pem_password_cb(*c), void* d) {
  PGWARD_CRYPTO(PEM_read_bio_X509_CRL)(a, b, c, d);
}
ASN1_TYPE* X509_ATTRIBUTE_get0_type(X509_ATTRIBUTE* a, int b) {
  PGWARD_CRYPTO(X509_ATTRIBUTE_get0_type)(a, b);
}
void X509_CRL_free(X509_CRL* a) { PGWARD_CRYPTO(X509_CRL_free)(a); }
const ASN1_TIME* X509_CRL_get0_nextUpdate(const X509_CRL* a) {
  PGWARD_CRYPTO(X509_CRL_get0_nextUpdate)(a);
}
struct stack_st_X509_REVOKED* X509_CRL_get_REVOKED(X509_CRL* a) {
  PGWARD_CRYPTO(X509_CRL_get_REVOKED)(a);
}
X509_EXTENSION* X509_CRL_get_ext(const X509_CRL* a, int b) {
  PGWARD_CRYPTO(X509_CRL_get_ext)(a, b);
}
int X509_CRL_get_ext_by_NID(const X509_CRL* a, int b, int c) {
  PGWARD_CRYPTO(X509_CRL_get_ext_by_NID)(a, b, c);
}
int X509_CRL_get_ext_count(const X509_CRL* a) { PGWARD_CRYPTO(X509_CRL_get_ext_count)(a); }
X509_NAME* X509_CRL_get_issuer(const X509_CRL* a) { PGWARD_CRYPTO(X509_CRL_get_issuer)(a); }
int X509_CRL_verify(X509_CRL* a, EVP_PKEY* b) { PGWARD_CRYPTO(X509_CRL_verify)(a, b); }
int X509_EXTENSION_get_critical(const X509_EXTENSION* a) {
  PGWARD_CRYPTO(X509_EXTENSION_get_critical)(a);
}
ASN1_OBJECT* X509_EXTENSION_get_object(X509_EXTENSION* a) {
  PGWARD_CRYPTO(X509_EXTENSION_get_object)(a);
}
void X509_INFO_free(X509_INFO* a) { PGWARD_CRYPTO(X509_INFO_free)(a); }
int X509_LOOKUP_ctrl(X509_LOOKUP* a, int b, const char* c, long d, char** e) {
  PGWARD_CRYPTO(X509_LOOKUP_ctrl)(a, b, c, d, e);
}
X509_LOOKUP_METHOD* X509_LOOKUP_file() { PGWARD_CRYPTO(X509_LOOKUP_file)(); }
void* X509_LOOKUP_get_method_data(const X509_LOOKUP* a) {
  PGWARD_CRYPTO(X509_LOOKUP_get_method_data)(a);
}
X509_STORE* X509_LOOKUP_get_store(const X509_LOOKUP* a) { PGWARD_CRYPTO(X509_LOOKUP_get_store)(a); }
X509_LOOKUP_METHOD* X509_LOOKUP_hash_dir() { PGWARD_CRYPTO(X509_LOOKUP_hash_dir)(); }
X509_LOOKUP_METHOD* X509_LOOKUP_meth_new(const char* a) { PGWARD_CRYPTO(X509_LOOKUP_meth_new)(a); }
int X509_LOOKUP_meth_set_free(X509_LOOKUP_METHOD* a, void (*b)(X509_LOOKUP*)) {
  PGWARD_CRYPTO(X509_LOOKUP_meth_set_free)(a, b);
}
int X509_LOOKUP_meth_set_get_by_subject(X509_LOOKUP_METHOD* a, X509_LOOKUP_get_by_subject_fn b) {
  PGWARD_CRYPTO(X509_LOOKUP_meth_set_get_by_subject)(a, b);
}
int X509_LOOKUP_set_method_data(X509_LOOKUP* a, void* b) {
  PGWARD_CRYPTO(X509_LOOKUP_set_method_data)(a, b);
}
X509_LOOKUP_METHOD* X509_LOOKUP_store() { PGWARD_CRYPTO(X509_LOOKUP_store)(); }
ASN1_STRING* X509_NAME_ENTRY_get_data(const X509_NAME_ENTRY* a) {
  PGWARD_CRYPTO(X509_NAME_ENTRY_get_data)(a);
}
ASN1_OBJECT* X509_NAME_ENTRY_get_object(const X509_NAME_ENTRY* a) {
  PGWARD_CRYPTO(X509_NAME_ENTRY_get_object)(a);
}
int X509_NAME_cmp(const X509_NAME* a, const X509_NAME* b) { PGWARD_CRYPTO(X509_NAME_cmp)(a, b); }
int X509_NAME_entry_count(const X509_NAME* a) { PGWARD_CRYPTO(X509_NAME_entry_count)(a); }
void X509_NAME_free(X509_NAME* a) { PGWARD_CRYPTO(X509_NAME_free)(a); }
X509_NAME_ENTRY* X509_NAME_get_entry(const X509_NAME* a, int b) {
  PGWARD_CRYPTO(X509_NAME_get_entry)(a, b);
}
int X509_NAME_print_ex(BIO* a, const X509_NAME* b, int c, unsigned long d) {
  PGWARD_CRYPTO(X509_NAME_print_ex)(a, b, c, d);
}
int X509_OBJECT_set1_X509(X509_OBJECT* a, X509* b) { PGWARD_CRYPTO(X509_OBJECT_set1_X509)(a, b); }
const ASN1_INTEGER* X509_REVOKED_get0_serialNumber(const X509_REVOKED* a) {
  PGWARD_CRYPTO(X509_REVOKED_get0_serialNumber)(a);
}
void* X509_REVOKED_get_ext_d2i(const X509_REVOKED* a, int b, int* c, int* d) {
  PGWARD_CRYPTO(X509_REVOKED_get_ext_d2i)(a, b, c, d);
}
void X509_STORE_CTX_free(X509_STORE_CTX* a) { PGWARD_CRYPTO(X509_STORE_CTX_free)(a); }
X509_VERIFY_PARAM* X509_STORE_CTX_get0_param(const X509_STORE_CTX* a) {
  PGWARD_CRYPTO(X509_STORE_CTX_get0_param)(a);
}
int X509_STORE_CTX_get_error(const X509_STORE_CTX* a) {
  PGWARD_CRYPTO(X509_STORE_CTX_get_error)(a);
}
int X509_STORE_CTX_init(X509_STORE_CTX* a, X509_STORE* b, X509* c, struct stack_st_X509* d) {
  PGWARD_CRYPTO(X509_STORE_CTX_init)(a, b, c, d);
}
X509_STORE_CTX* X509_STORE_CTX_new() { PGWARD_CRYPTO(X509_STORE_CTX_new)(); }
int X509_STORE_CTX_set_default(X509_STORE_CTX* a, const char* b) {
  PGWARD_CRYPTO(X509_STORE_CTX_set_default)(a, b);
}
int X509_STORE_add_cert(X509_STORE* a, X509* b) { PGWARD_CRYPTO(X509_STORE_add_cert)(a, b); }
X509_LOOKUP* X509_STORE_add_lookup(X509_STORE* a, X509_LOOKUP_METHOD* b) {
  PGWARD_CRYPTO(X509_STORE_add_lookup)(a, b);
}
void X509_STORE_free(X509_STORE* a) { PGWARD_CRYPTO(X509_STORE_free)(a); }
X509_VERIFY_PARAM* X509_STORE_get0_param(const X509_STORE* a) {
  PGWARD_CRYPTO(X509_STORE_get0_param)(a);
}
int X509_STORE_load_file(X509_STORE* a, const char* b) {
  PGWARD_CRYPTO(X509_STORE_load_file)(a, b);
}
X509_STORE* X509_STORE_new() { PGWARD_CRYPTO(X509_STORE_new)(); }
int X509_VERIFY_PARAM_set1_ip_asc(X509_VERIFY_PARAM* a, const char* b) {
  PGWARD_CRYPTO(X509_VERIFY_PARAM_set1_ip_asc)(a, b);
}
void X509_VERIFY_PARAM_set_auth_level(X509_VERIFY_PARAM* a, int b) {
  PGWARD_CRYPTO(X509_VERIFY_PARAM_set_auth_level)(a, b);
}
void X509_VERIFY_PARAM_set_time(X509_VERIFY_PARAM* a, time_t b) {
  PGWARD_CRYPTO(X509_VERIFY_PARAM_set_time)(a, b);
}
int X509_check_host(X509* a, const char* b, size_t c, unsigned int d, char** e) {
  PGWARD_CRYPTO(X509_check_host)(a, b, c, d, e);
}
int X509_check_ip_asc(X509* a, const char* b, unsigned int c) {
  PGWARD_CRYPTO(X509_check_ip_asc)(a, b, c);
}
int X509_check_private_key(const X509* a, const EVP_PKEY* b) {
  PGWARD_CRYPTO(X509_check_private_key)(a, b);
}
int X509_check_purpose(X509* a, int b, int c) { PGWARD_CRYPTO(X509_check_purpose)(a, b, c); }
int X509_cmp_current_time(const ASN1_TIME* a) { PGWARD_CRYPTO(X509_cmp_current_time)(a); }
int X509_cmp_time(const ASN1_TIME* a, time_t* b) { PGWARD_CRYPTO(X509_cmp_time)(a, b); }
int X509_digest(const X509* a, const EVP_MD* b, unsigned char* c, unsigned int* d) {
  PGWARD_CRYPTO(X509_digest)(a, b, c, d);
}
void X509_free(X509* a) { PGWARD_CRYPTO(X509_free)(a); }
const ASN1_TIME* X509_get0_notAfter(const X509* a) { PGWARD_CRYPTO(X509_get0_notAfter)(a); }
const ASN1_TIME* X509_get0_notBefore(const X509* a) { PGWARD_CRYPTO(X509_get0_notBefore)(a); }
EVP_PKEY* X509_get0_pubkey(const X509* a) { PGWARD_CRYPTO(X509_get0_pubkey)(a); }
const ASN1_INTEGER* X509_get0_serialNumber(const X509* a) {
  PGWARD_CRYPTO(X509_get0_serialNumber)(a);
}
const char* X509_get_default_cert_file() { PGWARD_CRYPTO(X509_get_default_cert_file)(); }
const char* X509_get_default_cert_file_env() { PGWARD_CRYPTO(X509_get_default_cert_file_env)(); }
void* X509_get_ext_d2i(const X509* a, int b, int* c, int* d) {
  PGWARD_CRYPTO(X509_get_ext_d2i)(a, b, c, d);
}
X509_NAME* X509_get_issuer_name(const X509* a) { PGWARD_CRYPTO(X509_get_issuer_name)(a); }
uint32_t X509_get_key_usage(X509* a) { PGWARD_CRYPTO(X509_get_key_usage)(a); }
int X509_get_signature_nid(const X509* a) { PGWARD_CRYPTO(X509_get_signature_nid)(a); }
X509_NAME* X509_get_subject_name(const X509* a) { PGWARD_CRYPTO(X509_get_subject_name)(a); }
int X509_self_signed(X509* a, int b) { PGWARD_CRYPTO(X509_self_signed)(a, b); }
int X509_verify_cert(X509_STORE_CTX* a) { PGWARD_CRYPTO(X509_verify_cert)(a); }
const char* X509_verify_cert_error_string(long a) {
  PGWARD_CRYPTO(X509_verify_cert_error_string)(a);
}
CMS_ContentInfo* d2i_CMS_bio(BIO* a, CMS_ContentInfo** b) { PGWARD_CRYPTO(d2i_CMS_bio)(a, b); }
X509* d2i_X509(X509** a, const unsigned char** b, long c) { PGWARD_CRYPTO(d2i_X509)(a, b, c); }
X509* d2i_X509_AUX(X509** a, const unsigned char** b, long c) {
  PGWARD_CRYPTO(d2i_X509_AUX)(a, b, c);
}
X509_CRL* d2i_X509_CRL(X509_CRL** a, const unsigned char** b, long c) {
  PGWARD_CRYPTO(d2i_X509_CRL)(a, b, c);
}
X509_NAME* d2i_X509_NAME(X509_NAME** a, const unsigned char** b, long c) {
  PGWARD_CRYPTO(d2i_X509_NAME)(a, b, c);
}
int i2d_CMS_bio(BIO* a, CMS_ContentInfo* b) { PGWARD_CRYPTO(i2d_CMS_bio)(a, b); }

// libssl
int OPENSSL_init_ssl(uint64_t a, const OPENSSL_INIT_SETTINGS* b) {
  PGWARD_SSL(OPENSSL_init_ssl)(a, b);
}
int SSL_CIPHER_get_bits(const SSL_CIPHER* a, int* b) { PGWARD_SSL(SSL_CIPHER_get_bits)(a, b); }
const char* SSL_CIPHER_get_name(const SSL_CIPHER* a) { PGWARD_SSL(SSL_CIPHER_get_name)(a); }
uint16_t SSL_CIPHER_get_protocol_id(const SSL_CIPHER* a) {
  PGWARD_SSL(SSL_CIPHER_get_protocol_id)(a);
}
const char* SSL_CIPHER_get_version(const SSL_CIPHER* a) { PGWARD_SSL(SSL_CIPHER_get_version)(a); }
const char* SSL_CIPHER_standard_name(const SSL_CIPHER* a) {
  PGWARD_SSL(SSL_CIPHER_standard_name)(a);
}
int SSL_CTX_check_private_key(const SSL_CTX* a) { PGWARD_SSL(SSL_CTX_check_private_key)(a); }
void SSL_CTX_free(SSL_CTX* a) { PGWARD_SSL(SSL_CTX_free)(a); }
SSL_CTX* SSL_CTX_new(const SSL_METHOD* a) { PGWARD_SSL(SSL_CTX_new)(a); }
void SSL_CTX_set1_cert_store(SSL_CTX* a, X509_STORE* b) {
  PGWARD_SSL(SSL_CTX_set1_cert_store)(a, b);
}
int SSL_CTX_set_cipher_list(SSL_CTX* a, const char* b) {
  PGWARD_SSL(SSL_CTX_set_cipher_list)(a, b);
}
void SSL_CTX_set_verify(SSL_CTX* a, int b, SSL_verify_cb c) {
  PGWARD_SSL(SSL_CTX_set_verify)(a, b, c);
}
int SSL_CTX_use_PrivateKey_file(SSL_CTX* a, const char* b, int c) {
  PGWARD_SSL(SSL_CTX_use_PrivateKey_file)(a, b, c);
}
int SSL_CTX_use_certificate_chain_file(SSL_CTX* a, const char* b) {
  PGWARD_SSL(SSL_CTX_use_certificate_chain_file)(a, b);
}
const char* SSL_alert_desc_string_long(int a) { PGWARD_SSL(SSL_alert_desc_string_long)(a); }
int SSL_connect(SSL* a) { PGWARD_SSL(SSL_connect)(a); }
long SSL_ctrl(SSL* a, int b, long c, void* d) { PGWARD_SSL(SSL_ctrl)(a, b, c, d); }
void SSL_free(SSL* a) { PGWARD_SSL(SSL_free)(a); }
void SSL_get0_alpn_selected(const SSL* a, const unsigned char** b, unsigned int* c) {
  PGWARD_SSL(SSL_get0_alpn_selected)(a, b, c);
}
X509_VERIFY_PARAM* SSL_get0_param(SSL* a) { PGWARD_SSL(SSL_get0_param)(a); }
struct stack_st_SSL_CIPHER* SSL_get1_supported_ciphers(SSL* a) {
  PGWARD_SSL(SSL_get1_supported_ciphers)(a);
}
struct stack_st_SSL_CIPHER* SSL_get_ciphers(const SSL* a) {
  PGWARD_SSL(SSL_get_ciphers)(a);
}
const SSL_CIPHER* SSL_get_current_cipher(const SSL* a) { PGWARD_SSL(SSL_get_current_cipher)(a); }
int SSL_get_error(const SSL* a, int b) { PGWARD_SSL(SSL_get_error)(a, b); }
void* SSL_get_ex_data(const SSL* a, int b) { PGWARD_SSL(SSL_get_ex_data)(a, b); }
struct stack_st_X509* SSL_get_peer_cert_chain(const SSL* a) {
  PGWARD_SSL(SSL_get_peer_cert_chain)(a);
}
const SSL_CIPHER* SSL_get_pending_cipher(const SSL* a) { PGWARD_SSL(SSL_get_pending_cipher)(a); }
long SSL_get_verify_result(const SSL* a) { PGWARD_SSL(SSL_get_verify_result)(a); }
const char* SSL_get_version(const SSL* a) { PGWARD_SSL(SSL_get_version)(a); }
int SSL_is_init_finished(const SSL* a) { PGWARD_SSL(SSL_is_init_finished)(a); }
SSL* SSL_new(SSL_CTX* a) { PGWARD_SSL(SSL_new)(a); }
int SSL_read(SSL* a, void* b, int c) { PGWARD_SSL(SSL_read)(a, b, c); }
int SSL_set1_host(SSL* a, const char* b) { PGWARD_SSL(SSL_set1_host)(a, b); }
int SSL_set_alpn_protos(SSL* a, const unsigned char* b, unsigned int c) {
  PGWARD_SSL(SSL_set_alpn_protos)(a, b, c);
}
void SSL_set_bio(SSL* a, BIO* b, BIO* c) { PGWARD_SSL(SSL_set_bio)(a, b, c); }
int SSL_set_cipher_list(SSL* a, const char* b) { PGWARD_SSL(SSL_set_cipher_list)(a, b); }
int SSL_set_ciphersuites(SSL* a, const char* b) { PGWARD_SSL(SSL_set_ciphersuites)(a, b); }
int SSL_set_ex_data(SSL* a, int b, void* c) { PGWARD_SSL(SSL_set_ex_data)(a, b, c); }
void SSL_set_info_callback(SSL* a, void (*b)(const SSL*, int, int)) {
  PGWARD_SSL(SSL_set_info_callback)(a, b);
}
void SSL_set_msg_callback(SSL* a, void (*b)(int, int, int, const void*, size_t, SSL*, void*)) {
  PGWARD_SSL(SSL_set_msg_callback)(a, b);
}
void SSL_set_security_level(SSL* a, int b) { PGWARD_SSL(SSL_set_security_level)(a, b); }
int SSL_shutdown(SSL* a) { PGWARD_SSL(SSL_shutdown)(a); }
int SSL_version(const SSL* a) { PGWARD_SSL(SSL_version)(a); }
int SSL_write(SSL* a, const void* b, int c) { PGWARD_SSL(SSL_write)(a, b, c); }
const SSL_METHOD* TLS_client_method() { PGWARD_SSL(TLS_client_method)(); }
const SSL_METHOD* TLS_method() { PGWARD_SSL(TLS_method)(); }

}  // extern "C"
