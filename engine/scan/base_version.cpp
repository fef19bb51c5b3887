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

}  // namespace

std::string BaseVersion::OwnName(const std::string& head_name) const {
  const auto found = own_names.find(head_name);
  return found == own_names.end() ? head_name : found->second;
}

std::variant<BaseVersion, std::string> ReadBaseVersion(const BaseSource& source,
                                                       const std::string& head_path,
                                                       const hba::ParseOptions& options) {
  BaseVersion base;
  if (source.git_revision.empty()) {
    base.name = source.file;
    base.file = hba::ParseHbaFile(source.file, options);
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
