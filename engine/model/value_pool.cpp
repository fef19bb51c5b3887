#include "engine/model/value_pool.h"

#include <atomic>

namespace pgward {

ValuePool::ValuePool() {
  static std::atomic<std::uint64_t> next_serial{1};
  serial_ = next_serial.fetch_add(1, std::memory_order_relaxed);
  // Slot 0 of every kind is the absent value, so that ids index the vectors directly.
  strings_.emplace_back();
  addresses_.emplace_back();
  ranges_.emplace_back();
  lists_.emplace_back();
}

ValueId ValuePool::InternString(std::string_view text) {
  if (auto found = string_ids_.find(text); found != string_ids_.end()) return found->second;
  const std::string_view stored = string_storage_.emplace_back(text);
  const auto id = static_cast<ValueId>(strings_.size());
  strings_.push_back(stored);
  string_ids_.emplace(stored, id);
  return id;
}

ValueId ValuePool::InternAddress(const IpAddress& address) {
  const auto [it, inserted] =
      address_ids_.try_emplace(address, static_cast<ValueId>(addresses_.size()));
  if (inserted) addresses_.push_back(address);
  return it->second;
}

ValueId ValuePool::InternRange(const IpRange& range) {
  const auto [it, inserted] = range_ids_.try_emplace(range, static_cast<ValueId>(ranges_.size()));
  if (inserted) ranges_.push_back(range);
  return it->second;
}

ValueId ValuePool::InternList(std::span<const ValueId> strings) {
  std::vector<ValueId> key(strings.begin(), strings.end());
  if (auto found = list_ids_.find(key); found != list_ids_.end()) return found->second;
  const auto id = static_cast<ValueId>(lists_.size());
  lists_.push_back(key);
  list_ids_.emplace(std::move(key), id);
  return id;
}

size_t ValuePool::AddressHash::operator()(const IpAddress& address) const {
  // FNV-1a over the family and the bytes in use.
  std::uint64_t hash = 0xcbf29ce484222325ull ^ static_cast<std::uint64_t>(address.family);
  for (size_t i = 0; i < address.size(); ++i) {
    hash = (hash ^ address.bytes[i]) * 0x100000001b3ull;
  }
  return static_cast<size_t>(hash);
}

size_t ValuePool::RangeHash::operator()(const IpRange& range) const {
  const AddressHash address;
  return address(range.first) * 31 ^ address(range.last);
}

size_t ValuePool::ListHash::operator()(const std::vector<ValueId>& list) const {
  size_t hash = list.size();
  for (ValueId id : list) hash = hash * 1000003u ^ id;
  return hash;
}

}  // namespace pgward
