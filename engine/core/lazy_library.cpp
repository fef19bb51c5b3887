#include "engine/core/lazy_library.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include "engine/core/exit_code.h"

namespace pgward {

void* LoadLibraryOrExit(const char* soname, const char* needed_for) {
  void* const opened = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (opened == nullptr) {
    std::fprintf(stderr, "pgward: error: cannot load %s, which %s needs: %s\n", soname, needed_for,
                 dlerror());
    std::_Exit(ToInt(ExitCode::kIncompleteEvidence));
  }
  return opened;
}

void* SymbolOrExit(void* library, const char* soname, const char* name) {
  void* const symbol = dlsym(library, name);
  if (symbol == nullptr) {
    std::fprintf(stderr, "pgward: error: %s has no function %s: %s\n", soname, name, dlerror());
    std::_Exit(ToInt(ExitCode::kIncompleteEvidence));
  }
  return symbol;
}

}  // namespace pgward
