#include "engine/core/redact.h"

#include <re2/re2.h>

namespace pgward {

std::string RedactSecrets(std::string_view text) {
  // Keyword/value: password='it''s' or password=secret (libpq quoting with \' and '').
  static const RE2 kKeywordValue(
      R"((?i)\b(password|ldapbindpasswd|radiussecrets|sslpassword)(\s*=\s*)('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*"|[^\s,]+))");
  // URI userinfo: scheme://user:secret@host
  static const RE2 kUriUserInfo(R"(([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@\s]*@)");
  // URI query parameters: ?password=secret&...
  static const RE2 kUriQuery(R"((?i)([?&](?:password|sslpassword)=)[^&\s]*)");
  std::string redacted(text);
  RE2::GlobalReplace(&redacted, kKeywordValue, R"(\1\2********)");
  RE2::GlobalReplace(&redacted, kUriUserInfo, R"(\1********@)");
  RE2::GlobalReplace(&redacted, kUriQuery, R"(\1********)");
  return redacted;
}

}  // namespace pgward
