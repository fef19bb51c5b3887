#pragma once

// The base of a pre-merge review: a pg_hba.conf (with what it includes) as it was before the
// change, read from another file or from git. Findings are compared by fingerprint, and a
// fingerprint names its file: the base's records are also given the head's file names, so that
// a finding the change leaves alone is the same finding on both sides.

#include <map>
#include <optional>
#include <string>
#include <variant>

#include "engine/hba/ident.h"
#include "engine/hba/parser.h"

namespace pgward::scan {

struct BaseSource {
  std::string file;          // the base version in another file, or
  std::string git_revision;  // the head file as it is at this revision
};

struct BaseVersion {
  std::string name;      // how reports name the base: its path, or REVISION:path/in/repository
  bool exists = true;    // false: the revision has no such file; the head is a new file
  hba::HbaFile file;     // named as the base names its files: the lines shown to a reviewer
  hba::HbaFile as_head;  // the same records named as the head's files: the fingerprints
  std::map<std::string, std::string> own_names;  // head name -> base name, for each renamed file
  // The base's pg_ident.conf: the file at the head's pg_ident.conf's place beside the base file
  // (the head's own when it lies outside the head file's directory); none when there is none.
  std::optional<hba::IdentFile> ident;

  // The base's own name of a file `as_head` names (unchanged when not renamed).
  std::string OwnName(const std::string& head_name) const;
};

// Reads the base of `head_path` with the head's parse options (an include root given for the
// head applies to the base's checkout as the same directory of the repository), and the base
// of its pg_ident.conf `head_ident`. An error is a usage or input error: a revision git does
// not know, a file outside the repository.
std::variant<BaseVersion, std::string> ReadBaseVersion(const BaseSource& source,
                                                       const std::string& head_path,
                                                       const std::optional<std::string>& head_ident,
                                                       const hba::ParseOptions& options);

}  // namespace pgward::scan
