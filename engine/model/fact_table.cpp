#include "engine/model/fact_table.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace pgward {

FactTable::FactTable(FactKind kind, ValuePool& pool)
    : spec_(&FactType(kind)), pool_(&pool), columns_(spec_->fields.size()) {}

void FactTable::WrongType(size_t field, FieldType expected) const {
  std::cerr << "pgward: internal error: " << spec_->name << "." << spec_->fields[field].name
            << " is " << FieldTypeName(spec_->fields[field].type) << ", set as "
            << FieldTypeName(expected) << "\n";
  std::abort();
}

void FactTable::NotAPoolId(size_t field) const {
  std::cerr << "pgward: internal error: " << spec_->name << "." << spec_->fields[field].name
            << " is not stored as a pool id\n";
  std::abort();
}

namespace {

// The value of a column's row that has none.
std::int64_t AbsentIn(const std::vector<std::int64_t>&) { return FactTable::kAbsentInteger; }
ValueId AbsentIn(const std::vector<ValueId>&) { return kAbsent; }

}  // namespace

template <typename Apply>
void FactTable::ForEachColumn(Apply apply) {
  for (size_t field = 0; field < columns_.size(); ++field) {
    if (StoresIntegers(field)) {
      apply(columns_[field].integers);
    } else {
      apply(columns_[field].ids);
    }
  }
}

void FactTable::PrefetchRow(size_t row) const {
  if (row >= sources_.size()) return;
  for (size_t field = 0; field < columns_.size(); ++field) {
    if (StoresIntegers(field)) {
      __builtin_prefetch(columns_[field].integers.data() + row);
    } else {
      __builtin_prefetch(columns_[field].ids.data() + row);
    }
  }
}

size_t FactTable::AppendRow(FactSource source) {
  ForEachColumn([](auto& values) { values.push_back(AbsentIn(values)); });
  sources_.push_back(source);
  return sources_.size() - 1;
}

void FactTable::Reserve(size_t rows) {
  const size_t needed = sources_.size() + rows;
  if (needed <= sources_.capacity()) return;
  // Never less than doubling: many small inputs (a fleet's hba files) each reserving exactly
  // what they add would copy the columns once per input.
  const size_t capacity = std::max(needed, 2 * sources_.capacity());
  ForEachColumn([capacity](auto& values) { values.reserve(capacity); });
  sources_.reserve(capacity);
}

void FactTable::Truncate(size_t rows) {
  if (rows >= sources_.size()) return;
  ForEachColumn([rows](auto& values) { values.resize(rows); });
  sources_.resize(rows);
}

void FactTable::SetString(size_t row, size_t field, std::string_view value) {
  Check(field, FieldType::kString);
  columns_[field].ids[row] = pool_->InternString(value);
}

void FactTable::SetTlsVersion(size_t row, size_t field, TlsVersion value) {
  Check(field, FieldType::kTlsVersion);
  columns_[field].ids[row] = static_cast<ValueId>(value);
}

void FactTable::SetAddress(size_t row, size_t field, const IpAddress& value) {
  Check(field, FieldType::kAddress);
  columns_[field].ids[row] = pool_->InternAddress(value);
}

void FactTable::SetRange(size_t row, size_t field, const IpRange& value) {
  Check(field, FieldType::kRange);
  columns_[field].ids[row] = pool_->InternRange(value);
}

void FactTable::SetStringList(size_t row, size_t field, std::span<const std::string_view> values) {
  Check(field, FieldType::kStringList);
  std::vector<ValueId> ids;
  ids.reserve(values.size());
  for (std::string_view value : values) ids.push_back(pool_->InternString(value));
  columns_[field].ids[row] = pool_->InternList(ids);
}

void FactTable::SetStringList(size_t row, size_t field, std::span<const std::string> values) {
  const std::vector<std::string_view> views(values.begin(), values.end());
  SetStringList(row, field, views);
}

std::optional<std::int64_t> FactTable::Integer(size_t row, size_t field) const {
  const std::int64_t value = columns_[field].integers[row];
  if (value == kAbsentInteger) return std::nullopt;
  return value;
}

std::optional<bool> FactTable::DecodeBool(ValueId code) {
  if (code == kAbsent) return std::nullopt;
  return code == 2;
}

std::optional<TlsVersion> FactTable::DecodeTls(ValueId code) {
  if (code == kAbsent) return std::nullopt;
  return static_cast<TlsVersion>(code);
}

std::optional<bool> FactTable::Bool(size_t row, size_t field) const {
  return DecodeBool(Id(row, field));
}

std::optional<TlsVersion> FactTable::Tls(size_t row, size_t field) const {
  return DecodeTls(Id(row, field));
}

std::optional<std::string_view> FactTable::String(size_t row, size_t field) const {
  const ValueId id = Id(row, field);
  if (id == kAbsent) return std::nullopt;
  return pool_->String(id);
}

FactSet::FactSet() {
  for (const FactTypeSpec& type : AllFactTypes()) tables_.emplace_back(type.kind, pool_);
}

}  // namespace pgward
