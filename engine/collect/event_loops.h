#pragma once

// Event loops of libpq connections, one per core.

#include <cstddef>
#include <functional>

namespace pgward::collect {

// Runs loop(0, running) .. loop(running - 1, running) at once, loop(0, running) on the calling
// thread and each other on a thread of its own, and returns when all have. `running` is `count`,
// or fewer when no more threads can be started (RLIMIT_NPROC): one loop at worst, never none. Each
// thread but the caller's gets an OpenSSL library context of its own as its default
// (OSSL_LIB_CTX_set0_default), which libpq's TLS and SCRAM on that thread then use: OpenSSL 3 locks
// the library context on every algorithm fetch, and libpq's SCRAM fetches SHA-256 twice per PBKDF2
// iteration, 8192 times per connection, so loops sharing the default context spend a seventh of
// their CPU contending for its locks. The contexts are loaded from the configuration file the
// default context is, with the same flags, so that their connections negotiate as the default
// context's would; a thread whose context cannot be made shares the default one.
void RunLoops(std::size_t count, const std::function<void(std::size_t, std::size_t)>& loop);

}  // namespace pgward::collect
