#include "engine/hba/parser.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <utility>

#include "engine/hba/auth_file.h"
#include "engine/hba/file_gate.h"
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

std::string_view ClientCertName(ClientCert clientcert) {
  switch (clientcert) {
    case ClientCert::kOff:
      return "off";
    case ClientCert::kVerifyCa:
      return "verify-ca";
    case ClientCert::kVerifyFull:
      return "verify-full";
  }
  return "";
}

std::optional<ClientCert> ParseClientCertName(std::string_view name) {
  for (const ClientCert clientcert :
       {ClientCert::kOff, ClientCert::kVerifyCa, ClientCert::kVerifyFull}) {
    if (ClientCertName(clientcert) == name) return clientcert;
  }
  return std::nullopt;
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

using internal::TokenizedLine;
using internal::TokenView;

// The fields of hba.c's HbaLine that pg_hba_file_rules shows or that parse_hba_line checks,
// besides the columns HbaRule holds.
struct HbaLineFields {
  bool include_realm = false;
  std::optional<std::string> krb_realm;
  std::optional<std::string> usermap;
  ClientCert clientcert = ClientCert::kOff;
  bool clientname_dn = false;
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
int Atoi(std::string_view text) {
  return static_cast<int>(std::strtol(std::string(text).c_str(), nullptr, 10));
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

// inet_pton(AF_INET) (glibc's inet_pton4) on text that need not be terminated: exactly four
// decimal octets, without leading zeros.
bool ParseDottedQuad(std::string_view text, std::array<std::uint8_t, 16>& bytes) {
  std::array<std::uint8_t, 4> parsed{};
  unsigned value = 0;
  int octets = 0;
  bool saw_digit = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      if (saw_digit && value == 0) return false;
      value = value * 10 + static_cast<unsigned>(c - '0');
      if (value > 255) return false;
      if (!saw_digit) {
        if (++octets > 4) return false;
        saw_digit = true;
      }
    } else if (c == '.' && saw_digit) {
      if (octets == 4) return false;
      parsed[octets - 1] = static_cast<std::uint8_t>(value);
      value = 0;
      saw_digit = false;
    } else {
      return false;
    }
  }
  if (octets < 4) return false;
  parsed[3] = static_cast<std::uint8_t>(value);
  std::copy(parsed.begin(), parsed.end(), bytes.begin());
  return true;
}

// Whether getaddrinfo(AI_NUMERICHOST) is bound to fail with EAI_NONAME: every IPv6 form has a
// colon, and glibc's inet_aton forms (127.1, 010.0.0.1, 0x7f.1) have nothing but digits, hex
// digits, 'x' and dots. Host names are the usual case, and need no getaddrinfo() call.
bool CannotBeNumericHost(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return false;
  return std::any_of(text.begin(), text.end(), [](char c) {
    return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
             c == 'x' || c == 'X' || c == '.');
  });
}

// pg_getaddrinfo_all() with the hints of parse_hba_line(): AI_NUMERICHOST, any family. Returns
// the getaddrinfo() error code (0 on success). Strict dotted quads and plain IPv6 addresses are
// parsed as inet_pton() does, which glibc's getaddrinfo() accepts identically, and text that
// cannot be numeric is rejected as getaddrinfo() would; everything else (the inet_aton forms
// like 127.1 or 0x7f.1, scoped IPv6 addresses) is left to getaddrinfo() itself. The fast paths
// keep large files from paying a getaddrinfo() call (and its allocations) per address.
int NumericHostLookup(std::string_view text, IpAddress& address) {
  std::array<std::uint8_t, 16>& bytes = address.bytes;
  if (ParseDottedQuad(text, bytes)) {
    address.family = IpFamily::kV4;
    return 0;
  }
  if (CannotBeNumericHost(text)) return EAI_NONAME;
  // The C functions need a terminated string: on the stack for anything address-sized.
  char stack_copy[64];
  std::string heap_copy;
  const char* c_text = stack_copy;
  if (text.size() < sizeof(stack_copy)) {
    std::memcpy(stack_copy, text.data(), text.size());
    stack_copy[text.size()] = '\0';
  } else {
    heap_copy.assign(text);
    c_text = heap_copy.c_str();
  }
  if (inet_pton(AF_INET6, c_text, bytes.data()) == 1) {
    address.family = IpFamily::kV6;
    return 0;
  }
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST;
  hints.ai_family = AF_UNSPEC;
  addrinfo* raw = nullptr;
  const int ret = getaddrinfo(c_text, nullptr, &hints, &raw);
  const AddrInfoPtr result(raw);
  if (ret != 0) return ret;
  if (result->ai_family == AF_INET) {
    address.family = IpFamily::kV4;
    std::memcpy(bytes.data(), &reinterpret_cast<const sockaddr_in*>(result->ai_addr)->sin_addr, 4);
    return 0;
  }
  if (result->ai_family == AF_INET6) {
    address.family = IpFamily::kV6;
    std::memcpy(bytes.data(), &reinterpret_cast<const sockaddr_in6*>(result->ai_addr)->sin6_addr,
                16);
    return 0;
  }
  return EAI_FAMILY;
}

// pg_sockaddr_cidr_mask(): the mask for a CIDR suffix, parsed with strtol() like the server
// (so "+8", " 8" and "08" are accepted).
bool CidrMask(std::string_view bits_text, IpFamily family, IpAddress& mask, int& prefix_length) {
  if (bits_text.empty()) return false;
  long bits = 0;
  if (bits_text.size() <= 3 && std::all_of(bits_text.begin(), bits_text.end(),
                                           [](char c) { return c >= '0' && c <= '9'; })) {
    // The usual form, which strtol() would read the same way.
    for (char c : bits_text) bits = bits * 10 + (c - '0');
  } else {
    const std::string terminated(bits_text);
    char* end = nullptr;
    bits = std::strtol(terminated.c_str(), &end, 10);
    if (*end != '\0') return false;
  }
  const long max_bits = family == IpFamily::kV4 ? 32 : 128;
  if (bits < 0 || bits > max_bits) return false;
  prefix_length = static_cast<int>(bits);
  mask.family = family;
  mask.bytes.fill(0);
  long remaining = bits;
  for (std::size_t i = 0; i < static_cast<std::size_t>(max_bits / 8); ++i) {
    if (remaining >= 8) {
      mask.bytes[i] = 0xff;
    } else if (remaining > 0) {
      mask.bytes[i] = static_cast<std::uint8_t>((0xff << (8 - remaining)) & 0xff);
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
  // The columns are parsed into `rule` in place, so that the tokens are copied once.
  LineParser(const ParseOptions& options, const TokenizedLine& line, HbaRule& rule)
      : options_(options), version_(options.pg_version), line_(line), rule_(rule) {}

  // False when the server's parse_hba_line returns NULL; `error` receives tok_line->err_msg.
  // The columns and fields are then incomplete.
  bool Parse(std::optional<std::string>& error);
  const HbaLineFields& fields() const { return fields_; }

 private:
  bool ParseConnectionType();
  bool ParseNames(std::size_t field_index, const char* missing_error, TokenList& names);
  bool ParseAddress(std::size_t& field_index);
  bool ParseMethod(std::size_t field_index);
  bool CheckMethodCombinations();
  bool ParseOptionFields(std::size_t first_field);
  bool ParseOption(std::string_view name, std::string_view value);
  bool ParseClientCert(std::string_view value);
  bool ParseLdapUrlOption(std::string_view value);
  bool ParseRadiusList(std::string_view value, std::vector<std::string>& list,
                       std::optional<std::string>& text);
  bool CheckLdapArguments();
  bool CheckRadiusArguments();
  bool CheckOAuthArguments();
  bool RequireMethod(AuthMethod method, std::string_view option, std::string_view methods) {
    return rule_.method == method || Fail(OnlyValidFor(option, methods));
  }
  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }
  // A rejection the server only logs: the line fails without an error message.
  static bool FailSilently() { return false; }

  const ParseOptions& options_;
  const int version_;
  const TokenizedLine& line_;
  HbaRule& rule_;
  HbaLineFields fields_;
  std::optional<std::string> error_;
};

bool LineParser::Parse(std::optional<std::string>& error) {
  // The index of the next unread field: the address and netmask fields are optional.
  std::size_t field_index = 3;
  const bool parsed = ParseConnectionType() &&
                      ParseNames(1, "end-of-line before database specification", rule_.databases) &&
                      ParseNames(2, "end-of-line before role specification", rule_.users) &&
                      ParseAddress(field_index) && ParseMethod(field_index) &&
                      CheckMethodCombinations() && ParseOptionFields(field_index + 1) &&
                      CheckLdapArguments() && CheckRadiusArguments() && CheckOAuthArguments();
  error = std::move(error_);
  if (parsed && rule_.method == AuthMethod::kCert) fields_.clientcert = ClientCert::kVerifyFull;
  return parsed;
}

bool LineParser::ParseConnectionType() {
  const std::span<const TokenView> field = line_.Field(0);
  if (field.size() > 1) return Fail("multiple values specified for connection type");
  const std::string_view type = field.front().text;
  if (type == "local") {
    rule_.type = ConnectionType::kLocal;
  } else if (type == "host") {
    rule_.type = ConnectionType::kHost;
  } else if (type == "hostssl") {
    rule_.type = ConnectionType::kHostSsl;
    // Not a failure: the server keeps the parsed line and shows the message with it.
    if (options_.ssl_enabled == false) {
      error_ = "hostssl record cannot match because SSL is disabled";
    }
  } else if (type == "hostnossl") {
    rule_.type = ConnectionType::kHostNoSsl;
  } else if (type == "hostgssenc") {
    rule_.type = ConnectionType::kHostGssEnc;
    if (!options_.build.gssapi) {
      error_ = "hostgssenc record cannot match because GSSAPI is not supported by this build";
    }
  } else if (type == "hostnogssenc") {
    rule_.type = ConnectionType::kHostNoGssEnc;
  } else {
    return Fail("invalid connection type " + Quoted(type));
  }
  return true;
}

bool LineParser::ParseNames(std::size_t field_index, const char* missing_error, TokenList& names) {
  if (field_index >= line_.FieldCount()) return Fail(missing_error);
  const std::span<const TokenView> field = line_.Field(field_index);
  names.reserve(field.size());
  for (const TokenView& token : field) {
    names.emplace_back(token.text, token.quoted);
  }
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
  if (rule_.type == ConnectionType::kLocal) return true;
  if (field_index >= line_.FieldCount()) {
    return Fail("end-of-line before IP address specification");
  }
  const std::span<const TokenView> field = line_.Field(field_index);
  if (field.size() > 1) return Fail("multiple values specified for host address");
  const TokenView& token = field.front();
  ++field_index;
  if (token.IsKeyword("all")) {
    rule_.address = SymbolicAddress{SymbolicAddressKind::kAll, "all"};
    return true;
  }
  if (token.IsKeyword("samehost")) {
    rule_.address = SymbolicAddress{SymbolicAddressKind::kSameHost, "samehost"};
    return true;
  }
  if (token.IsKeyword("samenet")) {
    rule_.address = SymbolicAddress{SymbolicAddressKind::kSameNet, "samenet"};
    return true;
  }

  const std::size_t slash = token.text.find('/');
  const std::string_view host = token.text.substr(0, slash);
  IpNetwork& network = rule_.address.emplace<IpNetwork>();
  const int ret = NumericHostLookup(host, network.address);
  if (ret == EAI_NONAME) {
    if (slash != std::string::npos) {
      return Fail("specifying both host name and CIDR mask is invalid: " + Quoted(token.text));
    }
    const SymbolicAddressKind kind = !host.empty() && host.front() == '.'
                                         ? SymbolicAddressKind::kHostNameSuffix
                                         : SymbolicAddressKind::kHostName;
    rule_.address = SymbolicAddress{kind, std::string(host)};
    return true;
  }
  if (ret != 0) {
    return Fail("invalid IP address " + Quoted(host) + ": " + gai_strerror(ret));
  }

  if (slash != std::string::npos) {
    int prefix_length = 0;
    if (!CidrMask(token.text.substr(slash + 1), network.address.family, network.mask,
                  prefix_length)) {
      return Fail("invalid CIDR mask in address " + Quoted(token.text));
    }
    network.prefix_length = prefix_length;
    return true;
  }

  if (field_index >= line_.FieldCount()) {
    return Fail("end-of-line before netmask specification");
  }
  const std::span<const TokenView> mask_field = line_.Field(field_index);
  if (mask_field.size() > 1) return Fail("multiple values specified for netmask");
  const std::string_view mask_text = mask_field.front().text;
  const int mask_ret = NumericHostLookup(mask_text, network.mask);
  if (mask_ret != 0) {
    return Fail("invalid IP mask " + Quoted(mask_text) + ": " + gai_strerror(mask_ret));
  }
  if (network.mask.family != network.address.family) {
    return Fail("IP address and mask do not match");
  }
  ++field_index;
  return true;
}

bool LineParser::ParseMethod(std::size_t field_index) {
  if (field_index >= line_.FieldCount()) return Fail("end-of-line before authentication method");
  const std::span<const TokenView> field = line_.Field(field_index);
  if (field.size() > 1) return Fail("multiple values specified for authentication type");
  const std::string_view name = field.front().text;
  const ServerBuild& build = options_.build;
  struct KnownMethod {
    std::string_view name;
    AuthMethod method;
    bool built;  // compiled into the server
  };
  const KnownMethod kMethods[] = {
      {"trust", AuthMethod::kTrust, true},
      {"ident", AuthMethod::kIdent, true},
      {"peer", AuthMethod::kPeer, true},
      {"password", AuthMethod::kPassword, true},
      {"gss", AuthMethod::kGss, build.gssapi},
      {"sspi", AuthMethod::kSspi, false},
      {"reject", AuthMethod::kReject, true},
      {"md5", AuthMethod::kMd5, true},
      {"scram-sha-256", AuthMethod::kScramSha256, true},
      {"pam", AuthMethod::kPam, build.pam},
      {"bsd", AuthMethod::kBsd, false},
      {"ldap", AuthMethod::kLdap, build.ldap},
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
    rule_.method = known.method;
    return true;
  }
  return Fail("invalid authentication method " + Quoted(name));
}

bool LineParser::CheckMethodCombinations() {
  const bool local = rule_.type == ConnectionType::kLocal;
  // For backwards compatibility the server turns ident on local sockets into peer.
  if (local && rule_.method == AuthMethod::kIdent) rule_.method = AuthMethod::kPeer;
  if (local && rule_.method == AuthMethod::kGss) {
    return Fail("gssapi authentication is not supported on local sockets");
  }
  if (!local && rule_.method == AuthMethod::kPeer) {
    return Fail("peer authentication is only supported on local sockets");
  }
  if (rule_.type != ConnectionType::kHostSsl && rule_.method == AuthMethod::kCert) {
    return Fail("cert authentication is only supported on hostssl connections");
  }
  if (rule_.method == AuthMethod::kGss || rule_.method == AuthMethod::kSspi) {
    fields_.include_realm = true;
  }
  return true;
}

bool LineParser::ParseOptionFields(std::size_t first_field) {
  for (std::size_t i = first_field; i < line_.FieldCount(); ++i) {
    for (const TokenView& token : line_.Field(i)) {
      const std::size_t equals = token.text.find('=');
      if (equals == std::string_view::npos) {
        return Fail("authentication option not in name=value format: " + std::string(token.text));
      }
      if (!ParseOption(token.text.substr(0, equals), token.text.substr(equals + 1))) {
        return false;
      }
    }
  }
  return true;
}

bool LineParser::ParseOption(std::string_view name, std::string_view value) {
  // The server resets the scope before every option (so an ldapurl scope only survives as the
  // last option of the line).
  fields_.ldapscope = kLdapScopeSubtree;
  const AuthMethod method = rule_.method;
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
    if (rule_.type != ConnectionType::kHostSsl) {
      return Fail("clientname can only be configured for \"hostssl\" rows");
    }
    if (value != "CN" && value != "DN") return FailSilently();
    fields_.clientname_dn = value == "DN";
    return true;
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

bool LineParser::ParseClientCert(std::string_view value) {
  if (rule_.type != ConnectionType::kHostSsl) {
    return Fail("clientcert can only be configured for \"hostssl\" rows");
  }
  const bool cert = rule_.method == AuthMethod::kCert;
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

bool LineParser::ParseLdapUrlOption(std::string_view value) {
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

bool LineParser::ParseRadiusList(std::string_view value, std::vector<std::string>& list,
                                 std::optional<std::string>& text) {
  std::optional<std::vector<std::string>> elements = SplitGucList(value);
  if (!elements) return FailSilently();
  list = std::move(*elements);
  text = value;
  return true;
}

bool LineParser::CheckLdapArguments() {
  if (rule_.method != AuthMethod::kLdap) return true;
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
  if (rule_.method != AuthMethod::kRadius) return true;
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
  if (rule_.method != AuthMethod::kOAuth) return true;
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

// Collects the view's options in two passes, a count and then the fill, so that the vector is
// allocated once at its size.
class OptionWriter {
 public:
  explicit OptionWriter(std::vector<Option>* options) : options_(options) {}

  void Add(std::string_view name, std::string_view value) {
    if (options_ == nullptr) {
      ++count_;
    } else {
      options_->emplace_back(name, value);
    }
  }
  void AddIfSet(std::string_view name, const std::optional<std::string>& value) {
    if (value) Add(name, *value);
  }
  std::size_t count() const { return count_; }

 private:
  std::vector<Option>* options_;
  std::size_t count_ = 0;
};

// get_hba_options() (hbafuncs.c): the options the view shows, in its order.
void WriteViewOptions(const HbaLineFields& line, AuthMethod method, int pg_version,
                      OptionWriter& options) {
  if (method == AuthMethod::kGss || method == AuthMethod::kSspi) {
    if (line.include_realm) options.Add("include_realm", "true");
    options.AddIfSet("krb_realm", line.krb_realm);
  }
  options.AddIfSet("map", line.usermap);
  if (line.clientcert != ClientCert::kOff)
    options.Add("clientcert", ClientCertName(line.clientcert));
  options.AddIfSet("pamservice", line.pamservice);
  if (method == AuthMethod::kLdap) {
    options.AddIfSet("ldapserver", line.ldapserver);
    if (line.ldapport != 0) options.Add("ldapport", std::to_string(line.ldapport));
    options.AddIfSet("ldapscheme", line.ldapscheme);
    if (line.ldaptls) options.Add("ldaptls", "true");
    options.AddIfSet("ldapprefix", line.ldapprefix);
    options.AddIfSet("ldapsuffix", line.ldapsuffix);
    options.AddIfSet("ldapbasedn", line.ldapbasedn);
    options.AddIfSet("ldapbinddn", line.ldapbinddn);
    options.AddIfSet("ldapbindpasswd", line.ldapbindpasswd);
    options.AddIfSet("ldapsearchattribute", line.ldapsearchattribute);
    options.AddIfSet("ldapsearchfilter", line.ldapsearchfilter);
    if (line.ldapscope != 0) options.Add("ldapscope", std::to_string(line.ldapscope));
  }
  if (method == AuthMethod::kRadius) {
    options.AddIfSet("radiusservers", line.radiusservers_text);
    options.AddIfSet("radiussecrets", line.radiussecrets_text);
    options.AddIfSet("radiusidentifiers", line.radiusidentifiers_text);
    options.AddIfSet("radiusports", line.radiusports_text);
  }
  if (method == AuthMethod::kOAuth && pg_version >= 18) {
    options.AddIfSet("issuer", line.oauth_issuer);
    options.AddIfSet("scope", line.oauth_scope);
    options.AddIfSet("validator", line.oauth_validator);
    if (line.oauth_skip_usermap) options.Add("delegate_ident_mapping", "true");
  }
}

std::vector<Option> ViewOptions(const HbaLineFields& line, AuthMethod method, int pg_version) {
  OptionWriter counter(nullptr);
  WriteViewOptions(line, method, pg_version, counter);
  std::vector<Option> options;
  if (counter.count() == 0) return options;
  options.reserve(counter.count());
  OptionWriter writer(&options);
  WriteViewOptions(line, method, pg_version, writer);
  return options;
}

// fill_hba_view(): one row per tokenized record; rows without error are numbered, including
// the ones whose columns are all NULL because parse_hba_line() failed silently.
void ParseRecord(const TokenizedLine& line, const ParseOptions& options, int& rule_number,
                 HbaRule& rule) {
  rule.location.file = line.file;
  rule.location.line = line.line;
  rule.error = line.error;
  if (!rule.error) {
    LineParser parser(options, line, rule);
    if (parser.Parse(rule.error)) {
      rule.parsed = true;
      rule.clientcert = parser.fields().clientcert;
      rule.usermap = parser.fields().usermap;
      rule.clientname_dn = parser.fields().clientname_dn;
      rule.options = ViewOptions(parser.fields(), rule.method, options.pg_version);
    } else {
      // The server keeps no parsed line: the columns the parser filled in go.
      HbaRule unparsed;
      unparsed.location = std::move(rule.location);
      unparsed.error = std::move(rule.error);
      rule = std::move(unparsed);
    }
  }
  if (!rule.error) rule.rule_number = ++rule_number;
}

// Asks for transparent huge pages on the 2 MiB-aligned part of a large fresh allocation. The
// rules of a big file are tens of megabytes written once, in order: faulting them in 4 KiB
// pages costs more than parsing the file. Only advice: without THP nothing changes.
void AdviseHugePages(void* data, std::size_t bytes) {
  constexpr std::uintptr_t kHugePage = 2 << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t last = (begin + bytes) & ~(kHugePage - 1);
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

// The shortest line that makes a rule ("local all all md5\n") bounds the rules of a file.
constexpr std::size_t kMinRuleLineBytes = 18;

// Reads the file's records into rules as the tokenizer completes them: all kept in the file's
// rules, or, given a sink, handed to it a batch at a time.
template <typename Read>
HbaFile ParseRecords(const std::string& path, const ParseOptions& options, const Read& read,
                     const RuleBatchSink* sink = nullptr) {
  HbaFile file;
  file.path = path;
  int rule_number = 0;
  // The sink may take the vector: what it leaves is emptied.
  const auto hand_out = [&file, sink] {
    (*sink)(file.rules);
    file.rules.clear();
  };
  const internal::AuthFileReader reader{
      .access = options.access,
      .pg_version = options.pg_version,
      .min_record_bytes = kMinRuleLineBytes,
      .reserve =
          [&file, sink](std::size_t expected_rules) {
            // The cap keeps a file of empty lines from reserving memory it will never use.
            constexpr std::size_t kMaxReservedRules = 1 << 18;
            file.rules.reserve(std::min(expected_rules, sink ? kRuleBatch : kMaxReservedRules));
            // A batch is far smaller than a huge page: only a whole file's rules are advised.
            if (!sink) {
              AdviseHugePages(file.rules.data(), file.rules.capacity() * sizeof(HbaRule));
            }
          },
      .emit =
          [&](const TokenizedLine& line) {
            ParseRecord(line, options, rule_number, file.rules.emplace_back());
            if (line.refused_path) {
              file.refused.push_back({file.rules.back().location, *line.refused_path});
            }
            if (sink && file.rules.size() == kRuleBatch) {
              hand_out();
              file.rules.reserve(kRuleBatch);
            }
          },
  };
  internal::KeepIfComplete(read(reader), file, file.rules);
  if (sink && !file.rules.empty()) hand_out();
  return file;
}

}  // namespace

HbaFile ParseHbaText(std::string_view contents, const std::string& path,
                     const ParseOptions& options) {
  return ParseRecords(path, options, [&](const internal::AuthFileReader& reader) {
    return internal::ReadAuthText(contents, path, reader);
  });
}

std::optional<std::string> UnreadableReason(const HbaFile& file) {
  return internal::UnreadableReason(file.path, file.read_error, file.input_error);
}

std::string RefusalMessage(const RefusedReference& refused) {
  return *refused.location.file + ":" + std::to_string(refused.location.line) + ": " +
         "refused to read \"" + refused.path +
         "\", outside the include root; its rules are not checked (see --include-root)";
}

std::optional<std::string> RefusedByIncludeRoot(const FileAccess& access, const std::string& path) {
  const internal::FileGate gate(access, path);
  if (gate.Admits(path)) return std::nullopt;
  return gate.Refusal(path);
}

HbaFile ParseHbaFile(const std::string& path, const ParseOptions& options) {
  return ParseRecords(path, options, [&](const internal::AuthFileReader& reader) {
    return internal::ReadAuthFile(path, reader);
  });
}

HbaFile StreamHbaFile(const std::string& path, const ParseOptions& options,
                      const RuleBatchSink& sink) {
  return ParseRecords(
      path, options,
      [&](const internal::AuthFileReader& reader) { return internal::ReadAuthFile(path, reader); },
      &sink);
}

}  // namespace pgward::hba
