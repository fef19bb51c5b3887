#include "engine/scan/base_version.h"

#include <filesystem>
#include <memory>

#include "engine/scan/git_base.h"

namespace pgward::scan {
namespace {

// Renames every file of `file` (its rules' locations, which findings and fingerprints use).
template <typename Rename>
void NameFiles(hba::HbaFile& file, Rename rename) {
  std::map<std::string, std::shared_ptr<const std::string>> renamed;
  for (hba::HbaRule& rule : file.rules) {
    std::shared_ptr<const std::string>& name = renamed[*rule.location.file];
    if (!name) name = std::make_shared<const std::string>(rename(*rule.location.file));
    rule.location.file = name;
  }
  file.path = rename(file.path);
}

// `BASE/x.conf` named `HEAD/x.conf`: the base file as the head file, and the files beside it
// (what it includes) as the files beside the head.
void NameAsHead(BaseVersion& base, const std::string& head_path) {
  const std::string base_directory = std::filesystem::path(base.name).parent_path().string();
  const std::string head_directory = std::filesystem::path(head_path).parent_path().string();
  const auto under_head = [&](std::string_view relative) {
    return (head_directory.empty() ? "" : head_directory + "/") + std::string(relative);
  };
  base.as_head = base.file;
  NameFiles(base.as_head, [&](const std::string& file) {
    std::string text = file;
    if (file == base.name) {
      text = head_path;
    } else if (!base_directory.empty() && file.starts_with(base_directory + "/")) {
      text = under_head(std::string_view(file).substr(base_directory.size() + 1));
    } else if (base_directory.empty() && !file.starts_with("/")) {
      text = under_head(file);
    }
    base.own_names.emplace(text, file);
    return text;
  });
}

// The base's pg_ident.conf: the file at `head_ident`'s place relative to `head_path`, beside
// `base_file`, or, when the head has none, the server's default beside it. Where the head's lies
// outside the head file's directory, or the base has no file at its place, the base had no maps
// (the server runs without maps when it cannot open pg_ident.conf): a map the change relies on
// is new, never unchanged, and the head's own file is never taken for the base's. Without a
// file on either side, the maps are unknown on both. Its problems are the head's to report:
// unreadable, it gives no maps.
std::optional<hba::IdentFile> ReadBaseIdent(const std::optional<std::string>& head_ident,
                                            const std::string& head_path,
                                            const std::string& base_file,
                                            const hba::ParseOptions& options) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::path relative = "pg_ident.conf";
  hba::IdentFile none;
  if (head_ident) {
    const fs::path head_directory = fs::absolute(head_path, error).parent_path().lexically_normal();
    relative =
        fs::absolute(*head_ident, error).lexically_normal().lexically_relative(head_directory);
    if (relative.empty() || *relative.begin() == "..") return none;
  }
  const std::string path = (fs::path(base_file).parent_path() / relative).string();
  none.path = path;
  if (!fs::exists(fs::symlink_status(path, error))) {
    return head_ident ? std::optional(none) : std::nullopt;
  }
  return hba::ParseIdentFile(path, options);
}

}  // namespace

std::string BaseVersion::OwnName(const std::string& head_name) const {
  const auto found = own_names.find(head_name);
  return found == own_names.end() ? head_name : found->second;
}

std::variant<BaseVersion, std::string> ReadBaseVersion(const BaseSource& source,
                                                       const std::string& head_path,
                                                       const std::optional<std::string>& head_ident,
                                                       const hba::ParseOptions& options) {
  BaseVersion base;
  if (source.git_revision.empty()) {
    base.name = source.file;
    base.file = hba::ParseHbaFile(source.file, options);
    base.ident = ReadBaseIdent(head_ident, head_path, source.file, options);
  } else {
    std::variant<GitBase, std::string> checkout =
        GitBase::Checkout(source.git_revision, head_path, options.access.include_root);
    if (const std::string* error = std::get_if<std::string>(&checkout)) return *error;
    const GitBase& git = std::get<GitBase>(checkout);
    base.name = git.display_file();
    if (git.file()) {
      hba::ParseOptions base_options = options;
      base_options.access.include_root = git.include_root();
      base.file = hba::ParseHbaFile(*git.file(), base_options);
      base.ident = ReadBaseIdent(head_ident, head_path, *git.file(), base_options);
      // The checkout is removed with `git`: its files are named as the revision's.
      NameFiles(base.file, [&](const std::string& file) { return git.DisplayName(file); });
    } else {
      base.file.path = base.name;
      base.exists = false;
    }
  }
  NameAsHead(base, head_path);
  return base;
}

}  // namespace pgward::scan
