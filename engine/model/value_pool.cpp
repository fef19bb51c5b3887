#include "engine/model/value_pool.h"

#include <absl/hash/hash.h>
#include <absl/types/span.h>

#include <algorithm>
#include <atomic>
#include <cstring>

namespace pgward {

// How each kind of value is hashed and compared.

template <>
size_t ValuePool::IdHash<std::string_view>::operator()(const std::string_view& text) const {
  return absl::HashOf(text);
}

template <>
bool ValuePool::IdEq<std::string_view>::Same(const std::string_view& a, const std::string_view& b) {
  return a == b;
}

template <>
size_t ValuePool::IdHash<IpAddress>::operator()(const IpAddress& address) const {
  return absl::HashOf(
      static_cast<int>(address.family),
      std::string_view(reinterpret_cast<const char*>(address.bytes.data()), address.size()));
}

template <>
bool ValuePool::IdEq<IpAddress>::Same(const IpAddress& a, const IpAddress& b) {
  return a == b;
}

template <>
size_t ValuePool::IdHash<IpRange>::operator()(const IpRange& range) const {
  const IdHash<IpAddress> address{nullptr};
  return absl::HashOf(address(range.first), address(range.last));
}

template <>
bool ValuePool::IdEq<IpRange>::Same(const IpRange& a, const IpRange& b) {
  return a == b;
}

template <>
size_t ValuePool::IdHash<std::span<const ValueId>>::operator()(
    const std::span<const ValueId>& list) const {
  return absl::HashOf(absl::Span<const ValueId>(list.data(), list.size()));
}

template <>
bool ValuePool::IdEq<std::span<const ValueId>>::Same(const std::span<const ValueId>& a,
                                                     const std::span<const ValueId>& b) {
  return std::ranges::equal(a, b);
}

ValuePool::ValuePool() {
  static std::atomic<std::uint64_t> next_serial{1};
  serial_ = next_serial.fetch_add(1, std::memory_order_relaxed);
  // Slot 0 of every kind is the absent value, so that ids index the vectors directly; it is in
  // no index, so that no value interns to it.
  strings_.emplace_back();
  addresses_.emplace_back();
  ranges_.emplace_back();
  lists_.emplace_back();
}

template <typename Value, typename Store>
ValueId ValuePool::Intern(const Value& value, std::vector<Value>& values, IdSet<Value>& ids,
                          Store store) {
  // One hash per lookup: the slot a new value takes is the one the lookup found.
  return *ids.lazy_emplace(value, [&](const auto& construct) {
    const auto id = static_cast<ValueId>(values.size());
    values.push_back(store(value));
    construct(id);
  });
}

ValueId ValuePool::InternString(std::string_view text) {
  return Intern(text, strings_, string_ids_, [this](std::string_view text) {
    if (text.empty()) return std::string_view();
    auto* stored = static_cast<char*>(Allocate(text.size(), 1));
    std::memcpy(stored, text.data(), text.size());
    return std::string_view(stored, text.size());
  });
}

ValueId ValuePool::InternAddress(const IpAddress& address) {
  return Intern(address, addresses_, address_ids_, [](const IpAddress& kept) { return kept; });
}

ValueId ValuePool::InternRange(const IpRange& range) {
  return Intern(range, ranges_, range_ids_, [](const IpRange& kept) { return kept; });
}

ValueId ValuePool::InternList(std::span<const ValueId> strings) {
  return Intern(strings, lists_, list_ids_, [this](std::span<const ValueId> list) {
    if (list.empty()) return std::span<const ValueId>();
    auto* stored = static_cast<ValueId*>(Allocate(list.size_bytes(), alignof(ValueId)));
    std::copy(list.begin(), list.end(), stored);
    return std::span<const ValueId>(stored, list.size());
  });
}

void* ValuePool::Allocate(size_t bytes, size_t alignment) {
  constexpr size_t kBlockBytes = 64 * 1024;
  // A large value gets a block of its own, so that the current block's rest is not wasted.
  if (bytes > kBlockBytes / 4) {
    return blocks_.emplace_back(std::make_unique_for_overwrite<std::byte[]>(bytes)).get();
  }
  const size_t padding =
      (alignment - reinterpret_cast<std::uintptr_t>(free_) % alignment) % alignment;
  if (free_ == nullptr || padding + bytes > free_bytes_) {
    free_ = blocks_.emplace_back(std::make_unique_for_overwrite<std::byte[]>(kBlockBytes)).get();
    free_bytes_ = kBlockBytes;
    return Allocate(bytes, alignment);
  }
  std::byte* stored = free_ + padding;
  free_ = stored + bytes;
  free_bytes_ -= padding + bytes;
  return stored;
}

}  // namespace pgward
