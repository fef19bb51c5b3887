#include "engine/hba/paths.h"

#include <vector>

namespace pgward::hba::internal {
namespace {

// trim_directory(): drops the last path component and the separators before it, keeping a
// leading '/'.
void TrimDirectory(std::string& path) {
  if (path.empty()) return;
  std::size_t end = path.size() - 1;
  while (end > 0 && path[end] == '/') --end;  // trailing separators
  while (end > 0 && path[end] != '/') --end;  // the directory name
  while (end > 0 && path[end - 1] == '/') --end;
  if (end == 0 && path[0] == '/') end = 1;  // don't erase a leading slash
  path.resize(end);
}

void TrimTrailingSeparators(std::string& path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
}

void CollapseAdjacentSeparators(std::string& path) {
  std::string collapsed;
  collapsed.reserve(path.size());
  for (char c : path) {
    if (c == '/' && !collapsed.empty() && collapsed.back() == '/') continue;
    collapsed.push_back(c);
  }
  path = std::move(collapsed);
}

bool EndsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         std::string_view(text).substr(text.size() - suffix.size()) == suffix;
}

// The PostgreSQL <= 15 loop: only trailing "." and ".." components are processed.
void FoldTrailingDotComponents(std::string& path) {
  int pending_strips = 0;
  for (;;) {
    if (EndsWith(path, "/.")) {
      TrimDirectory(path);
    } else if (path == ".") {
      if (pending_strips > 0) path.clear();  // "./.." has to become ".."
      break;
    } else if (EndsWith(path, "/..") || path == "..") {
      TrimDirectory(path);
      ++pending_strips;
    } else if (pending_strips > 0 && !path.empty()) {
      TrimDirectory(path);  // a regular directory name canceled by ".."
      --pending_strips;
      if (path.empty()) path = ".";  // foo/.. should become ".", not empty
    } else {
      break;
    }
  }
  if (pending_strips > 0) {
    while (--pending_strips > 0) path += "../";
    path += "..";
  }
}

// The PostgreSQL 16+ state machine, expressed as a component stack: "." disappears, ".."
// removes the previous component, or stays when nothing can be removed in a relative path,
// and goes away right after the root of an absolute one.
void FoldAllDotComponents(std::string& path) {
  if (path.empty()) return;
  const bool absolute = path.front() == '/';
  std::vector<std::string_view> kept;
  std::size_t leading_parent_refs = 0;
  std::string_view rest(path);
  if (absolute) rest.remove_prefix(1);
  while (!rest.empty()) {
    std::size_t slash = rest.find('/');
    std::string_view component = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (component == "." || component.empty()) continue;
    if (component == "..") {
      if (!kept.empty()) {
        kept.pop_back();
      } else if (!absolute) {
        ++leading_parent_refs;
      }
      continue;
    }
    kept.push_back(component);
  }
  std::string folded = absolute ? "/" : "";
  for (std::size_t i = 0; i < leading_parent_refs; ++i) {
    if (i > 0) folded += '/';
    folded += "..";
  }
  for (std::string_view component : kept) {
    if (!folded.empty() && folded.back() != '/') folded += '/';
    folded += component;
  }
  if (folded.empty()) folded = ".";
  path = std::move(folded);
}

}  // namespace

std::string CanonicalizePath(std::string_view path, int pg_version) {
  std::string canonical(path);
  TrimTrailingSeparators(canonical);
  CollapseAdjacentSeparators(canonical);
  if (pg_version >= 16) {
    FoldAllDotComponents(canonical);
  } else {
    FoldTrailingDotComponents(canonical);
  }
  return canonical;
}

std::string ResolveIncludedPath(std::string_view included, std::string_view including_file,
                                int pg_version) {
  if (!included.empty() && included.front() == '/') return std::string(included);
  // get_parent_directory() then join_path_components(), which drops leading "./".
  std::string joined(including_file);
  TrimDirectory(joined);
  while (included.size() >= 2 && included[0] == '.' && included[1] == '/') {
    included.remove_prefix(2);
  }
  if (!included.empty()) {
    if (!joined.empty()) joined += '/';
    joined += included;
  }
  return CanonicalizePath(joined, pg_version);
}

}  // namespace pgward::hba::internal
