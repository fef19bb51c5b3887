#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
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
  std::uint64_t serial_;
  struct ListHash {
    size_t operator()(const std::vector<ValueId>& list) const;
  };
  struct AddressHash {
    size_t operator()(const IpAddress& address) const;
  };
  struct RangeHash {
    size_t operator()(const IpRange& range) const;
  };

  // std::deque keeps elements in place as it grows, so the string_view keys stay valid.
  std::deque<std::string> string_storage_;
  std::vector<std::string_view> strings_;
  std::unordered_map<std::string_view, ValueId> string_ids_;
  std::vector<IpAddress> addresses_;
  std::unordered_map<IpAddress, ValueId, AddressHash> address_ids_;
  std::vector<IpRange> ranges_;
  std::unordered_map<IpRange, ValueId, RangeHash> range_ids_;
  std::vector<std::vector<ValueId>> lists_;
  std::unordered_map<std::vector<ValueId>, ValueId, ListHash> list_ids_;
};

}  // namespace pgward
