#pragma once

#include <absl/container/flat_hash_set.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "engine/model/ip.h"

namespace pgward {

// Interned values: a fact stores a 32-bit id instead of a string, address, range or list, so
// a million facts repeating a handful of users, ciphers and addresses cost a handful of values,
// and a predicate is evaluated once per distinct value (see engine/policy). Id 0 is SQL NULL.
using ValueId = std::uint32_t;
inline constexpr ValueId kAbsent = 0;

class ValuePool {
 public:
  ValuePool();
  ValuePool(const ValuePool&) = delete;
  ValuePool& operator=(const ValuePool&) = delete;

  ValueId InternString(std::string_view text);
  ValueId InternAddress(const IpAddress& address);
  ValueId InternRange(const IpRange& range);
  // A list of interned strings (order kept: arrays from pg_hba_file_rules are ordered).
  ValueId InternList(std::span<const ValueId> strings);

  std::string_view String(ValueId id) const { return strings_[id]; }
  const IpAddress& Address(ValueId id) const { return addresses_[id]; }
  const IpRange& Range(ValueId id) const { return ranges_[id]; }
  std::span<const ValueId> List(ValueId id) const { return lists_[id]; }

  // Unique among the pools of a process, never reused: what a memo of ids belongs to (a pool's
  // address can be a later pool's, once it is freed).
  std::uint64_t serial() const { return serial_; }

  // How many distinct values of each kind exist, ids included: sizes for memo tables.
  size_t string_count() const { return strings_.size(); }
  size_t address_count() const { return addresses_.size(); }
  size_t range_count() const { return ranges_.size(); }
  size_t list_count() const { return lists_.size(); }

 private:
  // The ids of one kind of value, found by the value they stand for: a hash set of 4-byte ids
  // whose hash and equality read the values from the pool (absl's heterogeneous lookup). A map
  // from value to id would keep a second copy of every value, in a node of its own; a large
  // input interns millions of values.
  template <typename Value>
  struct IdHash {
    using is_transparent = void;
    const std::vector<Value>* values;
    size_t operator()(ValueId id) const { return operator()((*values)[id]); }
    size_t operator()(const Value& value) const;
  };
  template <typename Value>
  struct IdEq {
    using is_transparent = void;
    const std::vector<Value>* values;
    // Only a value not yet in the set gets an id: two ids are two values.
    bool operator()(ValueId a, ValueId b) const { return a == b; }
    bool operator()(ValueId id, const Value& value) const { return Same((*values)[id], value); }
    bool operator()(const Value& value, ValueId id) const { return Same((*values)[id], value); }
    static bool Same(const Value& a, const Value& b);
  };
  template <typename Value>
  class IdSet : public absl::flat_hash_set<ValueId, IdHash<Value>, IdEq<Value>> {
   public:
    explicit IdSet(const std::vector<Value>* values)
        : absl::flat_hash_set<ValueId, IdHash<Value>, IdEq<Value>>(0, IdHash<Value>{values},
                                                                   IdEq<Value>{values}) {}
  };

  // The id of `value`, stored by `store` (which returns it as kept) when it is new.
  template <typename Value, typename Store>
  ValueId Intern(const Value& value, std::vector<Value>& values, IdSet<Value>& ids, Store store);

  // Room for `bytes` bytes in blocks that never move, so that the views of the strings and lists
  // kept there stay valid as the pool grows.
  void* Allocate(size_t bytes, size_t alignment);

  std::uint64_t serial_;
  std::vector<std::unique_ptr<std::byte[]>> blocks_;
  std::byte* free_ = nullptr;
  size_t free_bytes_ = 0;
  std::vector<std::string_view> strings_;
  IdSet<std::string_view> string_ids_{&strings_};
  std::vector<IpAddress> addresses_;
  IdSet<IpAddress> address_ids_{&addresses_};
  std::vector<IpRange> ranges_;
  IdSet<IpRange> range_ids_{&ranges_};
  std::vector<std::span<const ValueId>> lists_;
  IdSet<std::span<const ValueId>> list_ids_{&lists_};
};

}  // namespace pgward
