#include "engine/hba/access.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/inlined_vector.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory_resource>
#include <set>
#include <tuple>
#include <unordered_map>
#include <variant>
#include <vector>

#include "engine/core/side_thread.h"

namespace pgward::hba {
namespace {

// Addresses as 128-bit numbers, so that ranges are plain integer intervals per family.
struct Span {
  IpNumber low = 0;
  IpNumber high = 0;  // inclusive
};

IpNumber MaxNumber(IpFamily family) {
  return family == IpFamily::kV4 ? IpNumber(0xffffffffu) : ~IpNumber(0);
}

// The address spaces a connection can come from: the Unix socket (one point), and IPv4 and IPv6
// for each TCP kind. Coverage is tracked per space.
constexpr size_t kSpaces = 7;
constexpr size_t kLocalSpace = 0;

size_t SpaceOf(ConnectionKind kind, IpFamily family) {
  if (kind == ConnectionKind::kLocal) return kLocalSpace;
  return 1 + (static_cast<size_t>(kind) - 1) * 2 + (family == IpFamily::kV6 ? 1 : 0);
}

ConnectionKind KindOf(size_t space) {
  if (space == kLocalSpace) return ConnectionKind::kLocal;
  return static_cast<ConnectionKind>(1 + (space - 1) / 2);
}

IpFamily FamilyOf(size_t space) {
  return space != kLocalSpace && (space - 1) % 2 == 1 ? IpFamily::kV6 : IpFamily::kV4;
}

IpRange ToRange(size_t space, const Span& span) {
  return IpRange{FromIpNumber(span.low, FamilyOf(space)), FromIpNumber(span.high, FamilyOf(space))};
}

// A set of disjoint, non-adjacent spans.
class SpanSet {
 public:
  using allocator_type = std::pmr::polymorphic_allocator<>;
  explicit SpanSet(const allocator_type& allocator) : spans_(allocator) {}

  void Add(Span span) {
    auto it = spans_.upper_bound(span.low);
    if (it != spans_.begin()) {
      auto previous = std::prev(it);
      if (previous->second >= span.low || previous->second + 1 == span.low) it = previous;
    }
    while (it != spans_.end() && (span.high == ~IpNumber(0) || it->first <= span.high + 1)) {
      span.low = std::min(span.low, it->first);
      span.high = std::max(span.high, it->second);
      it = spans_.erase(it);
    }
    spans_.emplace(span.low, span.high);
  }

  // The span holding `point`, if any.
  std::optional<Span> Containing(IpNumber point) const {
    auto it = spans_.upper_bound(point);
    if (it == spans_.begin()) return std::nullopt;
    --it;
    if (it->second < point) return std::nullopt;
    return Span{it->first, it->second};
  }

  // The parts of `within` this set covers, in order.
  void Clip(const Span& within, std::vector<Span>& out) const {
    auto it = spans_.upper_bound(within.low);
    if (it != spans_.begin()) --it;
    for (; it != spans_.end() && it->first <= within.high; ++it) {
      if (it->second < within.low) continue;
      out.push_back({std::max(it->first, within.low), std::min(it->second, within.high)});
    }
  }

 private:
  std::pmr::map<IpNumber, IpNumber> spans_;
};

// Sorted, disjoint spans.
using Spans = std::vector<Span>;

Spans Normalize(Spans spans) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.low < b.low; });
  Spans merged;
  for (const Span& span : spans) {
    if (!merged.empty() &&
        (merged.back().high == ~IpNumber(0) || span.low <= merged.back().high + 1)) {
      merged.back().high = std::max(merged.back().high, span.high);
    } else {
      merged.push_back(span);
    }
  }
  return merged;
}

Spans Intersect(const Spans& a, const Spans& b) {
  Spans out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const IpNumber low = std::max(a[i].low, b[j].low);
    const IpNumber high = std::min(a[i].high, b[j].high);
    if (low <= high) out.push_back({low, high});
    (a[i].high < b[j].high) ? ++i : ++j;
  }
  return out;
}

Spans Subtract(const Span& from, const Spans& covered) {
  Spans out;
  IpNumber next = from.low;
  bool done = false;
  for (const Span& span : covered) {
    if (span.low > next) out.push_back({next, span.low - 1});
    if (span.high >= from.high) {
      done = true;
      break;
    }
    next = span.high + 1;
  }
  if (!done) out.push_back({next, from.high});
  return out;
}

// ---- Tokens ----------------------------------------------------------------------------

// A database or user token as a coverage key: keywords, names, groups and regular
// expressions are distinct kinds, so that a quoted "all" is a name, not the keyword.
enum class KeyKind { kKeyword, kName, kGroup, kRegex };

struct TokenKey {
  KeyKind kind = KeyKind::kName;
  std::string_view text;
};

TokenKey DatabaseKey(const Token& token) {
  if (token.regex) return {KeyKind::kRegex, token.text};
  if (!token.quoted) {
    if (token.text == "all" || token.text == "sameuser" || token.text == "replication") {
      return {KeyKind::kKeyword, token.text};
    }
    if (token.text == "samerole" || token.text == "samegroup") {
      return {KeyKind::kKeyword, "samerole"};
    }
  }
  return {KeyKind::kName, token.text};
}

TokenKey UserKey(const Token& token) {
  if (token.regex) return {KeyKind::kRegex, token.text};
  if (token.IsKeyword("all")) return {KeyKind::kKeyword, "all"};
  if (token.IsGroupMembership()) return {KeyKind::kGroup, std::string_view(token.text).substr(1)};
  return {KeyKind::kName, token.text};
}

// A (database key, user key) pair as one number: keys are interned once per analysis, so that
// the coverage index hashes integers, not strings.
using PairKey = std::uint64_t;

class KeyIds {
 public:
  std::uint32_t Id(const TokenKey& key) {
    // One table per kind, looked up by the token's own text: only a key seen for the first time
    // is copied.
    absl::flat_hash_map<std::string, std::uint32_t>& ids = ids_[static_cast<size_t>(key.kind)];
    // (absl's own string_view: this build of absl does not take std's in a lookup.)
    const absl::string_view text(key.text.data(), key.text.size());
    if (const auto found = ids.find(text); found != ids.end()) return found->second;
    return ids.emplace(std::string(key.text), next_id_++).first->second;
  }

 private:
  std::array<absl::flat_hash_map<std::string, std::uint32_t>, 4> ids_;
  std::uint32_t next_id_ = 0;
};

// The keys whose connections include every connection of a key, the key itself first: at most
// three, kept in place (every database and user of every line has them).
using DominatingKeys = absl::InlinedVector<std::uint32_t, 3>;

// `all` matches every database but not physical replication, which only the `replication`
// keyword matches; +g matches the role g itself. Anything subtler (sameuser, regexes) is
// covered by an identical token only: pgward never claims coverage it cannot prove.
DominatingKeys DominatingDatabases(const TokenKey& key, KeyIds& ids) {
  const std::uint32_t self = ids.Id(key);
  if (key.kind == KeyKind::kKeyword && (key.text == "all" || key.text == "replication")) {
    return {self};
  }
  return {self, ids.Id({KeyKind::kKeyword, "all"})};
}

DominatingKeys DominatingUsers(const TokenKey& key, KeyIds& ids) {
  const std::uint32_t self = ids.Id(key);
  if (key.kind == KeyKind::kKeyword && key.text == "all") return {self};
  if (key.kind == KeyKind::kName) {
    return {self, ids.Id({KeyKind::kGroup, key.text}), ids.Id({KeyKind::kKeyword, "all"})};
  }
  return {self, ids.Id({KeyKind::kKeyword, "all"})};
}

struct Pair {
  PairKey key = 0;
  // The pairs whose coverage includes this one's, itself too: at most two database keys times
  // three user keys.
  absl::InlinedVector<PairKey, 6> dominating;
};

std::vector<Pair> Pairs(const HbaRule& rule, KeyIds& ids) {
  // Each token's keys once, however many pairs it is part of.
  std::vector<DominatingKeys> users;
  users.reserve(rule.users.size());
  for (const Token& user : rule.users) users.push_back(DominatingUsers(UserKey(user), ids));
  std::vector<Pair> pairs;
  pairs.reserve(rule.databases.size() * rule.users.size());
  for (const Token& database_token : rule.databases) {
    const DominatingKeys databases = DominatingDatabases(DatabaseKey(database_token), ids);
    for (const DominatingKeys& user : users) {
      Pair& pair = pairs.emplace_back();
      pair.key = PairKey{databases.front()} << 32 | user.front();
      for (const std::uint32_t dominating_database : databases) {
        for (const std::uint32_t dominating_user : user) {
          pair.dominating.push_back(PairKey{dominating_database} << 32 | dominating_user);
        }
      }
    }
  }
  return pairs;
}

bool IsCatchAll(const HbaRule& rule) {
  const auto has = [](const TokenList& tokens) {
    return std::any_of(tokens.begin(), tokens.end(),
                       [](const Token& token) { return token.IsKeyword("all"); });
  };
  return has(rule.databases) && has(rule.users);
}

// ---- Records and the spaces they cover ---------------------------------------------------

std::vector<ConnectionKind> KindsOf(ConnectionType type) {
  switch (type) {
    case ConnectionType::kLocal:
      return {ConnectionKind::kLocal};
    case ConnectionType::kHost:
      return {ConnectionKind::kTcpPlaintext, ConnectionKind::kTcpTls, ConnectionKind::kTcpGssEnc};
    case ConnectionType::kHostSsl:
      return {ConnectionKind::kTcpTls};
    case ConnectionType::kHostNoSsl:
      return {ConnectionKind::kTcpPlaintext, ConnectionKind::kTcpGssEnc};
    case ConnectionType::kHostGssEnc:
      return {ConnectionKind::kTcpGssEnc};
    case ConnectionType::kHostNoGssEnc:
      return {ConnectionKind::kTcpPlaintext, ConnectionKind::kTcpTls};
  }
  return {};
}

// The network in CIDR form, or as address/mask when the mask is not contiguous.
std::string NetworkText(const IpNetwork& network) {
  if (const std::optional<int> prefix = MaskPrefixLength(network.mask)) {
    return FormatIpAddress(network.address) + "/" + std::to_string(*prefix);
  }
  return FormatIpAddress(network.address) + "/" + FormatIpAddress(network.mask);
}

struct Target {
  size_t space;
  Span span;
};

// Where a record can match. `definite` is false when the record's addresses are only bounded
// (host names, samehost/samenet without the server's networks, non-prefix netmasks): such a
// record is checked over the bound, and never counts as covering later records.
struct Coverage {
  absl::InlinedVector<Target, 3> targets;  // one per connection kind of a network, mostly
  bool definite = true;
  std::string label;
};

Coverage CoverageOf(const HbaRule& rule, const LocalNetworks& local) {
  Coverage coverage;
  const std::vector<ConnectionKind> kinds = KindsOf(rule.type);
  if (rule.type == ConnectionType::kLocal) {
    coverage.targets.push_back({kLocalSpace, {0, 0}});
    return coverage;
  }
  auto add_everywhere = [&](IpFamily family, Span span) {
    for (ConnectionKind kind : kinds) coverage.targets.push_back({SpaceOf(kind, family), span});
  };
  auto add_whole_spaces = [&] {
    add_everywhere(IpFamily::kV4, {0, MaxNumber(IpFamily::kV4)});
    add_everywhere(IpFamily::kV6, {0, MaxNumber(IpFamily::kV6)});
  };
  if (const auto* network = std::get_if<IpNetwork>(&rule.address)) {
    const IpAddress& address = network->address;
    const IpAddress& mask = network->mask;
    const IpNumber bits = ToIpNumber(mask);
    const IpNumber low = ToIpNumber(address) & bits;
    const IpNumber high = low | (MaxNumber(address.family) & ~bits);
    add_everywhere(address.family, {low, high});
    if (!MaskPrefixLength(mask)) {
      // addr & mask == net & mask selects a scattered set inside [low, high].
      coverage.definite = false;
      coverage.label = NetworkText(*network);
    }
    return coverage;
  }
  const auto& symbolic = std::get<SymbolicAddress>(rule.address);
  switch (symbolic.kind) {
    case SymbolicAddressKind::kAll:
      add_whole_spaces();
      return coverage;
    case SymbolicAddressKind::kSameHost:
    case SymbolicAddressKind::kSameNet:
      if (local.known()) {
        for (const IpRange& network : local.networks) {
          const IpNumber address = ToIpNumber(network.first);
          const Span span = symbolic.kind == SymbolicAddressKind::kSameHost
                                ? Span{address, address}
                                : Span{address, ToIpNumber(network.last)};
          add_everywhere(network.first.family, span);
        }
        return coverage;
      }
      break;
    case SymbolicAddressKind::kHostName:
    case SymbolicAddressKind::kHostNameSuffix:
      break;
  }
  add_whole_spaces();
  coverage.definite = false;
  coverage.label = symbolic.text;
  return coverage;
}

// Some address spaces, each a set of them.
using SpaceSet = std::array<bool, kSpaces>;

// Coverage of earlier records in some spaces, per space and per (database key, user key).
class CoverageIndex {
 public:
  explicit CoverageIndex(const SpaceSet& spaces) : spaces_(spaces) {}

  // Adds the record's coverage in the index's spaces.
  void Add(const Coverage& coverage, const std::vector<Pair>& pairs, size_t record) {
    for (const Target& target : coverage.targets) {
      if (!spaces_[target.space]) continue;
      for (const Pair& pair : pairs) {
        Entry& entry = entries_[target.space][pair.key];
        // Owners are disjoint: each address belongs to the first record that covered it.
        std::vector<Span> taken;
        entry.spans.Clip(target.span, taken);
        for (const Span& piece : Subtract(target.span, Normalize(std::move(taken)))) {
          entry.owners.emplace(piece.low, std::make_pair(piece.high, record));
        }
        entry.spans.Add(target.span);
      }
    }
  }

  // The parts of `target` where every pair of a record is covered.
  Spans Covered(const Target& target, const std::vector<Pair>& pairs) const {
    Spans covered{target.span};
    for (const Pair& pair : pairs) {
      Spans pair_covered;
      for (const SpanSet* set : Sets(target.space, pair)) set->Clip(target.span, pair_covered);
      covered = Intersect(covered, Normalize(std::move(pair_covered)));
      if (covered.empty()) break;
    }
    return covered;
  }

  // Whether every pair is covered on all of `target`: walks from its start through the spans
  // that hold the cursor, a few steps in O(log n) each, however many spans the sets have.
  bool FullyCovered(const Target& target, const std::vector<Pair>& pairs) const {
    for (const Pair& pair : pairs) {
      const SpanSets sets = Sets(target.space, pair);
      IpNumber cursor = target.span.low;
      while (true) {
        std::optional<IpNumber> reach;
        for (const SpanSet* set : sets) {
          if (std::optional<Span> span = set->Containing(cursor)) {
            reach = std::max(reach.value_or(0), span->high);
          }
        }
        if (!reach) return false;
        if (*reach >= target.span.high) break;
        cursor = *reach + 1;
      }
    }
    return true;
  }

  // Earlier records that cover the start or the end of `target` for one of the pairs.
  void Coverers(const Target& target, const std::vector<Pair>& pairs, std::set<size_t>& out) const {
    for (const Pair& pair : pairs) {
      for (const PairKey key : pair.dominating) {
        const auto entry = entries_[target.space].find(key);
        if (entry == entries_[target.space].end()) continue;
        for (IpNumber point : {target.span.low, target.span.high}) {
          auto owner = entry->second.owners.upper_bound(point);
          if (owner == entry->second.owners.begin()) continue;
          --owner;
          if (owner->second.first >= point) out.insert(owner->second.second);
        }
      }
    }
  }

 private:
  struct Entry {
    using allocator_type = std::pmr::polymorphic_allocator<>;
    explicit Entry(const allocator_type& allocator) : spans(allocator), owners(allocator) {}

    SpanSet spans;
    std::pmr::map<IpNumber, std::pair<IpNumber, size_t>> owners;  // low -> (high, record)
  };

  using SpanSets = absl::InlinedVector<const SpanSet*, 6>;  // one per dominating pair at most

  SpanSets Sets(size_t space, const Pair& pair) const {
    SpanSets sets;
    for (const PairKey key : pair.dominating) {
      const auto entry = entries_[space].find(key);
      if (entry != entries_[space].end()) sets.push_back(&entry->second.spans);
    }
    return sets;
  }

  SpaceSet spaces_;
  // Every node of the index comes from one arena, released at once with it: an index of a large
  // file holds millions of small nodes, which malloc would free one by one. Nodes erased while
  // spans merge are not reused; there are at most as many as were inserted.
  std::pmr::monotonic_buffer_resource memory_;
  std::vector<std::pmr::unordered_map<PairKey, Entry>> entries_ = [this] {
    std::vector<std::pmr::unordered_map<PairKey, Entry>> entries;
    entries.reserve(kSpaces);
    for (size_t space = 0; space < kSpaces; ++space) entries.emplace_back(&memory_);
    return entries;
  }();
};

bool Loads(const HbaRule& rule) { return rule.parsed && !rule.error; }

// ---- One connection --------------------------------------------------------------------

std::string Join(const TokenList& tokens) {
  std::string text = "{";
  for (size_t i = 0; i < tokens.size(); ++i) text += (i ? "," : "") + tokens[i].text;
  return text + "}";
}

bool RegexMatches(const Token& token, const std::string& value) {
  // PostgreSQL searches with its own regex engine (unanchored); RE2 agrees on the common syntax.
  RE2::Options options;
  options.set_log_errors(false);
  const RE2 pattern(token.text.substr(1), options);
  return pattern.ok() && RE2::PartialMatch(value, pattern);
}

bool IsMember(std::string_view user, const std::vector<std::string>& member_of,
              std::string_view role) {
  // is_member_of_role_nosuper: a role is a member of itself.
  return user == role || std::find(member_of.begin(), member_of.end(), role) != member_of.end();
}

bool IsMember(const ConnectionAttempt& attempt, const std::string& role) {
  return IsMember(attempt.user, attempt.member_of, role);
}

// check_db
bool DatabaseMatches(const TokenList& tokens, const ConnectionAttempt& attempt) {
  for (const Token& token : tokens) {
    if (attempt.replication) {
      if (token.IsKeyword("replication")) return true;
      continue;
    }
    if (token.IsKeyword("all")) return true;
    if (token.IsKeyword("sameuser")) {
      if (attempt.database == attempt.user) return true;
    } else if (token.IsKeyword("samegroup") || token.IsKeyword("samerole")) {
      if (IsMember(attempt, attempt.database)) return true;
    } else if (token.IsKeyword("replication")) {
      continue;  // matches physical replication connections only
    } else if (token.regex ? RegexMatches(token, attempt.database)
                           : token.text == attempt.database) {
      return true;
    }
  }
  return false;
}

// check_role
bool UserMatches(const TokenList& tokens, const ConnectionAttempt& attempt) {
  return std::any_of(tokens.begin(), tokens.end(), [&](const Token& token) {
    return RoleMatches(token, attempt.user, attempt.member_of);
  });
}

bool TypeApplies(ConnectionType type, ConnectionKind kind) {
  const std::vector<ConnectionKind> kinds = KindsOf(type);
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

}  // namespace

bool RoleMatches(const Token& token, std::string_view role,
                 const std::vector<std::string>& member_of) {
  if (token.IsGroupMembership()) {
    return IsMember(role, member_of, std::string_view(token.text).substr(1));
  }
  if (token.IsKeyword("all")) return true;
  return token.regex ? RegexMatches(token, std::string(role)) : token.text == role;
}

std::string_view ConnectionKindName(ConnectionKind kind) {
  switch (kind) {
    case ConnectionKind::kLocal:
      return "local";
    case ConnectionKind::kTcpPlaintext:
      return "tcp_plaintext";
    case ConnectionKind::kTcpTls:
      return "tcp_tls";
    case ConnectionKind::kTcpGssEnc:
      return "tcp_gssenc";
  }
  return "";
}

Explanation ExplainConnection(const HbaFile& file, const ConnectionAttempt& attempt,
                              const LocalNetworks& local_networks, int /*pg_version*/) {
  Explanation explanation;
  using Outcome = RecordVerdict::Outcome;
  for (size_t i = 0; i < file.rules.size(); ++i) {
    const HbaRule& rule = file.rules[i];
    RecordVerdict verdict{i, Outcome::kMatches, ""};
    if (!Loads(rule)) {
      explanation.file_loads = false;
      verdict.outcome = Outcome::kNotLoaded;
      verdict.reason = "the server refuses this line: " +
                       rule.error.value_or("an invalid option value (no message)");
      explanation.verdicts.push_back(verdict);
      continue;
    }
    if (!TypeApplies(rule.type, attempt.kind)) {
      verdict.outcome = Outcome::kWrongType;
      verdict.reason = std::string(ConnectionTypeName(rule.type)) + " does not apply to a " +
                       std::string(ConnectionKindName(attempt.kind)) + " connection";
      explanation.verdicts.push_back(verdict);
      continue;
    }
    if (rule.type != ConnectionType::kLocal) {
      const IpAddress client = attempt.address.value_or(IpAddress{});
      if (const auto* network = std::get_if<IpNetwork>(&rule.address)) {
        const IpAddress& address = network->address;
        const IpNumber mask = ToIpNumber(network->mask);
        // check_ip: same family, and (client ^ address) & mask == 0.
        if (client.family != address.family ||
            ((ToIpNumber(client) ^ ToIpNumber(address)) & mask) != 0) {
          verdict.outcome = Outcome::kWrongAddress;
          verdict.reason = FormatIpAddress(client) + " is not in " + NetworkText(*network);
        }
      } else {
        const auto& symbolic = std::get<SymbolicAddress>(rule.address);
        const bool same = symbolic.kind == SymbolicAddressKind::kSameHost ||
                          symbolic.kind == SymbolicAddressKind::kSameNet;
        if (same && local_networks.known()) {
          bool inside = false;
          for (const IpRange& network : local_networks.networks) {
            inside = inside ||
                     (symbolic.kind == SymbolicAddressKind::kSameHost ? client == network.first
                                                                      : network.Contains(client));
          }
          if (!inside) {
            verdict.outcome = Outcome::kWrongAddress;
            verdict.reason =
                FormatIpAddress(client) + " is not " + symbolic.text + " (given --local-networks)";
          }
        } else if (symbolic.kind != SymbolicAddressKind::kAll) {
          verdict.outcome = Outcome::kMaybeAddress;
          verdict.reason =
              same ? symbolic.text + " depends on the server's interfaces (give --local-networks)"
                   : "host name " + symbolic.text +
                         " depends on DNS (reverse lookup of the client, then forward check)";
        }
      }
    }
    if (verdict.outcome == Outcome::kMatches && !DatabaseMatches(rule.databases, attempt)) {
      verdict.outcome = Outcome::kWrongDatabase;
      verdict.reason = (attempt.replication ? std::string("physical replication")
                                            : "database \"" + attempt.database + "\"") +
                       " is not matched by " + Join(rule.databases);
    }
    if (verdict.outcome == Outcome::kMatches && !UserMatches(rule.users, attempt)) {
      verdict.outcome = Outcome::kWrongUser;
      verdict.reason = "user \"" + attempt.user + "\" is not matched by " + Join(rule.users);
    }
    if (verdict.outcome == Outcome::kMaybeAddress) {
      // Only undecided when the rest of the record would match.
      if (DatabaseMatches(rule.databases, attempt) && UserMatches(rule.users, attempt)) {
        explanation.undecided.push_back(i);
      }
    }
    if (verdict.outcome == Outcome::kMatches) {
      verdict.reason = "first matching line";
      explanation.matched = i;
      explanation.verdicts.push_back(verdict);
      break;
    }
    explanation.verdicts.push_back(verdict);
  }
  for (size_t i = explanation.matched.value_or(file.rules.size()) + 1; i < file.rules.size(); ++i) {
    if (!Loads(file.rules[i])) explanation.file_loads = false;
  }
  return explanation;
}

namespace {

// Where a record is the first match for plaintext physical replication: its pairs with the
// replication keyword alone, against the records before it (`index`).
void AddReplicationReach(const Coverage& coverage, const std::vector<Pair>& pairs,
                         std::uint32_t replication_key, const CoverageIndex& index,
                         RecordAccess& record) {
  std::vector<Pair> replication;
  for (const Pair& pair : pairs) {
    if (pair.key >> 32 == replication_key) replication.push_back(pair);
  }
  if (replication.empty()) return;
  record.names_replication = true;
  for (const Target& target : coverage.targets) {
    if (KindOf(target.space) != ConnectionKind::kTcpPlaintext) continue;
    if (!coverage.definite) {
      record.replication_plaintext_symbolic |= !index.FullyCovered(target, replication);
      continue;
    }
    for (const Span& span : Subtract(target.span, index.Covered(target, replication))) {
      record.replication_plaintext.push_back(ToRange(target.space, span));
    }
  }
}

// The records as every sweep reads them, made once.
struct SweepInput {
  const HbaFile& file;
  const std::vector<Coverage>& coverages;  // per record of the map
  const std::vector<std::vector<Pair>>& pairs;
  std::uint32_t replication_key = 0;
};

// One target of a record where the record is the first match somewhere: a span of it, or, for a
// symbolic record, the target as a whole (no range).
struct TargetReach {
  std::uint32_t record = 0;
  std::uint32_t target = 0;  // in the record's coverage: the order the records' lists keep
  ConnectionKind kind = ConnectionKind::kLocal;
  std::optional<IpRange> range;
};

// A record (index) starts (true) or stops being reachable at an address.
using Event = std::pair<IpNumber, std::pair<bool, size_t>>;

// What the first-match sweep of some address spaces finds.
struct SpacesSweep {
  std::vector<TargetReach> reach;  // by record, then target
  std::vector<bool> reached;       // per record: the first match somewhere in these spaces
  // Per record not reached here: the earlier records that cover it (record indexes), by record.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> shadowers;
  // Where each of these spaces' records start and stop being reachable, in address order.
  std::array<std::vector<Event>, kSpaces> events;
};

constexpr SpaceSet kPlaintextSpaces = {false, true, true, false, false, false, false};

// The spaces swept side by side: a record's reach in one space depends on the earlier records'
// coverage of that space alone. Local and plaintext TCP are one sweep, TLS one, GSSAPI encryption
// one; the plaintext sweep also decides the explicit rejects and physical replication, which are
// about plaintext connections only.
struct SweepSpec {
  SpaceSet spaces;
  bool plaintext = false;
};

constexpr size_t kSweeps = 3;

constexpr std::array<SweepSpec, kSweeps> kSweepSpecs = {
    SweepSpec{{true, true, true, false, false, false, false}, true},    // local, plaintext TCP
    SweepSpec{{false, false, false, true, true, false, false}, false},  // TLS
    SweepSpec{{false, false, false, false, false, true, true}, false},  // GSSAPI encryption
};

// The sweep whose spaces hold `space`: exactly one does.
size_t SweepOf(size_t space) {
  size_t sweep = 0;
  while (!kSweepSpecs[sweep].spaces[space]) ++sweep;
  return sweep;
}

// The partition of one space, appended to `ranges`: where the records are reachable there, in
// address order (`events`, sorted).
void Partition(size_t space, const std::vector<Event>& events,
               const std::vector<RecordAccess>& records, const std::vector<bool>& catch_all,
               std::vector<AccessRange>& ranges) {
  // The records reachable at the cursor, in file order, once per span of theirs that reaches it:
  // a record's spans in one space may overlap (samenet over nested local networks, each target
  // subtracted only against the earlier records), and it stays until its last one ends. A sorted
  // vector, as a range copies the records anyway (a tree's node each cost more than the moves).
  std::vector<size_t> active;
  const IpNumber last = space == kLocalSpace ? 0 : MaxNumber(FamilyOf(space));
  auto emit = [&](IpNumber low, IpNumber high) {
    AccessRange& range = ranges.emplace_back();
    range.kind = KindOf(space);
    if (space == kLocalSpace) {
      range.label = "local";
    } else {
      range.range = ToRange(space, {low, high});
      range.label = FormatIpRange(*range.range);
    }
    range.rules.reserve(active.size());
    for (size_t i = 0; i < active.size(); ++i) {
      if (i == 0 || active[i] != active[i - 1]) {
        range.rules.push_back(records[active[i]].rule_index);
      }
    }
    range.ends_with_catch_all = !active.empty() && catch_all[active.back()];
  };
  IpNumber cursor = 0;
  for (size_t e = 0; e < events.size();) {
    const IpNumber position = events[e].first;
    if (position > cursor) emit(cursor, position - 1);
    for (; e < events.size() && events[e].first == position; ++e) {
      const size_t record = events[e].second.second;
      const auto at = std::lower_bound(active.begin(), active.end(), record);
      if (events[e].second.first) {
        active.insert(at, record);
      } else if (at != active.end() && *at == record) {
        active.erase(at);
      }
    }
    cursor = position;
  }
  emit(cursor, last);
}

// The first match in the sweep's spaces, record by record in file order, against the earlier
// records' coverage there. Writes the plaintext fields of `map`'s records (replication,
// plaintext_not_rejected) in the plaintext sweep, and nothing of `map` in the others: the sweeps
// run side by side.
void FirstMatches(const SweepSpec& spec, const SweepInput& input, AccessMap& map,
                  SpacesSweep& sweep) {
  const SpaceSet& spaces = spec.spaces;
  const bool plaintext = spec.plaintext;
  CoverageIndex index(spaces);
  // Plaintext-applicable reject records, wherever they are; those whose addresses are not known
  // here by what they name ("samenet", a host name), which refuse a record naming the same.
  std::optional<CoverageIndex> rejects;
  if (plaintext) rejects.emplace(kPlaintextSpaces);
  std::map<std::string, CoverageIndex> symbolic_rejects;
  sweep.reached.resize(map.records.size());
  // A target is mostly reached in one span or not at all: room for one span per target, so that
  // a large file's reach is not copied into fresh memory each time the vector doubles.
  std::size_t targets = 0;
  for (const Coverage& coverage : input.coverages) {
    for (const Target& target : coverage.targets) targets += spaces[target.space] ? 1 : 0;
  }
  sweep.reach.reserve(targets);
  std::set<size_t> shadowers;
  for (size_t r = 0; r < map.records.size(); ++r) {
    const Coverage& coverage = input.coverages[r];
    const std::vector<Pair>& pairs = input.pairs[r];
    const auto reach = [&](size_t t, std::optional<IpRange> range) {
      sweep.reach.push_back({static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(t),
                             KindOf(coverage.targets[t].space), range});
    };
    bool reachable = false;
    shadowers.clear();
    for (size_t t = 0; t < coverage.targets.size(); ++t) {
      const Target& target = coverage.targets[t];
      if (!spaces[target.space]) continue;
      if (!coverage.definite) {
        // A symbolic record is shadowed only where its whole possible space is covered.
        if (index.FullyCovered(target, pairs)) {
          index.Coverers(target, pairs, shadowers);
          continue;
        }
        reachable = true;
        reach(t, std::nullopt);
        continue;
      }
      const Spans open = Subtract(target.span, index.Covered(target, pairs));
      if (open.empty()) {
        index.Coverers(target, pairs, shadowers);
        continue;
      }
      reachable = true;
      for (const Span& span : open) reach(t, ToRange(target.space, span));
    }
    if (plaintext) {
      AddReplicationReach(coverage, pairs, input.replication_key, index, map.records[r]);
    }
    sweep.reached[r] = reachable;
    if (!reachable) {
      for (const size_t shadower : shadowers) {
        sweep.shadowers.emplace_back(r, static_cast<std::uint32_t>(shadower));
      }
    }
    const bool rejecting =
        plaintext && input.file.rules[map.records[r].rule_index].method == AuthMethod::kReject;
    if (coverage.definite) {
      index.Add(coverage, pairs, r);
      if (rejecting) rejects->Add(coverage, pairs, r);
    } else if (rejecting) {
      symbolic_rejects.try_emplace(coverage.label, kPlaintextSpaces)
          .first->second.Add(coverage, pairs, r);
    }
  }
  if (!plaintext) return;

  // hostssl records: where would a plaintext connection of theirs be explicitly refused? Where
  // a record's addresses are not known here (a host name, samehost or samenet without the
  // server's interfaces), only rejects that cover every address it may name refuse them all.
  for (size_t r = 0; r < map.records.size(); ++r) {
    RecordAccess& record = map.records[r];
    if (input.file.rules[record.rule_index].type != ConnectionType::kHostSsl) continue;
    for (const Target& target : input.coverages[r].targets) {
      const Target as_plaintext{SpaceOf(ConnectionKind::kTcpPlaintext, FamilyOf(target.space)),
                                target.span};
      if (!record.definite_address) {
        const auto same = symbolic_rejects.find(record.symbolic_label);
        record.plaintext_not_rejected_symbolic |=
            !rejects->FullyCovered(as_plaintext, input.pairs[r]) &&
            (same == symbolic_rejects.end() ||
             !same->second.FullyCovered(as_plaintext, input.pairs[r]));
        continue;
      }
      for (const Span& span :
           Subtract(target.span, rejects->Covered(as_plaintext, input.pairs[r]))) {
        record.plaintext_not_rejected.push_back(ToRange(target.space, span));
      }
    }
  }
}

// The first matches in the sweep's spaces, then the events of their partition, sorted.
SpacesSweep Sweep(const SweepSpec& spec, const SweepInput& input, AccessMap& map) {
  SpacesSweep sweep;
  FirstMatches(spec, input, map, sweep);
  for (const TargetReach& reach : sweep.reach) {
    if (!reach.range) continue;
    const size_t space = SpaceOf(reach.kind, reach.range->first.family);
    const IpNumber low = ToIpNumber(reach.range->first), high = ToIpNumber(reach.range->last);
    sweep.events[space].push_back({low, {true, reach.record}});
    if (high != MaxNumber(FamilyOf(space))) {
      sweep.events[space].push_back({high + 1, {false, reach.record}});
    }
  }
  for (std::vector<Event>& events : sweep.events) std::sort(events.begin(), events.end());
  return sweep;
}

// Each record's reach and shadowing from every sweep, its targets back in their order.
void MergeSweeps(const std::array<SpacesSweep, kSweeps>& sweeps, AccessMap& map) {
  std::array<size_t, kSweeps> next_reach{}, next_shadower{};
  std::vector<const TargetReach*> reach;
  std::vector<std::uint32_t> shadowers;
  for (size_t r = 0; r < map.records.size(); ++r) {
    RecordAccess& record = map.records[r];
    bool reachable = false;
    reach.clear();
    shadowers.clear();
    for (size_t s = 0; s < kSweeps; ++s) {
      const SpacesSweep& sweep = sweeps[s];
      reachable = reachable || sweep.reached[r];
      for (; next_reach[s] < sweep.reach.size() && sweep.reach[next_reach[s]].record == r;
           ++next_reach[s]) {
        reach.push_back(&sweep.reach[next_reach[s]]);
      }
      for (; next_shadower[s] < sweep.shadowers.size() &&
             sweep.shadowers[next_shadower[s]].first == r;
           ++next_shadower[s]) {
        shadowers.push_back(sweep.shadowers[next_shadower[s]].second);
      }
    }
    // A target's spans are together and in order, in one sweep's list: by target, then place.
    std::sort(reach.begin(), reach.end(), [](const TargetReach* a, const TargetReach* b) {
      return std::tie(a->target, a) < std::tie(b->target, b);
    });
    for (const TargetReach* target : reach) {
      if (target->range) {
        record.reachable.emplace_back(target->kind, *target->range);
      } else if (std::find(record.symbolic_reachable.begin(), record.symbolic_reachable.end(),
                           target->kind) == record.symbolic_reachable.end()) {
        record.symbolic_reachable.push_back(target->kind);
      }
    }
    record.shadowed = !reachable;
    if (record.shadowed) {
      std::sort(shadowers.begin(), shadowers.end());
      shadowers.erase(std::unique(shadowers.begin(), shadowers.end()), shadowers.end());
      for (const std::uint32_t shadower : shadowers) {
        record.shadowed_by.push_back(map.records[shadower].rule_index);
      }
    }
  }
}

}  // namespace

AccessMap AnalyzeAccess(const HbaFile& file, const LocalNetworks& local_networks) {
  AccessMap map;
  std::vector<Coverage> coverages;
  std::vector<std::vector<Pair>> pairs;
  KeyIds key_ids;
  const std::uint32_t replication_key = key_ids.Id({KeyKind::kKeyword, "replication"});
  map.records.reserve(file.rules.size());
  coverages.reserve(file.rules.size());
  pairs.reserve(file.rules.size());
  for (size_t i = 0; i < file.rules.size(); ++i) {
    const HbaRule& rule = file.rules[i];
    if (!Loads(rule)) {
      map.file_loads = false;
      continue;
    }
    RecordAccess& record = map.records.emplace_back();
    record.rule_index = i;
    Coverage& coverage = coverages.emplace_back(CoverageOf(rule, local_networks));
    record.definite_address = coverage.definite;
    record.symbolic_label = coverage.label;
    pairs.push_back(Pairs(rule, key_ids));
  }

  // The sweeps run side by side once a file is large enough to be worth threads (a fleet's
  // files are mostly small): the analysis of a large file was a fifth of a scan's time with
  // nothing else to do.
  const SweepInput input{file, coverages, pairs, replication_key};
  std::array<SpacesSweep, kSweeps> sweeps;
  {
    constexpr size_t kRecordsWorthThreads = 1 << 10;
    std::vector<SideTask> others;
    others.reserve(kSweeps - 1);
    for (size_t s = 1; s < kSweeps; ++s) {
      const auto sweep = [&, s] { sweeps[s] = Sweep(kSweepSpecs[s], input, map); };
      if (map.records.size() >= kRecordsWorthThreads) {
        others.push_back(StartOrRun(sweep));
      } else {
        sweep();
      }
    }
    sweeps[0] = Sweep(kSweepSpecs[0], input, map);
    for (SideTask& other : others) other.Join();
  }
  MergeSweeps(sweeps, map);
  // What only the sweeps read is released before the ranges are gathered: on a large file, the
  // peak of the analysis is here.
  for (SpacesSweep& sweep : sweeps) {
    std::vector<TargetReach>().swap(sweep.reach);
    std::vector<std::pair<std::uint32_t, std::uint32_t>>().swap(sweep.shadowers);
  }
  std::vector<Coverage>().swap(coverages);
  std::vector<std::vector<Pair>>().swap(pairs);

  // At most a range per event and space, one more per space, and one per symbolic entry:
  // reserved at once, as the vector of a large file grows to a hundred megabytes, and each
  // regrowth copies it into memory the kernel must first clear. The bound is linear in the
  // records (two events per reachable range); what it reserves beyond the ranges is never
  // touched, so it costs address space, not memory. Measured at 100,000 lines, peak RSS of the
  // whole scan: this bound 282-286 MB, the exact count of distinct positions 325-333 MB, no
  // reservation 299-309 MB (where later allocations land moves the peak).
  size_t most_ranges = 0;
  for (size_t space = 0; space < kSpaces; ++space) {
    most_ranges += 1 + sweeps[SweepOf(space)].events[space].size();
  }
  for (const RecordAccess& record : map.records) most_ranges += record.symbolic_reachable.size();
  map.ranges.reserve(most_ranges);
  // Whether each record matches all databases and all users, asked once per range it ends.
  std::vector<bool> catch_all(map.records.size());
  for (size_t r = 0; r < map.records.size(); ++r) {
    catch_all[r] = IsCatchAll(file.rules[map.records[r].rule_index]);
  }
  for (size_t space = 0; space < kSpaces; ++space) {
    std::vector<Event>& events = sweeps[SweepOf(space)].events[space];
    Partition(space, events, map.records, catch_all, map.ranges);
    std::vector<Event>().swap(events);
  }
  for (size_t r = 0; r < map.records.size(); ++r) {
    const RecordAccess& record = map.records[r];
    for (ConnectionKind kind : record.symbolic_reachable) {
      map.ranges.push_back(AccessRange{kind, std::nullopt, record.symbolic_label,
                                       std::vector<size_t>(1, record.rule_index), catch_all[r]});
    }
  }
  return map;
}

}  // namespace pgward::hba
