#pragma once

// Shared libraries loaded when first used rather than when pgward starts (libpq_loader.cpp and
// openssl_loader.cpp say why), and their functions. A library or function that cannot be had
// ends the run: as the dynamic loader would have refused to start pgward linked to it, nothing
// that needs it can be collected, digested or probed, and exiting is the only answer that cannot
// read as a pass.

namespace pgward {

// Loads `soname` (RTLD_NOW, RTLD_LOCAL), or exits with ExitCode::kIncompleteEvidence saying that
// `needed_for` needs it.
void* LoadLibraryOrExit(const char* soname, const char* needed_for);

// `name` from `library` (loaded from `soname`), or exits with ExitCode::kIncompleteEvidence.
// Looked up in the library's own handle: in a process that also links the library (the tests
// do), pgward's forwarding definitions stand in for its own, and RTLD_DEFAULT or RTLD_NEXT would
// find them again, each calling itself.
void* SymbolOrExit(void* library, const char* soname, const char* name);

// SymbolOrExit, as the type of pgward's own declaration of the function.
template <typename Function>
Function FunctionOrExit(void* library, const char* soname, Function, const char* name) {
  return reinterpret_cast<Function>(SymbolOrExit(library, soname, name));
}

}  // namespace pgward
