#include "engine/core/run_identity.h"

#include <pwd.h>
#include <unistd.h>

namespace pgward {

std::string OperatingSystemUser() {
  if (const passwd* entry = getpwuid(geteuid())) return entry->pw_name;
  return std::to_string(geteuid());
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

}  // namespace pgward
