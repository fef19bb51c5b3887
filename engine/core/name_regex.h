#pragma once

// The regular expression of a name field (pg_hba.conf's databases and users from PostgreSQL 16,
// pg_ident.conf's names): the text after its '/', PostgreSQL's ARE, which the server searches
// for in a name, unanchored. pgward reads it with RE2, the one way every check does:
// - ARE's directors as the server reads them: "***=" makes the rest a literal, "***:" says ARE,
//   which these already are.
// - ARE's word boundaries \m, \M and \y as RE2's \b, and \Y as \B: \b also holds where \m or \M
//   would not, so a name may be found that the server would not find, never the other way.
// - What RE2 cannot read (back references, lookahead, ARE's x and other options) is unknown:
//   each check says which way it fails closed.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace pgward {

class NameRegex {
 public:
  explicit NameRegex(std::string_view pattern);
  ~NameRegex();
  NameRegex(NameRegex&&) noexcept;
  NameRegex& operator=(NameRegex&&) noexcept;

  // Whether the server finds the expression in `name`; nullopt when RE2 cannot read it.
  std::optional<bool> Finds(std::string_view name) const;

 private:
  std::optional<std::string> literal_;  // after "***="
  std::unique_ptr<re2::RE2> regex_;
};

}  // namespace pgward
