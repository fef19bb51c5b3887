#include "engine/core/redact.h"

#include <re2/re2.h>

namespace pgward {

namespace {

// A keyword as a URI query may spell it: each letter itself or percent-encoded (libpq decodes
// "pass%77ord" to "password"), in either case.
std::string UriKeyword(std::string_view keyword) {
  std::string pattern;
  for (const char c : keyword) {
    const auto hex = [](char letter) {
      constexpr char kDigits[] = "0123456789abcdef";
      const auto byte = static_cast<unsigned char>(letter);
      return std::string("%") + kDigits[byte >> 4] + kDigits[byte & 15];
    };
    const char upper = static_cast<char>(c - 'a' + 'A');
    pattern += "(?:" + std::string(1, c) + "|" + hex(c) + "|" + hex(upper) + ")";
  }
  return pattern;
}

}  // namespace

std::string RedactSecrets(std::string_view text) {
  // Keyword/value: password='it''s' or password=secret (libpq quoting with \' and ''). An
  // unquoted value runs to the next blank: libpq takes commas into it (password=a,b), and
  // radiussecrets lists several secrets separated by commas.
  static const RE2 kKeywordValue(
      R"((?i)\b(password|ldapbindpasswd|radiussecrets|sslpassword)(\s*=\s*)('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*"|[^\s]+))");
  // URI userinfo: scheme://user:secret@host
  static const RE2 kUriUserInfo(R"(([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@\s]*@)");
  // URI query parameters: ?password=secret&..., the keyword percent-encoded or not.
  static const RE2 kUriQuery("(?i)([?&](?:" + UriKeyword("password") + "|" +
                             UriKeyword("sslpassword") + ")=)[^&\\s]*");
  std::string redacted(text);
  RE2::GlobalReplace(&redacted, kKeywordValue, R"(\1\2********)");
  RE2::GlobalReplace(&redacted, kUriUserInfo, R"(\1********@)");
  RE2::GlobalReplace(&redacted, kUriQuery, R"(\1********)");
  return redacted;
}

bool IsSecretOption(std::string_view name) {
  return name == "ldapbindpasswd" || name == "radiussecrets";
}

std::string_view MaskSecretOption(std::string_view option) {
  static constexpr std::string_view kMasked[] = {"ldapbindpasswd=********",
                                                 "radiussecrets=********"};
  const std::string_view name = option.substr(0, option.find('='));
  if (name.size() == option.size() || !IsSecretOption(name)) return option;
  return kMasked[name == "ldapbindpasswd" ? 0 : 1];
}

}  // namespace pgward
