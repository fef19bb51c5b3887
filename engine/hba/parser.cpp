#include "engine/hba/parser.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>

#include "engine/hba/ldap_url.h"
#include "engine/hba/regex_check.h"
#include "engine/hba/tokenizer.h"

namespace pgward::hba {

std::string_view ConnectionTypeName(ConnectionType type) {
  switch (type) {
    case ConnectionType::kLocal:
      return "local";
    case ConnectionType::kHost:
      return "host";
    case ConnectionType::kHostSsl:
      return "hostssl";
    case ConnectionType::kHostNoSsl:
      return "hostnossl";
    case ConnectionType::kHostGssEnc:
      return "hostgssenc";
    case ConnectionType::kHostNoGssEnc:
      return "hostnogssenc";
  }
  return "";
}

std::string_view AuthMethodName(AuthMethod method) {
  switch (method) {
    case AuthMethod::kTrust:
      return "trust";
    case AuthMethod::kReject:
      return "reject";
    case AuthMethod::kMd5:
      return "md5";
    case AuthMethod::kPassword:
      return "password";
    case AuthMethod::kScramSha256:
      return "scram-sha-256";
    case AuthMethod::kGss:
      return "gss";
    case AuthMethod::kSspi:
      return "sspi";
    case AuthMethod::kIdent:
      return "ident";
    case AuthMethod::kPeer:
      return "peer";
    case AuthMethod::kPam:
      return "pam";
    case AuthMethod::kLdap:
      return "ldap";
    case AuthMethod::kRadius:
      return "radius";
    case AuthMethod::kCert:
      return "cert";
    case AuthMethod::kBsd:
      return "bsd";
    case AuthMethod::kOAuth:
      return "oauth";
  }
  return "";
}

namespace {

using internal::Field;
using internal::TokenizedLine;

enum class ClientCert { kOff, kVerifyCa, kVerifyFull };

// The fields of hba.c's HbaLine that pg_hba_file_rules shows or that parse_hba_line checks.
struct HbaLineFields {
  ConnectionType type = ConnectionType::kLocal;
  std::vector<Token> databases;
  std::vector<Token> roles;
  Address address;
  AuthMethod method = AuthMethod::kReject;

  bool include_realm = false;
  std::optional<std::string> krb_realm;
  std::optional<std::string> usermap;
  ClientCert clientcert = ClientCert::kOff;
  std::optional<std::string> pamservice;

  std::optional<std::string> ldapserver;
  int ldapport = 0;
  std::optional<std::string> ldapscheme;
  bool ldaptls = false;
  std::optional<std::string> ldapprefix;
  std::optional<std::string> ldapsuffix;
  std::optional<std::string> ldapbasedn;
  std::optional<std::string> ldapbinddn;
  std::optional<std::string> ldapbindpasswd;
  std::optional<std::string> ldapsearchattribute;
  std::optional<std::string> ldapsearchfilter;
  int ldapscope = 0;

  // The parsed lists and the option text as written (the view shows the text).
  std::vector<std::string> radiusservers;
  std::vector<std::string> radiussecrets;
  std::vector<std::string> radiusidentifiers;
  std::vector<std::string> radiusports;
  std::optional<std::string> radiusservers_text;
  std::optional<std::string> radiussecrets_text;
  std::optional<std::string> radiusidentifiers_text;
  std::optional<std::string> radiusports_text;

  std::optional<std::string> oauth_issuer;
  std::optional<std::string> oauth_scope;
  std::optional<std::string> oauth_validator;
  bool oauth_skip_usermap = false;
};

constexpr int kLdapScopeSubtree = 2;

// atoi() as glibc defines it: (int) strtol(text, NULL, 10).
int Atoi(const std::string& text) {
  return static_cast<int>(std::strtol(text.c_str(), nullptr, 10));
}

bool IsScannerSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// SplitGUCList() (varlena.c): comma-separated elements, optionally double-quoted ("" inside
// quotes is a quote), surrounding whitespace ignored. Returns nullopt on a syntax error.
std::optional<std::vector<std::string>> SplitGucList(std::string_view text) {
  std::vector<std::string> elements;
  std::size_t pos = 0;
  while (pos < text.size() && IsScannerSpace(text[pos])) ++pos;
  if (pos == text.size()) return elements;
  for (;;) {
    std::string element;
    if (text[pos] == '"') {
      ++pos;
      for (;;) {
        std::size_t quote = text.find('"', pos);
        if (quote == std::string_view::npos) return std::nullopt;  // mismatched quotes
        element.append(text.substr(pos, quote - pos));
        pos = quote + 1;
        if (pos < text.size() && text[pos] == '"') {
          element.push_back('"');
          ++pos;
          continue;
        }
        break;
      }
    } else {
      const std::size_t start = pos;
      while (pos < text.size() && text[pos] != ',' && !IsScannerSpace(text[pos])) ++pos;
      if (pos == start) return std::nullopt;  // empty unquoted name
      element.assign(text.substr(start, pos - start));
    }
    while (pos < text.size() && IsScannerSpace(text[pos])) ++pos;
    elements.push_back(std::move(element));
    if (pos == text.size()) return elements;
    if (text[pos] != ',') return std::nullopt;
    ++pos;
    while (pos < text.size() && IsScannerSpace(text[pos])) ++pos;
  }
}

struct AddrInfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;

// pg_getaddrinfo_all() with the hints of parse_hba_line(): AI_NUMERICHOST, any family. Returns
// the getaddrinfo() error code (0 on success). Strict dotted quads and plain IPv6 addresses go
// through inet_pton(), which glibc's getaddrinfo() accepts identically; everything else (the
// inet_aton forms like 127.1 or 0x7f.1, scoped IPv6 addresses, host names) is left to
// getaddrinfo() itself. The fast path keeps large files from paying a getaddrinfo() call
// (and its allocations) per address.
int NumericHostLookup(const std::string& text, AddressFamily& family,
                      std::array<std::uint8_t, 16>& bytes) {
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
    family = AddressFamily::kIpv4;
    return 0;
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
    family = AddressFamily::kIpv6;
    return 0;
  }
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST;
  hints.ai_family = AF_UNSPEC;
  addrinfo* raw = nullptr;
  const int ret = getaddrinfo(text.c_str(), nullptr, &hints, &raw);
  const AddrInfoPtr result(raw);
  if (ret != 0) return ret;
  if (result->ai_family == AF_INET) {
    family = AddressFamily::kIpv4;
    std::memcpy(bytes.data(), &reinterpret_cast<const sockaddr_in*>(result->ai_addr)->sin_addr, 4);
    return 0;
  }
  if (result->ai_family == AF_INET6) {
    family = AddressFamily::kIpv6;
    std::memcpy(bytes.data(), &reinterpret_cast<const sockaddr_in6*>(result->ai_addr)->sin6_addr,
                16);
    return 0;
  }
  return EAI_FAMILY;
}

// pg_sockaddr_cidr_mask(): the mask for a CIDR suffix, parsed with strtol() like the server
// (so "+8", " 8" and "08" are accepted).
bool CidrMask(const std::string& bits_text, AddressFamily family,
              std::array<std::uint8_t, 16>& mask, int& prefix_length) {
  if (bits_text.empty()) return false;
  char* end = nullptr;
  const long bits = std::strtol(bits_text.c_str(), &end, 10);
  if (*end != '\0') return false;
  const long max_bits = family == AddressFamily::kIpv4 ? 32 : 128;
  if (bits < 0 || bits > max_bits) return false;
  prefix_length = static_cast<int>(bits);
  mask.fill(0);
  long remaining = bits;
  for (std::size_t i = 0; i < static_cast<std::size_t>(max_bits / 8); ++i) {
    if (remaining >= 8) {
      mask[i] = 0xff;
    } else if (remaining > 0) {
      mask[i] = static_cast<std::uint8_t>((0xff << (8 - remaining)) & 0xff);
    }
    remaining -= 8;
  }
  return true;
}

std::string Quoted(std::string_view text) {
  std::string quoted = "\"";
  quoted += text;
  quoted += '"';
  return quoted;
}

std::string OnlyValidFor(std::string_view option, std::string_view methods) {
  return "authentication option " + Quoted(option) + " is only valid for authentication methods " +
         std::string(methods);
}

std::string RequiresArgument(std::string_view method, std::string_view argument) {
  return "authentication method " + Quoted(method) + " requires argument " + Quoted(argument) +
         " to be set";
}

// parse_hba_line() and parse_hba_auth_opt() for one record. Failed() mirrors their
// `return NULL` / `return false`, with or without an error message: some rejections only
// log, and the view then shows a row without columns and without error.
class LineParser {
 public:
  LineParser(const ParseOptions& options, TokenizedLine& line)
      : options_(options), version_(options.pg_version), line_(line) {}

  // Returns the parsed fields, or nullopt when the server's parse_hba_line returns NULL.
  // `error` receives tok_line->err_msg.
  std::optional<HbaLineFields> Parse(std::optional<std::string>& error);

 private:
  bool ParseConnectionType();
  bool ParseNames(std::size_t field_index, const char* missing_error, std::vector<Token>& names);
  bool ParseAddress(std::size_t& field_index);
  bool ParseMethod(std::size_t field_index);
  bool CheckMethodCombinations();
  bool ParseOptionFields(std::size_t first_field);
  bool ParseOption(const std::string& name, const std::string& value);
  bool ParseClientCert(const std::string& value);
  bool ParseLdapUrlOption(const std::string& value);
  bool ParseRadiusList(const std::string& value, std::vector<std::string>& list,
                       std::optional<std::string>& text);
  bool CheckLdapArguments();
  bool CheckRadiusArguments();
  bool CheckOAuthArguments();
  bool RequireMethod(AuthMethod method, std::string_view option, std::string_view methods) {
    return fields_.method == method || Fail(OnlyValidFor(option, methods));
  }
  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }
  // A rejection the server only logs: the line fails without an error message.
  static bool FailSilently() { return false; }

  const ParseOptions& options_;
  const int version_;
  TokenizedLine& line_;
  HbaLineFields fields_;
  std::optional<std::string> error_;
};

std::optional<HbaLineFields> LineParser::Parse(std::optional<std::string>& error) {
  // The index of the next unread field: the address and netmask fields are optional.
  std::size_t field_index = 3;
  const bool parsed =
      ParseConnectionType() &&
      ParseNames(1, "end-of-line before database specification", fields_.databases) &&
      ParseNames(2, "end-of-line before role specification", fields_.roles) &&
      ParseAddress(field_index) && ParseMethod(field_index) && CheckMethodCombinations() &&
      ParseOptionFields(field_index + 1) && CheckLdapArguments() && CheckRadiusArguments() &&
      CheckOAuthArguments();
  error = std::move(error_);
  if (!parsed) return std::nullopt;
  if (fields_.method == AuthMethod::kCert) fields_.clientcert = ClientCert::kVerifyFull;
  return std::move(fields_);
}

bool LineParser::ParseConnectionType() {
  const Field& field = line_.fields[0];
  if (field.size() > 1) return Fail("multiple values specified for connection type");
  const std::string& type = field.front().text;
  if (type == "local") {
    fields_.type = ConnectionType::kLocal;
  } else if (type == "host") {
    fields_.type = ConnectionType::kHost;
  } else if (type == "hostssl") {
    fields_.type = ConnectionType::kHostSsl;
    // Not a failure: the server keeps the parsed line and shows the message with it.
    if (options_.ssl_enabled == false) {
      error_ = "hostssl record cannot match because SSL is disabled";
    }
  } else if (type == "hostnossl") {
    fields_.type = ConnectionType::kHostNoSsl;
  } else if (type == "hostgssenc") {
    fields_.type = ConnectionType::kHostGssEnc;
  } else if (type == "hostnogssenc") {
    fields_.type = ConnectionType::kHostNoGssEnc;
  } else {
    return Fail("invalid connection type " + Quoted(type));
  }
  return true;
}

bool LineParser::ParseNames(std::size_t field_index, const char* missing_error,
                            std::vector<Token>& names) {
  if (field_index >= line_.fields.size()) return Fail(missing_error);
  names = std::move(line_.fields[field_index]);
  if (version_ < 16) return true;
  // regcomp_auth_token(): from 16, any token starting with '/' is compiled.
  for (Token& name : names) {
    if (name.text.empty() || name.text.front() != '/') continue;
    name.regex = true;
    const std::string_view pattern = std::string_view(name.text).substr(1);
    if (std::optional<std::string> regex_error = internal::CheckHbaRegex(pattern)) {
      return Fail("invalid regular expression " + Quoted(pattern) + ": " + *regex_error);
    }
  }
  return true;
}

bool LineParser::ParseAddress(std::size_t& field_index) {
  if (fields_.type == ConnectionType::kLocal) return true;
  if (field_index >= line_.fields.size()) {
    return Fail("end-of-line before IP address specification");
  }
  const Field& field = line_.fields[field_index];
  if (field.size() > 1) return Fail("multiple values specified for host address");
  const Token& token = field.front();
  ++field_index;
  if (token.IsKeyword("all")) {
    fields_.address = SymbolicAddress{SymbolicAddressKind::kAll, "all"};
    return true;
  }
  if (token.IsKeyword("samehost")) {
    fields_.address = SymbolicAddress{SymbolicAddressKind::kSameHost, "samehost"};
    return true;
  }
  if (token.IsKeyword("samenet")) {
    fields_.address = SymbolicAddress{SymbolicAddressKind::kSameNet, "samenet"};
    return true;
  }

  const std::size_t slash = token.text.find('/');
  const std::string host = token.text.substr(0, slash);
  IpNetwork network;
  const int ret = NumericHostLookup(host, network.family, network.address);
  if (ret == 0) {
    network.text = token.text;
  } else if (ret == EAI_NONAME) {
    if (slash != std::string::npos) {
      return Fail("specifying both host name and CIDR mask is invalid: " + Quoted(token.text));
    }
    const SymbolicAddressKind kind = !host.empty() && host.front() == '.'
                                         ? SymbolicAddressKind::kHostNameSuffix
                                         : SymbolicAddressKind::kHostName;
    fields_.address = SymbolicAddress{kind, host};
    return true;
  } else {
    return Fail("invalid IP address " + Quoted(host) + ": " + gai_strerror(ret));
  }

  if (slash != std::string::npos) {
    int prefix_length = 0;
    if (!CidrMask(token.text.substr(slash + 1), network.family, network.mask, prefix_length)) {
      return Fail("invalid CIDR mask in address " + Quoted(token.text));
    }
    network.prefix_length = prefix_length;
    fields_.address = std::move(network);
    return true;
  }

  if (field_index >= line_.fields.size()) {
    return Fail("end-of-line before netmask specification");
  }
  const Field& mask_field = line_.fields[field_index];
  if (mask_field.size() > 1) return Fail("multiple values specified for netmask");
  const std::string& mask_text = mask_field.front().text;
  AddressFamily mask_family = AddressFamily::kIpv4;
  const int mask_ret = NumericHostLookup(mask_text, mask_family, network.mask);
  if (mask_ret != 0) {
    return Fail("invalid IP mask " + Quoted(mask_text) + ": " + gai_strerror(mask_ret));
  }
  if (mask_family != network.family) return Fail("IP address and mask do not match");
  ++field_index;
  fields_.address = std::move(network);
  return true;
}

bool LineParser::ParseMethod(std::size_t field_index) {
  if (field_index >= line_.fields.size()) return Fail("end-of-line before authentication method");
  const Field& field = line_.fields[field_index];
  if (field.size() > 1) return Fail("multiple values specified for authentication type");
  const std::string& name = field.front().text;
  struct KnownMethod {
    std::string_view name;
    AuthMethod method;
    bool built;  // compiled into the PGDG/Debian server
  };
  static constexpr KnownMethod kMethods[] = {
      {"trust", AuthMethod::kTrust, true},
      {"ident", AuthMethod::kIdent, true},
      {"peer", AuthMethod::kPeer, true},
      {"password", AuthMethod::kPassword, true},
      {"gss", AuthMethod::kGss, true},
      {"sspi", AuthMethod::kSspi, false},
      {"reject", AuthMethod::kReject, true},
      {"md5", AuthMethod::kMd5, true},
      {"scram-sha-256", AuthMethod::kScramSha256, true},
      {"pam", AuthMethod::kPam, true},
      {"bsd", AuthMethod::kBsd, false},
      {"ldap", AuthMethod::kLdap, true},
      {"cert", AuthMethod::kCert, true},
      {"radius", AuthMethod::kRadius, true},
      {"oauth", AuthMethod::kOAuth, true},
  };
  for (const KnownMethod& known : kMethods) {
    if (name != known.name) continue;
    if (known.method == AuthMethod::kOAuth && version_ < 18) break;
    if (!known.built) {
      return Fail("invalid authentication method " + Quoted(name) +
                  ": not supported by this build");
    }
    fields_.method = known.method;
    return true;
  }
  return Fail("invalid authentication method " + Quoted(name));
}

bool LineParser::CheckMethodCombinations() {
  const bool local = fields_.type == ConnectionType::kLocal;
  // For backwards compatibility the server turns ident on local sockets into peer.
  if (local && fields_.method == AuthMethod::kIdent) fields_.method = AuthMethod::kPeer;
  if (local && fields_.method == AuthMethod::kGss) {
    return Fail("gssapi authentication is not supported on local sockets");
  }
  if (!local && fields_.method == AuthMethod::kPeer) {
    return Fail("peer authentication is only supported on local sockets");
  }
  if (fields_.type != ConnectionType::kHostSsl && fields_.method == AuthMethod::kCert) {
    return Fail("cert authentication is only supported on hostssl connections");
  }
  if (fields_.method == AuthMethod::kGss || fields_.method == AuthMethod::kSspi) {
    fields_.include_realm = true;
  }
  return true;
}

bool LineParser::ParseOptionFields(std::size_t first_field) {
  for (std::size_t i = first_field; i < line_.fields.size(); ++i) {
    for (const Token& token : line_.fields[i]) {
      const std::size_t equals = token.text.find('=');
      if (equals == std::string::npos) {
        return Fail("authentication option not in name=value format: " + token.text);
      }
      if (!ParseOption(token.text.substr(0, equals), token.text.substr(equals + 1))) {
        return false;
      }
    }
  }
  return true;
}

bool LineParser::ParseOption(const std::string& name, const std::string& value) {
  // The server resets the scope before every option (so an ldapurl scope only survives as the
  // last option of the line).
  fields_.ldapscope = kLdapScopeSubtree;
  const AuthMethod method = fields_.method;
  auto store = [&](AuthMethod required, std::optional<std::string>& target) {
    if (!RequireMethod(required, name, AuthMethodName(required))) return false;
    target = value;
    return true;
  };

  if (name == "map") {
    const bool allowed = method == AuthMethod::kIdent || method == AuthMethod::kPeer ||
                         method == AuthMethod::kGss || method == AuthMethod::kSspi ||
                         method == AuthMethod::kCert ||
                         (version_ >= 18 && method == AuthMethod::kOAuth);
    if (!allowed) {
      return Fail(OnlyValidFor(name, version_ >= 18 ? "ident, peer, gssapi, sspi, cert, and oauth"
                                                    : "ident, peer, gssapi, sspi, and cert"));
    }
    fields_.usermap = value;
    return true;
  }
  if (name == "clientcert") return ParseClientCert(value);
  if (name == "clientname" && version_ >= 14) {
    if (fields_.type != ConnectionType::kHostSsl) {
      return Fail("clientname can only be configured for \"hostssl\" rows");
    }
    return value == "CN" || value == "DN" || FailSilently();
  }
  if (name == "pamservice") return store(AuthMethod::kPam, fields_.pamservice);
  if (name == "pam_use_hostname") return RequireMethod(AuthMethod::kPam, name, "pam");
  if (name == "ldapurl") return ParseLdapUrlOption(value);
  if (name == "ldaptls") {
    if (!RequireMethod(AuthMethod::kLdap, name, "ldap")) return false;
    fields_.ldaptls = value == "1";
    return true;
  }
  // An invalid ldapscheme is only logged; the value is kept.
  if (name == "ldapscheme") return store(AuthMethod::kLdap, fields_.ldapscheme);
  if (name == "ldapserver") return store(AuthMethod::kLdap, fields_.ldapserver);
  if (name == "ldapport") {
    if (!RequireMethod(AuthMethod::kLdap, name, "ldap")) return false;
    fields_.ldapport = Atoi(value);
    return fields_.ldapport != 0 || Fail("invalid LDAP port number: " + Quoted(value));
  }
  if (name == "ldapbinddn") return store(AuthMethod::kLdap, fields_.ldapbinddn);
  if (name == "ldapbindpasswd") return store(AuthMethod::kLdap, fields_.ldapbindpasswd);
  if (name == "ldapsearchattribute") return store(AuthMethod::kLdap, fields_.ldapsearchattribute);
  if (name == "ldapsearchfilter") return store(AuthMethod::kLdap, fields_.ldapsearchfilter);
  if (name == "ldapbasedn") return store(AuthMethod::kLdap, fields_.ldapbasedn);
  if (name == "ldapprefix") return store(AuthMethod::kLdap, fields_.ldapprefix);
  if (name == "ldapsuffix") return store(AuthMethod::kLdap, fields_.ldapsuffix);
  const bool kerberos = method == AuthMethod::kGss || method == AuthMethod::kSspi;
  if (name == "krb_realm") {
    if (!kerberos) return Fail(OnlyValidFor(name, "gssapi and sspi"));
    fields_.krb_realm = value;
    return true;
  }
  if (name == "include_realm") {
    if (!kerberos) return Fail(OnlyValidFor(name, "gssapi and sspi"));
    fields_.include_realm = value == "1";
    return true;
  }
  if (name == "compat_realm" || name == "upn_username") {
    return RequireMethod(AuthMethod::kSspi, name, "sspi");
  }
  if (name == "radiusservers") {
    if (!RequireMethod(AuthMethod::kRadius, name, "radius")) return false;
    std::optional<std::vector<std::string>> servers = SplitGucList(value);
    if (!servers) return FailSilently();
    if (options_.resolve_radius_servers) {
      for (const std::string& server : *servers) {
        addrinfo hints{};
        hints.ai_socktype = SOCK_DGRAM;
        hints.ai_family = AF_UNSPEC;
        addrinfo* raw = nullptr;
        const int ret = getaddrinfo(server.c_str(), nullptr, &hints, &raw);
        const AddrInfoPtr result(raw);
        if (ret != 0 || !result) return FailSilently();
      }
    }
    fields_.radiusservers = std::move(*servers);
    fields_.radiusservers_text = value;
    return true;
  }
  if (name == "radiusports") {
    if (!RequireMethod(AuthMethod::kRadius, name, "radius")) return false;
    std::optional<std::vector<std::string>> ports = SplitGucList(value);
    if (!ports) return Fail("invalid RADIUS port number: " + Quoted(value));
    for (const std::string& port : *ports) {
      if (Atoi(port) == 0) return FailSilently();
    }
    fields_.radiusports = std::move(*ports);
    fields_.radiusports_text = value;
    return true;
  }
  if (name == "radiussecrets") {
    if (!RequireMethod(AuthMethod::kRadius, name, "radius")) return false;
    return ParseRadiusList(value, fields_.radiussecrets, fields_.radiussecrets_text);
  }
  if (name == "radiusidentifiers") {
    if (!RequireMethod(AuthMethod::kRadius, name, "radius")) return false;
    return ParseRadiusList(value, fields_.radiusidentifiers, fields_.radiusidentifiers_text);
  }
  if (version_ >= 18) {
    if (name == "issuer") return store(AuthMethod::kOAuth, fields_.oauth_issuer);
    if (name == "scope") return store(AuthMethod::kOAuth, fields_.oauth_scope);
    if (name == "validator") return store(AuthMethod::kOAuth, fields_.oauth_validator);
    if (name == "delegate_ident_mapping") {
      if (!RequireMethod(AuthMethod::kOAuth, name, "oauth")) return false;
      fields_.oauth_skip_usermap = value == "1";
      return true;
    }
  }
  return Fail("unrecognized authentication option name: " + Quoted(name));
}

bool LineParser::ParseClientCert(const std::string& value) {
  if (fields_.type != ConnectionType::kHostSsl) {
    return Fail("clientcert can only be configured for \"hostssl\" rows");
  }
  const bool cert = fields_.method == AuthMethod::kCert;
  if (version_ < 14) {
    // PostgreSQL 13 still accepts 1/0/no-verify.
    if (value == "1" || value == "verify-ca") {
      fields_.clientcert = ClientCert::kVerifyCa;
    } else if (value == "verify-full") {
      fields_.clientcert = ClientCert::kVerifyFull;
    } else if (value == "0" || value == "no-verify") {
      if (cert) {
        return Fail("clientcert cannot be set to \"no-verify\" when using \"cert\" authentication");
      }
      fields_.clientcert = ClientCert::kOff;
    } else {
      return FailSilently();
    }
    return true;
  }
  if (value == "verify-full") {
    fields_.clientcert = ClientCert::kVerifyFull;
  } else if (value == "verify-ca") {
    if (cert) {
      return Fail(
          "clientcert can only be set to \"verify-full\" when using \"cert\" authentication");
    }
    fields_.clientcert = ClientCert::kVerifyCa;
  } else {
    return FailSilently();
  }
  return true;
}

bool LineParser::ParseLdapUrlOption(const std::string& value) {
  if (!RequireMethod(AuthMethod::kLdap, "ldapurl", "ldap")) return false;
  internal::LdapUrlResult parsed = internal::ParseLdapUrl(value);
  if (!parsed.url) return Fail("could not parse LDAP URL " + Quoted(value) + ": " + parsed.error);
  internal::LdapUrl& url = *parsed.url;
  if (url.scheme != "ldap" && url.scheme != "ldaps") {
    return Fail("unsupported LDAP URL scheme: " + url.scheme);
  }
  fields_.ldapscheme = url.scheme;
  if (url.host) fields_.ldapserver = std::move(url.host);
  fields_.ldapport = url.port;
  if (url.base_dn) fields_.ldapbasedn = std::move(url.base_dn);
  if (url.first_attribute) fields_.ldapsearchattribute = std::move(url.first_attribute);
  fields_.ldapscope = url.scope;
  if (url.filter) fields_.ldapsearchfilter = std::move(url.filter);
  return true;
}

bool LineParser::ParseRadiusList(const std::string& value, std::vector<std::string>& list,
                                 std::optional<std::string>& text) {
  std::optional<std::vector<std::string>> elements = SplitGucList(value);
  if (!elements) return FailSilently();
  list = std::move(*elements);
  text = value;
  return true;
}

bool LineParser::CheckLdapArguments() {
  if (fields_.method != AuthMethod::kLdap) return true;
  // OpenLDAP can find the server through DNS SRV records, so ldapserver is not mandatory.
  if (fields_.ldapprefix || fields_.ldapsuffix) {
    if (fields_.ldapbasedn || fields_.ldapbinddn || fields_.ldapbindpasswd ||
        fields_.ldapsearchattribute || fields_.ldapsearchfilter) {
      return Fail(version_ >= 18
                      ? "cannot mix options for simple bind and search+bind modes"
                      : "cannot use ldapbasedn, ldapbinddn, ldapbindpasswd, ldapsearchattribute, "
                        "ldapsearchfilter, or ldapurl together with ldapprefix");
    }
  } else if (!fields_.ldapbasedn) {
    return Fail(
        "authentication method \"ldap\" requires argument \"ldapbasedn\", \"ldapprefix\", or "
        "\"ldapsuffix\" to be set");
  }
  if (fields_.ldapsearchattribute && fields_.ldapsearchfilter) {
    return Fail("cannot use ldapsearchattribute together with ldapsearchfilter");
  }
  return true;
}

bool LineParser::CheckRadiusArguments() {
  if (fields_.method != AuthMethod::kRadius) return true;
  // An empty list is NIL in the server, so "servers=''" is reported as missing.
  if (fields_.radiusservers.empty()) return Fail(RequiresArgument("radius", "radiusservers"));
  if (fields_.radiussecrets.empty()) return Fail(RequiresArgument("radius", "radiussecrets"));
  const std::size_t servers = fields_.radiusservers.size();
  struct ListCheck {
    const std::vector<std::string>& list;
    const char* what;
  };
  for (const ListCheck& check :
       {ListCheck{fields_.radiussecrets, "secrets"}, ListCheck{fields_.radiusports, "ports"},
        ListCheck{fields_.radiusidentifiers, "identifiers"}}) {
    const std::size_t count = check.list.size();
    if (count <= 1 || count == servers) continue;
    // PostgreSQL 13 only logged this (verify_option_list_length).
    if (version_ < 14) return FailSilently();
    return Fail("the number of RADIUS " + std::string(check.what) + " (" + std::to_string(count) +
                ") must be 1 or the same as the number of RADIUS servers (" +
                std::to_string(servers) + ")");
  }
  return true;
}

// The oauth checks of parse_hba_line() and check_oauth_validator() (auth-oauth.c, 18).
bool LineParser::CheckOAuthArguments() {
  if (fields_.method != AuthMethod::kOAuth) return true;
  if (!fields_.oauth_scope) return Fail(RequiresArgument("oauth", "scope"));
  if (!fields_.oauth_issuer) return Fail(RequiresArgument("oauth", "issuer"));
  const std::vector<std::string>& libraries = options_.oauth_validator_libraries;
  if (libraries.empty()) {
    return Fail("oauth_validator_libraries must be set for authentication method oauth");
  }
  if (!fields_.oauth_validator) {
    if (libraries.size() != 1) {
      return Fail(
          "authentication method \"oauth\" requires argument \"validator\" to be set when "
          "oauth_validator_libraries contains multiple options");
    }
    fields_.oauth_validator = libraries.front();
  } else if (std::find(libraries.begin(), libraries.end(), *fields_.oauth_validator) ==
             libraries.end()) {
    return Fail("validator " + Quoted(*fields_.oauth_validator) +
                " is not permitted by oauth_validator_libraries");
  }
  if (fields_.oauth_skip_usermap && fields_.usermap) {
    return Fail("map cannot be used in combination with delegate_ident_mapping");
  }
  return true;
}

void AddOption(std::vector<Option>& options, std::string name, std::string value) {
  options.push_back(Option{std::move(name), std::move(value)});
}

void AddOptionIfSet(std::vector<Option>& options, std::string name,
                    const std::optional<std::string>& value) {
  if (value) AddOption(options, std::move(name), *value);
}

// get_hba_options() (hbafuncs.c): the options the view shows, in its order.
std::vector<Option> ViewOptions(const HbaLineFields& line, int pg_version) {
  std::vector<Option> options;
  if (line.method == AuthMethod::kGss || line.method == AuthMethod::kSspi) {
    if (line.include_realm) AddOption(options, "include_realm", "true");
    AddOptionIfSet(options, "krb_realm", line.krb_realm);
  }
  AddOptionIfSet(options, "map", line.usermap);
  if (line.clientcert != ClientCert::kOff) {
    AddOption(options, "clientcert",
              line.clientcert == ClientCert::kVerifyCa ? "verify-ca" : "verify-full");
  }
  AddOptionIfSet(options, "pamservice", line.pamservice);
  if (line.method == AuthMethod::kLdap) {
    AddOptionIfSet(options, "ldapserver", line.ldapserver);
    if (line.ldapport != 0) AddOption(options, "ldapport", std::to_string(line.ldapport));
    AddOptionIfSet(options, "ldapscheme", line.ldapscheme);
    if (line.ldaptls) AddOption(options, "ldaptls", "true");
    AddOptionIfSet(options, "ldapprefix", line.ldapprefix);
    AddOptionIfSet(options, "ldapsuffix", line.ldapsuffix);
    AddOptionIfSet(options, "ldapbasedn", line.ldapbasedn);
    AddOptionIfSet(options, "ldapbinddn", line.ldapbinddn);
    AddOptionIfSet(options, "ldapbindpasswd", line.ldapbindpasswd);
    AddOptionIfSet(options, "ldapsearchattribute", line.ldapsearchattribute);
    AddOptionIfSet(options, "ldapsearchfilter", line.ldapsearchfilter);
    if (line.ldapscope != 0) AddOption(options, "ldapscope", std::to_string(line.ldapscope));
  }
  if (line.method == AuthMethod::kRadius) {
    AddOptionIfSet(options, "radiusservers", line.radiusservers_text);
    AddOptionIfSet(options, "radiussecrets", line.radiussecrets_text);
    AddOptionIfSet(options, "radiusidentifiers", line.radiusidentifiers_text);
    AddOptionIfSet(options, "radiusports", line.radiusports_text);
  }
  if (line.method == AuthMethod::kOAuth && pg_version >= 18) {
    AddOptionIfSet(options, "issuer", line.oauth_issuer);
    AddOptionIfSet(options, "scope", line.oauth_scope);
    AddOptionIfSet(options, "validator", line.oauth_validator);
    if (line.oauth_skip_usermap) AddOption(options, "delegate_ident_mapping", "true");
  }
  return options;
}

// fill_hba_view(): one row per tokenized record; rows without error are numbered, including
// the ones whose columns are all NULL because parse_hba_line() failed silently.
HbaRule ParseRecord(TokenizedLine& line, const ParseOptions& options, int& rule_number) {
  HbaRule rule;
  rule.location = SourceLocation{*line.file, line.line};
  rule.error = std::move(line.error);
  if (!rule.error) {
    std::optional<HbaLineFields> fields = LineParser(options, line).Parse(rule.error);
    if (fields) {
      rule.parsed = true;
      rule.type = fields->type;
      rule.databases = std::move(fields->databases);
      rule.users = std::move(fields->roles);
      rule.address = std::move(fields->address);
      rule.method = fields->method;
      rule.options = ViewOptions(*fields, options.pg_version);
    }
  }
  if (!rule.error) rule.rule_number = ++rule_number;
  return rule;
}

}  // namespace

HbaFile ParseHbaText(std::string_view contents, const std::string& path,
                     const ParseOptions& options) {
  HbaFile file;
  file.path = path;
  // Records are parsed as the tokenizer completes them. One per line is the usual upper bound;
  // the cap keeps a file of empty lines from reserving memory it will never use.
  constexpr std::size_t kMaxReservedRules = 1 << 18;
  const auto newlines =
      static_cast<std::size_t>(std::count(contents.begin(), contents.end(), '\n'));
  file.rules.reserve(std::min(newlines + 1, kMaxReservedRules));
  int rule_number = 0;
  internal::TokenizeAuthFile(contents, path, options.pg_version, [&](TokenizedLine&& line) {
    file.rules.push_back(ParseRecord(line, options, rule_number));
  });
  return file;
}

HbaFile ParseHbaFile(const std::string& path, const ParseOptions& options) {
  internal::FileContents contents = internal::ReadWholeFile(path);
  const int error_number = contents.open_error != 0 ? contents.open_error : contents.read_error;
  if (error_number != 0) {
    HbaFile file;
    file.path = path;
    file.read_error = FileReadError{path, std::strerror(error_number)};
    return file;
  }
  return ParseHbaText(contents.data, path, options);
}

}  // namespace pgward::hba
