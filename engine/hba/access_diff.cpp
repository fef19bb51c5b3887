#include "engine/hba/access_diff.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>

#include "engine/core/name_regex.h"
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

// Regular expressions compiled once per diff (a file repeats the same few). One RE2 cannot read
// is taken to find the name: the diff then shows what its line may open or close, rather than
// leave out a change the server makes.
class Regexes {
 public:
  bool Matches(const Token& token, const std::string& value) {
    auto found = compiled_.find(token.text);
    if (found == compiled_.end()) {
      found =
          compiled_.emplace(token.text, NameRegex(std::string_view(token.text).substr(1))).first;
    }
    return found->second.Finds(value).value_or(true);
  }

 private:
  std::map<std::string, NameRegex> compiled_;
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

// Probes are interned: pairs, sets and maps of them hold integers.
using ProbeId = std::uint32_t;
using ProbePair = std::uint64_t;  // database id << 32 | user id

constexpr ProbePair Pair(ProbeId database, ProbeId user) {
  return (ProbePair{database} << 32) | user;
}
constexpr ProbeId DatabaseOf(ProbePair pair) { return static_cast<ProbeId>(pair >> 32); }
constexpr ProbeId UserOf(ProbePair pair) { return static_cast<ProbeId>(pair & 0xffffffffu); }

struct Group {
  // Per interval (by its position in the sweep): the probe pairs this change concerns there.
  std::map<size_t, std::vector<ProbePair>> pairs;
};

struct Interval {
  std::optional<IpRange> range;
  size_t probe_pairs = 0;          // how many probe pairs the interval was looked at with
  std::vector<ProbeId> databases;  // its probes, sorted
  std::vector<ProbeId> users;
};

// One side's records with their probes, computed once per record.
struct Side {
  const HbaFile& file;
  const AccessMap& map;
  std::vector<std::optional<std::string>> keys;  // ContentKey, by rule index
  std::vector<std::optional<std::pair<std::vector<ProbeId>, std::vector<ProbeId>>>> probes;

  Side(const HbaFile& file, const AccessMap& map)
      : file(file), map(map), keys(file.rules.size()), probes(file.rules.size()) {}

  const std::string& Key(size_t rule) {
    if (!keys[rule]) keys[rule] = ContentKey(file.rules[rule]);
    return *keys[rule];
  }
};

class Differ {
 public:
  Differ(Side base, Side head) : base_(std::move(base)), head_(std::move(head)) {
    other_ = Intern({Kind::kOther, ""});
  }

  AccessDiff Run() {
    for (ConnectionKind kind :
         {ConnectionKind::kTcpPlaintext, ConnectionKind::kTcpTls, ConnectionKind::kTcpGssEnc}) {
      for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) Sweep({kind, family});
    }
    CompareUnaddressed();
    AccessDiff diff;
    diff.base_loads = base_.map.file_loads;
    diff.head_loads = head_.map.file_loads;
    for (const auto& [key, group] : groups_) Emit(key, group, diff.changes);
    return diff;
  }

 private:
  ProbeId Intern(const Probe& probe) {
    const auto [it, added] = probe_ids_.try_emplace(probe, static_cast<ProbeId>(probes_.size()));
    if (added) probes_.push_back(probe);
    return it->second;
  }

  // A record's database and user probes.
  const std::pair<std::vector<ProbeId>, std::vector<ProbeId>>& ProbesOf(Side& side, size_t rule) {
    auto& probes = side.probes[rule];
    if (!probes) {
      probes.emplace();
      const HbaRule& record = side.file.rules[rule];
      for (const Token& token : record.databases)
        probes->first.push_back(Intern(DatabaseProbe(token)));
      for (const Token& token : record.users) probes->second.push_back(Intern(UserProbe(token)));
    }
    return *probes;
  }

  // Walks both partitions of one address space at once: each interval lies in one range of each.
  void Sweep(const Space& space) {
    const RangeList base = RangesOf(base_.map, space), head = RangesOf(head_.map, space);
    size_t b = 0, h = 0;
    while (b < base.size() && h < head.size()) {
      const IpAddress low = std::max(base[b].first.first, head[h].first.first);
      const IpAddress high = std::min(base[b].first.last, head[h].first.last);
      Compare(space.kind, "", IpRange{low, high}, base_.map.ranges[base[b].second].rules,
              head_.map.ranges[head[h].second].rules);
      if (base[b].first.last == high) ++b;
      if (head[h].first.last == high) ++h;
    }
  }

  // Local connections (one point), and host-name and samehost/samenet records (their own
  // entries: pgward cannot say which addresses they stand for).
  void CompareUnaddressed() {
    std::map<std::pair<ConnectionKind, std::string>,
             std::pair<std::vector<size_t>, std::vector<size_t>>>
        entries;
    for (const AccessRange& range : base_.map.ranges) {
      if (!range.range) {
        auto& rules = entries[{range.kind, range.label}].first;
        rules.insert(rules.end(), range.rules.begin(), range.rules.end());
      }
    }
    for (const AccessRange& range : head_.map.ranges) {
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
    Interval looked_at{range, 0, {other_}, {other_}};
    std::vector<ProbePair> pairs;
    const auto collect = [&](Side& side, const std::vector<size_t>& rules) {
      for (size_t index : rules) {
        const auto& [databases, users] = ProbesOf(side, index);
        looked_at.databases.insert(looked_at.databases.end(), databases.begin(), databases.end());
        looked_at.users.insert(looked_at.users.end(), users.begin(), users.end());
        for (ProbeId database : databases) {
          for (ProbeId user : users) pairs.push_back(Pair(database, user));
        }
      }
    };
    collect(base_, base_rules);
    collect(head_, head_rules);
    for (std::vector<ProbeId>* ids : {&looked_at.databases, &looked_at.users}) {
      std::sort(ids->begin(), ids->end());
      ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
    }
    // Each record's own pairs, each name against anyone else, and every pairing while their
    // number stays small.
    constexpr size_t kFullPairing = 1024;
    const bool full = looked_at.databases.size() * looked_at.users.size() <= kFullPairing;
    for (ProbeId database : looked_at.databases) {
      if (full) {
        for (ProbeId user : looked_at.users) pairs.push_back(Pair(database, user));
      } else {
        pairs.push_back(Pair(database, other_));
      }
    }
    if (!full) {
      for (ProbeId user : looked_at.users) pairs.push_back(Pair(other_, user));
    }
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    looked_at.probe_pairs = pairs.size();

    const size_t interval = intervals_.size();
    intervals_.push_back(std::move(looked_at));
    for (const ProbePair pair : pairs) {
      const Probe& database = probes_[DatabaseOf(pair)];
      const Probe& user = probes_[UserOf(pair)];
      const std::optional<size_t> before =
          FirstMatch(base_.file, base_rules, database, user, regexes_);
      const std::optional<size_t> after =
          FirstMatch(head_.file, head_rules, database, user, regexes_);
      const std::optional<AccessChangeKind> change = Classify(before, after);
      if (!change) continue;
      groups_[GroupKey{kind, *change, label, before, after}].pairs[interval].push_back(pair);
    }
  }

  bool SameContent(const std::vector<size_t>& base_rules, const std::vector<size_t>& head_rules) {
    if (base_rules.size() != head_rules.size()) return false;
    for (size_t i = 0; i < base_rules.size(); ++i) {
      if (base_.Key(base_rules[i]) != head_.Key(head_rules[i])) return false;
    }
    return true;
  }

  std::optional<AccessChangeKind> Classify(std::optional<size_t> before,
                                           std::optional<size_t> after) {
    const auto accepts = [](const HbaFile& file, std::optional<size_t> rule) {
      return rule && file.rules[*rule].method != AuthMethod::kReject;
    };
    const bool was = accepts(base_.file, before), is = accepts(head_.file, after);
    if (!was && !is) return std::nullopt;
    if (!was) return AccessChangeKind::kOpened;
    if (!is) return AccessChangeKind::kClosed;
    const int old_strength = Strength(base_.file.rules[*before]);
    const int new_strength = Strength(head_.file.rules[*after]);
    if (new_strength < old_strength) return AccessChangeKind::kWeakened;
    if (new_strength > old_strength) return AccessChangeKind::kStrengthened;
    if (base_.Key(*before) != head_.Key(*after)) return AccessChangeKind::kMoved;
    return std::nullopt;
  }

  std::vector<std::string> Labels(const std::vector<ProbeId>& ids) const {
    std::vector<std::string> labels;
    for (ProbeId id : ids) labels.push_back(probes_[id].Label());
    std::sort(labels.begin(), labels.end());
    return labels;
  }

  // One statement when the change concerns every probe pair wherever it happens ("all"), else
  // one per database, users together, ranges merged.
  void Emit(const GroupKey& key, const Group& group, std::vector<AccessChange>& out) const {
    AccessChange change;
    change.kind = key.change;
    change.connection = key.connection;
    change.address_label = key.address_label;
    if (key.base) change.base = Deciding(base_.file.rules[*key.base]);
    if (key.head) change.head = Deciding(head_.file.rules[*key.head]);

    const bool everyone =
        std::all_of(group.pairs.begin(), group.pairs.end(), [&](const auto& entry) {
          return entry.second.size() == intervals_[entry.first].probe_pairs;
        });
    if (everyone) {
      std::vector<size_t> intervals;
      for (const auto& [interval, pairs] : group.pairs) intervals.push_back(interval);
      change.databases = {"all"};
      change.users = {"all"};
      change.ranges = Merge(intervals);
      out.push_back(std::move(change));
      return;
    }
    // Who -> where (intervals in sweep order).
    std::map<ProbePair, std::vector<size_t>> where;
    for (const auto& [interval, pairs] : group.pairs) {
      for (const ProbePair pair : pairs) where[pair].push_back(interval);
    }
    // Users side by side when a database has the same intervals for them; then databases side
    // by side when they have the same users there.
    std::map<std::pair<ProbeId, std::vector<size_t>>, std::vector<ProbeId>> by_database;
    for (const auto& [pair, intervals] : where) {
      by_database[{DatabaseOf(pair), intervals}].push_back(UserOf(pair));
    }
    std::map<std::pair<std::vector<ProbeId>, std::vector<size_t>>, std::vector<ProbeId>> statements;
    for (const auto& [database_where, users] : by_database) {
      statements[{users, database_where.second}].push_back(database_where.first);
    }
    for (const auto& [users_where, databases] : statements) {
      AccessChange statement = change;
      const std::vector<size_t>& intervals = users_where.second;
      // "all" when the statement names every database (user) the records tell apart there.
      const auto every = [&](std::vector<ProbeId> ids, std::vector<ProbeId> Interval::*probed) {
        std::sort(ids.begin(), ids.end());
        return std::all_of(intervals.begin(), intervals.end(), [&](size_t interval) {
          const std::vector<ProbeId>& all = intervals_[interval].*probed;
          return std::includes(ids.begin(), ids.end(), all.begin(), all.end());
        });
      };
      statement.databases = every(databases, &Interval::databases) ? std::vector<std::string>{"all"}
                                                                   : Labels(databases);
      statement.users = every(users_where.first, &Interval::users) ? std::vector<std::string>{"all"}
                                                                   : Labels(users_where.first);
      statement.ranges = Merge(intervals);
      out.push_back(std::move(statement));
    }
  }

  // The ranges of the given intervals (in sweep order), adjacent ones joined.
  std::vector<IpRange> Merge(const std::vector<size_t>& intervals) const {
    std::vector<IpRange> merged;
    for (const size_t interval : intervals) {
      const std::optional<IpRange>& range = intervals_[interval].range;
      if (!range) continue;
      if (!merged.empty() && merged.back().last.family == range->first.family &&
          NextAddress(merged.back().last) == range->first) {
        merged.back().last = range->last;
      } else {
        merged.push_back(*range);
      }
    }
    return merged;
  }

  Side base_;
  Side head_;
  std::vector<Probe> probes_;
  std::map<Probe, ProbeId> probe_ids_;
  ProbeId other_ = 0;
  Regexes regexes_;
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

AccessDiff DiffAccess(const HbaFile& base, const AccessMap& base_access, const HbaFile& head,
                      const AccessMap& head_access) {
  return Differ(Side(base, base_access), Side(head, head_access)).Run();
}

}  // namespace pgward::hba
