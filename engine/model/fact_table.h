#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "engine/model/fact_schema.h"
#include "engine/model/ip.h"
#include "engine/model/tls_version.h"
#include "engine/model/value_pool.h"

namespace pgward {

// Where a fact's evidence is written down: a pg_hba.conf line, or the inventory or snapshot
// line a live server came from. Absent file: nothing to point at (the finding names the server).
struct FactSource {
  ValueId file = kAbsent;
  int line = 0;
};

// The facts of one kind, stored by column. Every column of a fact type exists; a value that was
// not collected, or is SQL NULL, is absent. Strings, addresses, ranges and lists are ids in the
// shared ValuePool; booleans and TLS versions are small codes; integers and timestamps are
// int64 with a reserved absent value.
class FactTable {
 public:
  FactTable(FactKind kind, ValuePool& pool);

  FactKind kind() const { return spec_->kind; }
  const FactTypeSpec& spec() const { return *spec_; }
  ValuePool& pool() const { return *pool_; }
  size_t size() const { return sources_.size(); }

  // Appends a row with every field absent and returns its index.
  size_t AppendRow(FactSource source = {});
  // Makes room for `rows` more rows at once: a table whose size is known before it is filled
  // grows without copying its columns, and without the unused half that doubling leaves.
  void Reserve(size_t rows);
  // Drops the rows from `rows` on (an input that failed halfway leaves nothing behind).
  void Truncate(size_t rows);
  void SetSource(size_t row, FactSource source) { sources_[row] = source; }

  void SetString(size_t row, size_t field, std::string_view value);
  void SetBool(size_t row, size_t field, bool value) {
    Check(field, FieldType::kBool);
    columns_[field].ids[row] = value ? 2 : 1;
  }
  void SetInteger(size_t row, size_t field, std::int64_t value) {
    Check(field, FieldType::kInteger);
    columns_[field].integers[row] = value;
  }
  void SetTlsVersion(size_t row, size_t field, TlsVersion value);
  void SetAddress(size_t row, size_t field, const IpAddress& value);
  void SetRange(size_t row, size_t field, const IpRange& value);
  void SetStringList(size_t row, size_t field, std::span<const std::string_view> values);
  void SetStringList(size_t row, size_t field, std::span<const std::string> values);
  // A value already interned in this table's pool, of the field's `type` (a string, address,
  // range or list): for a value that many rows share, interned once.
  void SetInterned(size_t row, size_t field, FieldType type, ValueId id) {
    Check(field, type);
    if (type == FieldType::kBool || type == FieldType::kTlsVersion || StoresIntegers(field)) {
      NotAPoolId(field);
    }
    columns_[field].ids[row] = id;
  }

  // The encoded value of an id-stored field: a pool id (strings, addresses, ranges, lists),
  // 1/2 for false/true, 1..4 for TLSv1..TLSv1.3; kAbsent when absent. Predicates memoize on it.
  ValueId Id(size_t row, size_t field) const { return columns_[field].ids[row]; }
  std::optional<std::int64_t> Integer(size_t row, size_t field) const;
  std::optional<bool> Bool(size_t row, size_t field) const;
  std::optional<TlsVersion> Tls(size_t row, size_t field) const;
  std::optional<std::string_view> String(size_t row, size_t field) const;
  const FactSource& source(size_t row) const { return sources_[row]; }
  // Asks the processor to fetch the row's value of every column before they are read: a report
  // reads each finding's row across all the columns of its table, each an array of its own, and
  // waited on memory for a third of its writing.
  void PrefetchRow(size_t row) const;

  static constexpr std::int64_t kAbsentInteger = INT64_MIN;
  static std::optional<bool> DecodeBool(ValueId code);
  static std::optional<TlsVersion> DecodeTls(ValueId code);

 private:
  struct Column {
    std::vector<ValueId> ids;            // every type but integers and timestamps
    std::vector<std::int64_t> integers;  // integers and timestamps
  };
  bool StoresIntegers(size_t field) const {
    const FieldType type = spec_->fields[field].type;
    return type == FieldType::kInteger || type == FieldType::kTimestamp;
  }
  // Inline, with the report of a mismatch out of line: a large input sets millions of values,
  // and the check's call cost more than the value's store.
  void Check(size_t field, FieldType expected) const {
    const FieldType actual = spec_->fields[field].type;
    if (actual != expected &&
        !(expected == FieldType::kInteger && actual == FieldType::kTimestamp)) {
      WrongType(field, expected);
    }
  }
  [[noreturn]] void WrongType(size_t field, FieldType expected) const;
  [[noreturn]] void NotAPoolId(size_t field) const;
  // Calls `apply` with the vector each column keeps its values in: rows are added, reserved and
  // dropped alike in every column, whichever kind of values it holds.
  template <typename Apply>
  void ForEachColumn(Apply apply);

  const FactTypeSpec* spec_;
  ValuePool* pool_;
  std::vector<Column> columns_;
  std::vector<FactSource> sources_;
};

// All facts of one evaluation, one table per kind, sharing one pool.
class FactSet {
 public:
  FactSet();
  FactSet(const FactSet&) = delete;
  FactSet& operator=(const FactSet&) = delete;

  ValuePool& pool() { return pool_; }
  const ValuePool& pool() const { return pool_; }
  FactTable& table(FactKind kind) { return tables_[static_cast<size_t>(kind)]; }
  const FactTable& table(FactKind kind) const { return tables_[static_cast<size_t>(kind)]; }

 private:
  ValuePool pool_;
  std::vector<FactTable> tables_;
};

}  // namespace pgward
