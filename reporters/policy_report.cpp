#include "reporters/policy_report.h"

#include <algorithm>

#include "reporters/printable.h"

namespace pgward::reporters {
namespace {

std::string Padded(const std::string& text, size_t width) {
  return text + std::string(width > text.size() ? width - text.size() : 0, ' ');
}

}  // namespace

// Policy files are user input: every text from them is made printable.
void WritePackListing(const PackListing& listing, std::ostream& out) {
  out << "pack " << Printable(listing.name) << " " << Printable(listing.version) << ": "
      << Printable(listing.description) << "\n";
  out << "packs: ";
  for (size_t i = 0; i < listing.packs.size(); ++i) {
    out << (i ? ", " : "") << Printable(listing.packs[i]);
  }
  out << "\n\n";
  size_t id_width = 2, target_width = 6;
  for (const RuleInfo& rule : listing.rules) {
    id_width = std::max(id_width, Printable(rule.id).size());
    target_width = std::max(target_width, rule.target.size());
  }
  for (const RuleInfo& rule : listing.rules) {
    std::string compliance;
    for (const auto& [framework, ids] : rule.compliance) {
      compliance += (compliance.empty() ? "" : "; ") + framework + " ";
      for (size_t i = 0; i < ids.size(); ++i) compliance += (i ? "," : "") + ids[i];
    }
    out << Padded(Printable(rule.id), id_width + 2)
        << Padded(std::string(SeverityName(rule.severity)), 10)
        << Padded(rule.target, target_width + 2) << Printable(rule.title)
        << (compliance.empty() ? "" : "  [" + Printable(compliance) + "]") << "\n";
  }
  out << "\nparameters (tune with --set NAME=VALUE or --values FILE):\n";
  for (const PackListing::Parameter& parameter : listing.parameters) {
    out << "  " << Printable(parameter.name) << " (" << parameter.type
        << ") = " << Printable(parameter.value) << "\n";
  }
}

void WriteLintSuccess(const std::string& file, size_t rules, std::ostream& out) {
  out << Printable(file) << ": ok, " << rules << " rule(s)\n";
}

void WritePolicyTestListing(const PolicyTestListing& listing, std::ostream& out) {
  size_t passed = 0, failed = 0;
  for (const PolicyTestListing::Case& test : listing.cases) {
    if (test.passed) {
      ++passed;
      out << "ok    " << Printable(test.rule_id) << "  " << Printable(test.name) << "\n";
    } else {
      ++failed;
      out << "FAIL  " << Printable(test.rule_id) << "  " << Printable(test.name) << " ("
          << Printable(test.location) << "): " << Printable(test.detail) << "\n";
    }
  }
  out << "policy tests: " << passed << " passed, " << failed << " failed, " << listing.errors
      << " error(s)\n";
}

}  // namespace pgward::reporters
