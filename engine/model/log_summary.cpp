#include "engine/model/log_summary.h"

namespace pgward {

const char* LogFailureName(LogFailure failure) {
  switch (failure) {
    case LogFailure::kClientCertificateRequired:
      return "client_certificate_required";
    case LogFailure::kCertificateAuthentication:
      return "certificate_authentication";
    case LogFailure::kSslHandshake:
      return "ssl_handshake";
    case LogFailure::kHbaRejectNoEncryption:
      return "hba_reject_no_encryption";
    case LogFailure::kHbaReject:
      return "hba_reject";
    case LogFailure::kNoHbaEntry:
      return "no_hba_entry";
    case LogFailure::kPasswordAuthentication:
      return "password_authentication";
  }
  return "";
}

}  // namespace pgward
