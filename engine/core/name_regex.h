#pragma once

// The regular expression of a name field (pg_hba.conf's databases and users from PostgreSQL 16,
// pg_ident.conf's names): the text after its '/', PostgreSQL's ARE, which the server searches
// for in a name, unanchored. pgward reads it with RE2, the one way every check does, after
// putting ARE's syntax into RE2's where the two differ:
// - the directors: "***=" makes the rest a literal, "***:" says ARE, which these already are;
// - escapes RE2 reads otherwise: \b is a backspace and \B a backslash in ARE, \xhhh takes any
//   number of hex digits, \Z is the end of the name;
// - ARE's word boundaries \m, \M and \y become RE2's \b, and \Y becomes \B: \b also holds where
//   \m or \M would not, so a name may be found that the server would not find, never the other
//   way;
// - '.' matches a newline, as in ARE.
// What RE2 still cannot read (back references, lookahead, ARE's x and other options, \e, \c)
// is unknown: each check says which way it fails closed.

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

  // What a search of `name` took: whether it found the expression, and the text its first
  // parenthesized group took (pg_ident.conf's \1), nullopt when there is no such group or it
  // took no part in the match. nullopt when RE2 cannot read the expression.
  struct Search {
    bool found = false;
    std::optional<std::string> first_group;
  };
  std::optional<Search> SearchIn(std::string_view name) const;

  // How many parenthesized groups the expression has; nullopt when RE2 cannot read it.
  std::optional<int> Groups() const;

 private:
  std::optional<std::string> literal_;  // after "***="
  std::unique_ptr<re2::RE2> regex_;
};

}  // namespace pgward
