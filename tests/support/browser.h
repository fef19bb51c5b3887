#pragma once

// A real browser for the HTML report's tests: Debian's Chromium, headless, a fresh profile for
// every page, with a net-log of what the page made it ask for.

#include <set>
#include <string>
#include <vector>

#include "tests/support/command.h"

namespace pgward::testing {

inline constexpr char kChromium[] = "/usr/bin/chromium";

struct BrowserRun {
  CommandResult command;  // --dump-dom prints the DOM on standard output
  // Every URL the browser requested while it rendered (from its net-log), the browser's own
  // background requests included: compare with a blank page's.
  std::set<std::string> requested_urls;
  // How many events the net-log held: 0 when it is missing or cut short (Chromium killed), and
  // then requested_urls proves nothing.
  std::size_t net_log_events = 0;
};

// One page, rendered by `chromium --headless` with `mode` ("--dump-dom", "--screenshot=PNG",
// "--print-to-pdf=PDF") and a 1280x1600 window. Profiles and net-logs live in a directory of
// their own, removed afterwards.
BrowserRun RenderInChromium(const std::string& page_path, const std::string& mode);

// The host part of a URL ("http://127.0.0.1:9/x" -> "127.0.0.1:9"), or the scheme for URLs
// without one ("data:", "file:").
std::string UrlHost(const std::string& url);

// The share of a PNG's pixels (8-bit RGB or RGBA, not interlaced, as Chromium writes them) whose
// colour differs from the top-left pixel's: 0 for a blank page. Throws on a PNG it cannot read.
double PngNonBackgroundShare(const std::string& path);

}  // namespace pgward::testing
