#include "engine/hba/certificate_names.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "engine/core/name_regex.h"
#include "engine/hba/access.h"

namespace pgward::hba {
namespace {

// Names a certificate authority could issue to anyone, none of them a role: a SYSTEM-USERNAME
// expression that matches one of them takes names nobody chose for the role (/^(.+)$, /.,
// /^[a-z0-9]+$ alike). One per shape: a bare name, a mail address, a DN (clientname=DN).
constexpr std::string_view kUnchosenNames[] = {
    "pgwardprobe7d1f3c9a", "pgward-7d1f3c9a@example.invalid", "CN=pgward-7d1f3c9a,O=nobody"};

// check_role over a record's user field, a regular expression RE2 cannot read taken to match.
bool UserFieldAdmits(const TokenList& users, const PrivilegedRole& role) {
  return std::any_of(users.begin(), users.end(), [&](const Token& token) {
    if (token.regex) {
      return NameRegex(std::string_view(token.text).substr(1)).Finds(role.name).value_or(true);
    }
    return RoleMatches(token, role.name, role.member_of);
  });
}

// One map line whose SYSTEM-USERNAME is a regular expression (a literal one takes one chosen
// name), ready to say which roles it lets which certificate names in as.
class MapLine {
 public:
  MapLine(const IdentMapping& mapping, int pg_version)
      : mapping_(mapping), system_(std::string_view(mapping.system_user.text).substr(1)) {
    const Token& pg_user = mapping.pg_user;
    // 16+: a keyword PG-USERNAME (a regular expression, +group, all) is never substituted.
    const bool keyword = pg_version >= 16 &&
                         (pg_user.regex || pg_user.IsGroupMembership() || pg_user.IsKeyword("all"));
    const std::size_t slot = keyword ? std::string::npos : pg_user.text.find("\\1");
    if (slot != std::string::npos) {
      prefix_ = pg_user.text.substr(0, slot);
      suffix_ = pg_user.text.substr(slot + 2);
    }
    substituted_ = slot != std::string::npos;
    if (pg_version >= 16 && pg_user.regex) {
      role_regex_.emplace(std::string_view(pg_user.text).substr(1));
    }
    keyword_ = keyword;
  }

  // A certificate of a name nobody chose for the role logs in as `role`.
  bool AdmitsAnyName(const PrivilegedRole& role) const {
    return std::any_of(std::begin(kUnchosenNames), std::end(kUnchosenNames),
                       [&](std::string_view name) {
                         const std::optional<std::string> target = RoleFor(name);
                         return target && Admits(*target, role);
                       });
  }

  // A certificate whose name the CA chose after `role` (the capture \1 takes) logs in as it.
  // Which names the expression's first group can take is not worked out: any, failing closed
  // (one RE2 cannot read, too).
  bool AdmitsNamedAfter(const PrivilegedRole& role) const {
    if (!substituted_) return false;
    if (system_.Groups().value_or(1) < 1) return false;
    return role.name.size() >= prefix_.size() + suffix_.size() && role.name.starts_with(prefix_) &&
           role.name.ends_with(suffix_);
  }

  std::string Location() const {
    return *mapping_.location.file + ":" + std::to_string(mapping_.location.line);
  }

 private:
  // The role a certificate named `name` asks to be, or nullopt when the line does not take
  // the name (or the server refuses it: \1 without a group that took part in the match). An
  // expression RE2 cannot read is taken to take every name: fail closed, as the server may well
  // find it (its \1 is left to AdmitsNamedAfter).
  std::optional<std::string> RoleFor(std::string_view name) const {
    const std::optional<NameRegex::Search> search = system_.SearchIn(name);
    if (!search) return substituted_ ? std::nullopt : std::optional(mapping_.pg_user.text);
    if (!search->found) return std::nullopt;
    if (!substituted_) return mapping_.pg_user.text;
    if (!search->first_group) return std::nullopt;
    return prefix_ + *search->first_group + suffix_;
  }

  // check_ident_usermap's comparison of the PG-USERNAME (after substitution, a literal) with
  // the role asked for.
  bool Admits(const std::string& target, const PrivilegedRole& role) const {
    if (substituted_ || !keyword_) return target == role.name;
    if (role_regex_) return role_regex_->Finds(role.name).value_or(true);
    return RoleMatches(mapping_.pg_user, role.name, role.member_of);
  }

  const IdentMapping& mapping_;
  NameRegex system_;
  std::optional<NameRegex> role_regex_;
  bool keyword_ = false;
  bool substituted_ = false;
  std::string prefix_, suffix_;
};

// For each privileged role, the first line of a map that lets it in, either way.
struct MapReach {
  std::vector<std::optional<std::string>> any_name;     // by role
  std::vector<std::optional<std::string>> named_after;  // by role
};

// check_usermap takes the first line of the map that matches both names, so a line that lets
// a name in as a role is used whenever that name asks for it, whatever comes before it.
MapReach ReachOf(const std::vector<MapLine>& lines, const PrivilegedRoles& roles) {
  MapReach reach{std::vector<std::optional<std::string>>(roles.size()),
                 std::vector<std::optional<std::string>>(roles.size())};
  for (std::size_t r = 0; r < roles.size(); ++r) {
    for (const MapLine& line : lines) {
      if (!reach.any_name[r] && line.AdmitsAnyName(roles[r])) reach.any_name[r] = line.Location();
      if (!reach.named_after[r] && line.AdmitsNamedAfter(roles[r])) {
        reach.named_after[r] = line.Location();
      }
    }
  }
  return reach;
}

// The lines of the maps `used` whose SYSTEM-USERNAME is a regular expression, by map, in file
// order; each expression compiled once, however many records use its map.
std::unordered_map<std::string, std::vector<MapLine>> RegexLines(
    const IdentFile& maps, const std::unordered_set<std::string>& used, int pg_version) {
  std::unordered_map<std::string, std::vector<MapLine>> lines;
  for (const IdentMapping& mapping : maps.mappings) {
    if (!mapping.parsed || !mapping.system_user.regex || !used.contains(mapping.map_name)) {
      continue;
    }
    lines[mapping.map_name].emplace_back(mapping, pg_version);
  }
  return lines;
}

// auth.c: a cert record implies clientcert=verify-full, which compares the certificate's name
// with the role on any method.
bool ChecksCertificateName(const HbaRule& rule) {
  return rule.parsed && !rule.error && rule.clientcert == ClientCert::kVerifyFull;
}

// The certificate is the record's only credential.
bool CertificateAlone(const HbaRule& rule) {
  return rule.method == AuthMethod::kCert || rule.method == AuthMethod::kTrust;
}

}  // namespace

bool ChecksCertificateThroughMap(const HbaRule& rule) {
  return ChecksCertificateName(rule) && rule.usermap && !rule.usermap->empty();
}

bool UsesCertificateMaps(const HbaFile& file) {
  return std::any_of(file.rules.begin(), file.rules.end(), ChecksCertificateThroughMap);
}

std::vector<std::optional<CertificateNameCheck>> CheckCertificateNames(const HbaFile& file,
                                                                       const IdentFile* maps,
                                                                       const PrivilegedRoles& roles,
                                                                       int pg_version) {
  std::vector<std::optional<CertificateNameCheck>> checks(file.rules.size());
  // One bad line and the server refuses the whole file: the maps in force are those it had.
  const bool maps_known = maps != nullptr && !maps->HasErrors();
  std::unordered_set<std::string> used;
  for (const HbaRule& rule : file.rules) {
    if (ChecksCertificateThroughMap(rule)) used.insert(*rule.usermap);
  }
  const auto lines = maps_known ? RegexLines(*maps, used, pg_version)
                                : std::unordered_map<std::string, std::vector<MapLine>>{};
  // Many records share a map: each map's reach is worked out once.
  std::unordered_map<std::string, MapReach> reach;
  for (std::size_t i = 0; i < file.rules.size(); ++i) {
    const HbaRule& rule = file.rules[i];
    if (!ChecksCertificateName(rule)) continue;
    CertificateNameCheck& check = checks[i].emplace();
    // Only the roles the record's user field admits can be asked for through it.
    std::vector<bool> admitted(roles.size());
    for (std::size_t r = 0; r < roles.size(); ++r) {
      admitted[r] = UserFieldAdmits(rule.users, roles[r]);
    }
    if (!ChecksCertificateThroughMap(rule)) {
      if (!CertificateAlone(rule)) continue;
      std::vector<std::string>& named = check.own_name_roles.emplace();
      for (std::size_t r = 0; r < roles.size(); ++r) {
        // A DN ("CN=...,O=...") equals no role name without an '='.
        const bool name_fits = !rule.clientname_dn || roles[r].name.find('=') != std::string::npos;
        if (admitted[r] && name_fits) named.push_back(roles[r].name);
      }
      continue;
    }
    check.map = *rule.usermap;
    if (!maps_known) continue;
    const auto [known, added] = reach.try_emplace(*check.map);
    if (added) {
      const auto map_lines = lines.find(*check.map);
      known->second = map_lines != lines.end()
                          ? ReachOf(map_lines->second, roles)
                          : MapReach{std::vector<std::optional<std::string>>(roles.size()),
                                     std::vector<std::optional<std::string>>(roles.size())};
    }
    const MapReach& map_reach = known->second;
    std::vector<std::string>& any_name = check.any_name_roles.emplace();
    for (std::size_t r = 0; r < roles.size(); ++r) {
      if (admitted[r] && map_reach.any_name[r]) {
        any_name.push_back(roles[r].name + " (" + *map_reach.any_name[r] + ")");
      }
    }
    if (!CertificateAlone(rule)) continue;
    std::vector<std::string>& named = check.own_name_roles.emplace();
    for (std::size_t r = 0; r < roles.size(); ++r) {
      if (admitted[r] && map_reach.named_after[r]) {
        named.push_back(roles[r].name + " (" + *map_reach.named_after[r] + ")");
      }
    }
  }
  return checks;
}

}  // namespace pgward::hba
