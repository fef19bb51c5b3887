#pragma once

// crypto-inventory.json and crypto-inventory.csv of an evidence bundle (PCI DSS 4.2.1.1 and
// 12.3.3): the certificates, protocols and suites of a run (BuildCryptoInventory).

#include <iosfwd>

#include "engine/findings/crypto_inventory.h"

namespace pgward::reporters {

void WriteCryptoInventoryJson(const CryptoInventory& inventory, std::ostream& out);

// One row per certificate, protocol and suite, a `kind` column telling which: RFC 4180, and a
// value a spreadsheet would take for a formula (=, +, -, @ first) starts with a quote.
void WriteCryptoInventoryCsv(const CryptoInventory& inventory, std::ostream& out);

}  // namespace pgward::reporters
