#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace pgward::cli {

// `pgward policy list [--pack P]`: the rules of the catalog or of one pack, with parameters.
int RunPolicyList(const std::string& pack, std::ostream& out, std::ostream& err);

// `pgward policy lint FILE...`: loads each policy or pack and reports every error.
// 0 when all load, 2 otherwise.
int RunPolicyLint(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

// `pgward policy test DIR`: runs the PolicyTest files under DIR. 0 when every case passes and
// every rule is covered, 1 when a case fails, 2 when a file cannot be loaded.
int RunPolicyTest(const std::string& directory, std::ostream& out, std::ostream& err);

}  // namespace pgward::cli
