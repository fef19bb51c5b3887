#pragma once

// The roles whose login matters most, with the groups each belongs to (what `+group` in
// pg_hba.conf and pg_ident.conf tests): the roles that may log in and are superusers, have
// REPLICATION (which copies every row), or can become a superuser or run server programs or
// touch server files through their memberships (SET ROLE). Read from a server's pg_roles and
// pg_auth_members, or assumed for a file reviewed offline.

#include <string>
#include <vector>

namespace pgward {

struct PrivilegedRole {
  std::string name;
  // Groups it is a member of, directly or through other groups (is_member_of_role_nosuper: a
  // superuser is not a member of every group).
  std::vector<std::string> member_of;
};

using PrivilegedRoles = std::vector<PrivilegedRole>;

// For a file without its server: postgres, the superuser initdb creates in Debian's, the
// PGDG packages' and the official images' clusters, in no group.
inline PrivilegedRoles AssumedPrivilegedRoles() { return {PrivilegedRole{"postgres", {}}}; }

}  // namespace pgward
