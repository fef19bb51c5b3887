#include "engine/probe/error.h"

#include <openssl/err.h>

namespace pgward::probe {

std::string DrainOpensslErrors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    if (!text.empty()) text += "; ";
    text += reason != nullptr ? reason : "OpenSSL error " + std::to_string(code);
  }
  return text.empty() ? "no detail from OpenSSL" : text;
}

}  // namespace pgward::probe
