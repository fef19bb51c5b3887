#include "engine/model/collection.h"

namespace pgward {

std::vector<std::string> Evidence::Targets() const {
  std::vector<std::string> targets;
  targets.reserve(servers.size());
  for (const ServerEvidence& server : servers) targets.push_back(server.name);
  return targets;
}

std::vector<EvidenceError> Evidence::Errors() const {
  std::vector<EvidenceError> errors;
  for (const ServerEvidence& server : servers) {
    errors.insert(errors.end(), server.errors.begin(), server.errors.end());
  }
  return errors;
}

std::array<size_t, kFactKindCount> TableSizes(const FactSet& facts) {
  std::array<size_t, kFactKindCount> sizes{};
  for (size_t kind = 0; kind < kFactKindCount; ++kind) {
    sizes[kind] = facts.table(static_cast<FactKind>(kind)).size();
  }
  return sizes;
}

void DropRowsSince(const std::array<size_t, kFactKindCount>& before, FactSet& facts) {
  for (size_t kind = 0; kind < kFactKindCount; ++kind) {
    facts.table(static_cast<FactKind>(kind)).Truncate(before[kind]);
  }
}

std::array<RowRange, kFactKindCount> RowsSince(const std::array<size_t, kFactKindCount>& before,
                                               const FactSet& facts) {
  std::array<RowRange, kFactKindCount> rows{};
  for (size_t kind = 0; kind < kFactKindCount; ++kind) {
    rows[kind] = {before[kind], facts.table(static_cast<FactKind>(kind)).size()};
  }
  return rows;
}

}  // namespace pgward
