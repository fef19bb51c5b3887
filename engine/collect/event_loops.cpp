#include "engine/collect/event_loops.h"

#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace pgward::collect {
namespace {

struct LibraryContextDeleter {
  void operator()(OSSL_LIB_CTX* context) const { OSSL_LIB_CTX_free(context); }
};
using LibraryContext = std::unique_ptr<OSSL_LIB_CTX, LibraryContextDeleter>;

// Null when it cannot be made.
LibraryContext ConfiguredLibraryContext() {
  LibraryContext context(OSSL_LIB_CTX_new());
  constexpr unsigned long kDefaultFlags = CONF_MFLAGS_DEFAULT_SECTION |
                                          CONF_MFLAGS_IGNORE_MISSING_FILE |
                                          CONF_MFLAGS_IGNORE_RETURN_CODES;
  if (context && CONF_modules_load_file_ex(context.get(), nullptr, nullptr, kDefaultFlags) <= 0) {
    context.reset();
  }
  return context;
}

}  // namespace

void RunLoops(std::size_t count, const std::function<void(std::size_t, std::size_t)>& loop) {
  std::vector<LibraryContext> contexts;
  if (count > 1) {
    // Loading a configuration resets OpenSSL's process-wide TLS settings (its ssl_conf module):
    // the default context's and the loops' are loaded now, before any loop reads them, not by
    // libpq's first connection while another loop is connecting.
    OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, nullptr);
    for (std::size_t i = 1; i < count; ++i) contexts.push_back(ConfiguredLibraryContext());
  }
  // The loops share the work by their number, known once every thread that can be had is.
  std::promise<std::size_t> started;
  const std::shared_future<std::size_t> running = started.get_future().share();
  // What a loop throws (no memory left) is thrown here once every loop has returned, rather than
  // ending the process from a thread of its own.
  std::mutex failure_mutex;
  std::exception_ptr failure;
  const auto run = [&](std::size_t number, std::size_t loops) {
    try {
      loop(number, loops);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  {
    std::vector<std::jthread> threads;  // joined when they go out of scope
    threads.reserve(count);
    // Whatever stops a thread from starting (no process left under RLIMIT_NPROC, no memory for
    // its state) leaves the loops started so far, which wait for their number, to share the
    // work: nothing escapes before they are told it.
    try {
      for (std::size_t i = 1; i < count; ++i) {
        threads.emplace_back([&run, context = contexts[i - 1].get(), i, running] {
          if (context) OSSL_LIB_CTX_set0_default(context);
          run(i, running.get());
        });
      }
    } catch (...) {
    }
    started.set_value(threads.size() + 1);
    if (count > 0) run(0, threads.size() + 1);
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace pgward::collect
