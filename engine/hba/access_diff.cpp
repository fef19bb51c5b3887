#include "engine/hba/access_diff.h"

#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "engine/hba/hba_facts.h"

namespace pgward::hba {
namespace {

// ---- Who: one database and one user standing for everyone a token pair names ----------------

// A database or user as the records can tell them apart: a name a record writes, a regular
// expression's own class, a member of a +group, a name neither version writes (kOther), a
// physical replication connection, a database named as the user or as one of its roles.
struct Probe {
  enum class Kind { kName, kRegex, kMemberOf, kOther, kReplication, kSameAsUser, kSameAsRole };
  Kind kind = Kind::kOther;
  std::string text;

  auto operator<=>(const Probe&) const = default;

  std::string Label() const {
    switch (kind) {
      case Kind::kName:
      case Kind::kRegex:
        return text;
      case Kind::kMemberOf:
        return "+" + text;
      case Kind::kOther:
        return "(any other)";
      case Kind::kReplication:
        return "replication";
      case Kind::kSameAsUser:
        return "sameuser";
      case Kind::kSameAsRole:
        return "samerole";
    }
    return text;
  }
};

using Kind = Probe::Kind;

Probe DatabaseProbe(const Token& token) {
  if (token.regex) return {Kind::kRegex, token.text};
  if (token.IsKeyword("all")) return {Kind::kOther, ""};
  if (token.IsKeyword("replication")) return {Kind::kReplication, ""};
  if (token.IsKeyword("sameuser")) return {Kind::kSameAsUser, ""};
  if (token.IsKeyword("samerole") || token.IsKeyword("samegroup")) return {Kind::kSameAsRole, ""};
  return {Kind::kName, token.text};
}

Probe UserProbe(const Token& token) {
  if (token.regex) return {Kind::kRegex, token.text};
  if (token.IsKeyword("all")) return {Kind::kOther, ""};
  if (token.IsGroupMembership()) return {Kind::kMemberOf, token.text.substr(1)};
  return {Kind::kName, token.text};
}

// Regular expressions compiled once per diff (a file repeats the same few).
class Regexes {
 public:
  bool Matches(const Token& token, const std::string& value) {
    std::unique_ptr<RE2>& pattern = compiled_[token.text];
    if (!pattern) {
      RE2::Options options;
      options.set_log_errors(false);
      pattern = std::make_unique<RE2>(token.text.substr(1), options);
    }
    return pattern->ok() && RE2::PartialMatch(value, *pattern);
  }

 private:
  std::map<std::string, std::unique_ptr<RE2>> compiled_;
};

// check_db for a probe pair.
bool DatabaseMatches(const TokenList& tokens, const Probe& database, const Probe& user,
                     Regexes& regexes) {
  for (const Token& token : tokens) {
    if (database.kind == Kind::kReplication) {
      if (token.IsKeyword("replication")) return true;
      continue;
    }
    if (token.IsKeyword("all")) return true;
    if (token.IsKeyword("replication")) continue;
    if (token.IsKeyword("sameuser")) {
      if (database.kind == Kind::kSameAsUser ||
          (database.kind == Kind::kName && user.kind == Kind::kName &&
           database.text == user.text)) {
        return true;
      }
    } else if (token.IsKeyword("samerole") || token.IsKeyword("samegroup")) {
      if (database.kind == Kind::kSameAsRole ||
          (database.kind == Kind::kName &&
           (user.kind == Kind::kName || user.kind == Kind::kMemberOf) &&
           database.text == user.text)) {
        return true;
      }
    } else if (token.regex) {
      if ((database.kind == Kind::kRegex && database.text == token.text) ||
          (database.kind == Kind::kName && regexes.Matches(token, database.text))) {
        return true;
      }
    } else if (database.kind == Kind::kName && database.text == token.text) {
      return true;
    }
  }
  return false;
}

// check_role for a probe.
bool UserMatches(const TokenList& tokens, const Probe& user, Regexes& regexes) {
  for (const Token& token : tokens) {
    if (token.IsKeyword("all")) return true;
    if (token.IsGroupMembership()) {
      const std::string group = token.text.substr(1);
      if ((user.kind == Kind::kMemberOf || user.kind == Kind::kName) && user.text == group) {
        return true;
      }
    } else if (token.regex) {
      if ((user.kind == Kind::kRegex && user.text == token.text) ||
          (user.kind == Kind::kName && regexes.Matches(token, user.text))) {
        return true;
      }
    } else if (user.kind == Kind::kName && user.text == token.text) {
      return true;
    }
  }
  return false;
}

// ---- Where: the ranges both versions partition an address space into -----------------------

// One side's ranges of one connection kind and family, by address.
using RangeList = std::vector<std::pair<IpRange, size_t>>;  // range, index in AccessMap::ranges

struct Space {
  ConnectionKind kind;
  IpFamily family;
};

RangeList RangesOf(const AccessMap& map, const Space& space) {
  RangeList list;
  for (size_t i = 0; i < map.ranges.size(); ++i) {
    const AccessRange& range = map.ranges[i];
    if (range.kind == space.kind && range.range && range.range->first.family == space.family) {
      list.emplace_back(*range.range, i);
    }
  }
  std::sort(list.begin(), list.end(),
            [](const auto& a, const auto& b) { return a.first.first < b.first.first; });
  return list;
}

// ---- What: the outcome of one probe pair on one side -----------------------------------------

// The record a probe pair meets first among those a range can reach, if any.
std::optional<size_t> FirstMatch(const HbaFile& file, const std::vector<size_t>& rules,
                                 const Probe& database, const Probe& user, Regexes& regexes) {
  for (size_t index : rules) {
    const HbaRule& rule = file.rules[index];
    if (DatabaseMatches(rule.databases, database, user, regexes) &&
        UserMatches(rule.users, user, regexes)) {
      return index;
    }
  }
  return std::nullopt;
}

int Strength(const HbaRule& rule) {
  return MethodStrength(rule.method) * 3 + static_cast<int>(rule.clientcert);
}

std::string TokensText(const TokenList& tokens) {
  std::string text;
  for (const Token& token : tokens) text += (text.empty() ? "" : ",") + TokenText(token);
  return text;
}

// What a record says, whatever its line: two records with the same content decide alike.
std::string ContentKey(const HbaRule& rule) {
  std::string key = std::string(ConnectionTypeName(rule.type)) + " " + TokensText(rule.databases) +
                    " " + TokensText(rule.users) + " ";
  if (const auto* network = std::get_if<IpNetwork>(&rule.address)) {
    key += FormatIpAddress(network->address) + "/" + FormatIpAddress(network->mask);
  } else if (const auto* symbolic = std::get_if<SymbolicAddress>(&rule.address)) {
    key += symbolic->text;
  }
  key += " " + std::string(AuthMethodName(rule.method));
  for (const Option& option : rule.options) key += " " + option.name + "=" + option.value;
  return key;
}

DecidingRecord Deciding(const HbaRule& rule) {
  DecidingRecord record{*rule.location.file, rule.location.line,
                        std::string(AuthMethodName(rule.method)), ""};
  if (rule.clientcert != ClientCert::kOff) record.clientcert = ClientCertName(rule.clientcert);
  return record;
}

// ---- Grouping: one statement per change, deciding records and who ---------------------------

struct GroupKey {
  ConnectionKind connection;
  AccessChangeKind change;
  std::string address_label;  // symbolic records only
  std::optional<size_t> base;
  std::optional<size_t> head;
  auto operator<=>(const GroupKey&) const = default;
};

struct Group {
  // Per interval (by its position in the sweep): the probe pairs this change concerns there.
  std::map<size_t, std::set<std::pair<Probe, Probe>>> pairs;
  std::map<size_t, std::optional<IpRange>> ranges;
};

struct Interval {
  std::optional<IpRange> range;
  size_t probe_pairs = 0;  // how many probe pairs the interval was looked at with
  std::set<std::string> databases;  // the labels of its probes
  std::set<std::string> users;
};

class Differ {
 public:
  Differ(const HbaFile& base, const HbaFile& head)
      : base_(base),
        head_(head),
        base_map_(AnalyzeAccess(base, LocalNetworks{})),
        head_map_(AnalyzeAccess(head, LocalNetworks{})) {}

  AccessDiff Run() {
    for (ConnectionKind kind : {ConnectionKind::kTcpPlaintext, ConnectionKind::kTcpTls,
                                ConnectionKind::kTcpGssEnc}) {
      for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) Sweep({kind, family});
    }
    CompareUnaddressed();
    AccessDiff diff;
    diff.base_loads = base_map_.file_loads;
    diff.head_loads = head_map_.file_loads;
    for (const auto& [key, group] : groups_) Emit(key, group, diff.changes);
    return diff;
  }

 private:
  // Walks both partitions of one address space at once: each interval lies in one range of each.
  void Sweep(const Space& space) {
    const RangeList base = RangesOf(base_map_, space), head = RangesOf(head_map_, space);
    size_t b = 0, h = 0;
    while (b < base.size() && h < head.size()) {
      const IpAddress low = std::max(base[b].first.first, head[h].first.first);
      const IpAddress high = std::min(base[b].first.last, head[h].first.last);
      Compare(space.kind, "", IpRange{low, high}, base_map_.ranges[base[b].second].rules,
              head_map_.ranges[head[h].second].rules);
      if (base[b].first.last == high) ++b;
      if (head[h].first.last == high) ++h;
    }
  }

  // Local connections (one point), and host-name and samehost/samenet records (their own
  // entries: pgward cannot say which addresses they stand for).
  void CompareUnaddressed() {
    std::map<std::pair<ConnectionKind, std::string>, std::pair<std::vector<size_t>, std::vector<size_t>>>
        entries;
    for (const AccessRange& range : base_map_.ranges) {
      if (!range.range) {
        auto& rules = entries[{range.kind, range.label}].first;
        rules.insert(rules.end(), range.rules.begin(), range.rules.end());
      }
    }
    for (const AccessRange& range : head_map_.ranges) {
      if (!range.range) {
        auto& rules = entries[{range.kind, range.label}].second;
        rules.insert(rules.end(), range.rules.begin(), range.rules.end());
      }
    }
    for (const auto& [key, rules] : entries) {
      const auto& [kind, label] = key;
      Compare(kind, kind == ConnectionKind::kLocal ? "" : label, std::nullopt, rules.first,
              rules.second);
    }
  }

  void Compare(ConnectionKind kind, const std::string& label, const std::optional<IpRange>& range,
               const std::vector<size_t>& base_rules, const std::vector<size_t>& head_rules) {
    if (SameContent(base_rules, head_rules)) return;
    const std::vector<std::pair<Probe, Probe>> probes = ProbePairs(base_rules, head_rules);
    const size_t interval = intervals_.size();
    Interval& looked_at = intervals_.emplace_back(Interval{range, probes.size(), {}, {}});
    for (const auto& [database, user] : probes) {
      looked_at.databases.insert(database.Label());
      looked_at.users.insert(user.Label());
    }
    for (const auto& [database, user] : probes) {
      const std::optional<size_t> before =
          FirstMatch(base_, base_rules, database, user, regexes_);
      const std::optional<size_t> after = FirstMatch(head_, head_rules, database, user, regexes_);
      const std::optional<AccessChangeKind> change = Classify(before, after);
      if (!change) continue;
      Group& group = groups_[GroupKey{kind, *change, label, before, after}];
      group.pairs[interval].insert({database, user});
      group.ranges[interval] = range;
    }
  }

  bool SameContent(const std::vector<size_t>& base_rules,
                   const std::vector<size_t>& head_rules) {
    if (base_rules.size() != head_rules.size()) return false;
    for (size_t i = 0; i < base_rules.size(); ++i) {
      if (BaseKey(base_rules[i]) != HeadKey(head_rules[i])) return false;
    }
    return true;
  }

  const std::string& BaseKey(size_t rule) { return Key(base_keys_, base_, rule); }
  const std::string& HeadKey(size_t rule) { return Key(head_keys_, head_, rule); }
  static const std::string& Key(std::map<size_t, std::string>& keys, const HbaFile& file,
                                size_t rule) {
    auto [it, added] = keys.try_emplace(rule);
    if (added) it->second = ContentKey(file.rules[rule]);
    return it->second;
  }

  // The probe pairs of the records on either side: each record's own pairs, each name against
  // anyone else, and every pairing while their number stays small.
  std::vector<std::pair<Probe, Probe>> ProbePairs(const std::vector<size_t>& base_rules,
                                                  const std::vector<size_t>& head_rules) const {
    std::set<Probe> databases{{Kind::kOther, ""}}, users{{Kind::kOther, ""}};
    std::set<std::pair<Probe, Probe>> pairs;
    const auto collect = [&](const HbaFile& file, const std::vector<size_t>& rules) {
      for (size_t index : rules) {
        const HbaRule& rule = file.rules[index];
        for (const Token& database_token : rule.databases) {
          const Probe database = DatabaseProbe(database_token);
          databases.insert(database);
          for (const Token& user_token : rule.users) {
            const Probe user = UserProbe(user_token);
            users.insert(user);
            pairs.insert({database, user});
          }
        }
      }
    };
    collect(base_, base_rules);
    collect(head_, head_rules);
    constexpr size_t kFullPairing = 1024;
    if (databases.size() * users.size() <= kFullPairing) {
      for (const Probe& database : databases) {
        for (const Probe& user : users) pairs.insert({database, user});
      }
    } else {
      for (const Probe& database : databases) pairs.insert({database, {Kind::kOther, ""}});
      for (const Probe& user : users) pairs.insert({{Kind::kOther, ""}, user});
    }
    return {pairs.begin(), pairs.end()};
  }

  std::optional<AccessChangeKind> Classify(std::optional<size_t> before,
                                           std::optional<size_t> after) {
    const auto accepts = [](const HbaFile& file, std::optional<size_t> rule) {
      return rule && file.rules[*rule].method != AuthMethod::kReject;
    };
    const bool was = accepts(base_, before), is = accepts(head_, after);
    if (!was && !is) return std::nullopt;
    if (!was) return AccessChangeKind::kOpened;
    if (!is) return AccessChangeKind::kClosed;
    const int old_strength = Strength(base_.rules[*before]);
    const int new_strength = Strength(head_.rules[*after]);
    if (new_strength < old_strength) return AccessChangeKind::kWeakened;
    if (new_strength > old_strength) return AccessChangeKind::kStrengthened;
    if (BaseKey(*before) != HeadKey(*after)) return AccessChangeKind::kMoved;
    return std::nullopt;
  }

  // One statement when the change concerns every probe pair wherever it happens ("all"), else
  // one per database, users together, ranges merged.
  void Emit(const GroupKey& key, const Group& group, std::vector<AccessChange>& out) const {
    AccessChange change;
    change.kind = key.change;
    change.connection = key.connection;
    change.address_label = key.address_label;
    if (key.base) change.base = Deciding(base_.rules[*key.base]);
    if (key.head) change.head = Deciding(head_.rules[*key.head]);

    const bool everyone = std::all_of(group.pairs.begin(), group.pairs.end(), [&](const auto& entry) {
      return entry.second.size() == intervals_[entry.first].probe_pairs;
    });
    if (everyone) {
      AccessChange all = change;
      all.databases = {"all"};
      all.users = {"all"};
      all.ranges = Merge(group.ranges, [](size_t) { return true; });
      out.push_back(std::move(all));
      return;
    }
    // Who -> where.
    std::map<std::pair<std::string, std::string>, std::set<size_t>> where;
    for (const auto& [interval, pairs] : group.pairs) {
      for (const auto& [database, user] : pairs) {
        where[{database.Label(), user.Label()}].insert(interval);
      }
    }
    // Users side by side when a database has the same ranges for them.
    std::map<std::pair<std::string, std::set<size_t>>, std::vector<std::string>> by_database;
    for (const auto& [who, intervals] : where) {
      by_database[{who.first, intervals}].push_back(who.second);
    }
    std::map<std::pair<std::vector<std::string>, std::set<size_t>>, std::vector<std::string>>
        statements;
    for (const auto& [database_where, users] : by_database) {
      statements[{users, database_where.second}].push_back(database_where.first);
    }
    for (const auto& [users_where, databases] : statements) {
      AccessChange statement = change;
      const std::set<size_t>& intervals = users_where.second;
      // "all" when the statement names every database (user) the records tell apart there.
      const auto every = [&](const std::vector<std::string>& labels,
                             std::set<std::string> Interval::*probed) {
        const std::set<std::string> named(labels.begin(), labels.end());
        return std::all_of(intervals.begin(), intervals.end(), [&](size_t interval) {
          return std::includes(named.begin(), named.end(), (intervals_[interval].*probed).begin(),
                               (intervals_[interval].*probed).end());
        });
      };
      statement.databases =
          every(databases, &Interval::databases) ? std::vector<std::string>{"all"} : databases;
      statement.users = every(users_where.first, &Interval::users)
                            ? std::vector<std::string>{"all"}
                            : users_where.first;
      statement.ranges =
          Merge(group.ranges, [&](size_t interval) { return intervals.contains(interval); });
      out.push_back(std::move(statement));
    }
  }

  // The ranges of the chosen intervals, adjacent ones joined.
  template <typename Chosen>
  static std::vector<IpRange> Merge(const std::map<size_t, std::optional<IpRange>>& ranges,
                                    Chosen chosen) {
    std::vector<IpRange> merged;
    for (const auto& [interval, range] : ranges) {
      if (!range || !chosen(interval)) continue;
      if (!merged.empty() && merged.back().last.family == range->first.family &&
          NextAddress(merged.back().last) == range->first) {
        merged.back().last = range->last;
      } else {
        merged.push_back(*range);
      }
    }
    return merged;
  }

  const HbaFile& base_;
  const HbaFile& head_;
  const AccessMap base_map_;
  const AccessMap head_map_;
  Regexes regexes_;
  std::map<size_t, std::string> base_keys_, head_keys_;
  std::vector<Interval> intervals_;
  std::map<GroupKey, Group> groups_;
};

}  // namespace

std::string_view AccessChangeKindName(AccessChangeKind kind) {
  switch (kind) {
    case AccessChangeKind::kOpened:
      return "opened";
    case AccessChangeKind::kClosed:
      return "closed";
    case AccessChangeKind::kWeakened:
      return "weakened";
    case AccessChangeKind::kStrengthened:
      return "strengthened";
    case AccessChangeKind::kMoved:
      return "moved";
  }
  return "";
}

int MethodStrength(AuthMethod method) {
  switch (method) {
    case AuthMethod::kTrust:
      return 0;
    case AuthMethod::kPassword:
    case AuthMethod::kLdap:
    case AuthMethod::kRadius:
    case AuthMethod::kPam:
    case AuthMethod::kBsd:
    case AuthMethod::kIdent:
      return 1;
    case AuthMethod::kMd5:
      return 2;
    case AuthMethod::kScramSha256:
    case AuthMethod::kPeer:
    case AuthMethod::kGss:
    case AuthMethod::kSspi:
    case AuthMethod::kOAuth:
      return 3;
    case AuthMethod::kCert:
      return 4;
    case AuthMethod::kReject:
      return 5;
  }
  return 0;
}

AccessDiff DiffAccess(const HbaFile& base, const HbaFile& head) {
  return Differ(base, head).Run();
}

}  // namespace pgward::hba
