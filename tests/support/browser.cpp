#include "tests/support/browser.h"

#include <stdlib.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace pgward::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

std::uint32_t BigEndian32(const std::string& bytes, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])) << 24 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 3]));
}

int Paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

}  // namespace

BrowserRun RenderInChromium(const std::string& page_path, const std::string& mode) {
  char pattern[] = "/tmp/pgward-chromium-XXXXXX";
  if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  const std::filesystem::path scratch(pattern);
  const std::string net_log = (scratch / "net-log.json").string();
  BrowserRun run;
  CommandOptions options;
  options.timeout_seconds = 120;
  // As root (the tests' user on CI) Chromium needs --no-sandbox; no GPU on a server.
  run.command =
      RunCommand({kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--user-data-dir=" + (scratch / "profile").string(), "--window-size=1280,1600",
                  "--no-pdf-header-footer", "--log-net-log=" + net_log, mode,
                  "file://" + std::filesystem::absolute(page_path).string()},
                 options);
  const nlohmann::json log = nlohmann::json::parse(ReadAll(net_log), nullptr, false);
  if (log.is_object() && log.contains("events") && log["events"].is_array()) {
    run.net_log_events = log["events"].size();
    for (const nlohmann::json& event : log["events"]) {
      if (event.contains("params") && event["params"].is_object() &&
          event["params"].contains("url") && event["params"]["url"].is_string()) {
        run.requested_urls.insert(event["params"]["url"].get<std::string>());
      }
    }
  }
  std::filesystem::remove_all(scratch);
  return run;
}

std::string UrlHost(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url.substr(0, url.find(':') + 1);
  const std::size_t start = scheme + 3;
  return url.substr(start, url.find('/', start) - start);
}

double PngNonBackgroundShare(const std::string& path) {
  const std::string png = ReadAll(path);
  if (png.size() < 33 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) {
    throw std::runtime_error(path + ": not a PNG");
  }
  std::uint32_t width = 0, height = 0;
  int channels = 0;
  std::string compressed;
  for (std::size_t at = 8; at + 8 <= png.size();) {
    const std::uint32_t length = BigEndian32(png, at);
    const std::string type = png.substr(at + 4, 4);
    if (at + 12 + length > png.size()) throw std::runtime_error(path + ": truncated");
    if (type == "IHDR") {
      width = BigEndian32(png, at + 8);
      height = BigEndian32(png, at + 12);
      const int depth = png[at + 16], color = png[at + 17], interlace = png[at + 20];
      channels = color == 2 ? 3 : color == 6 ? 4 : 0;
      if (depth != 8 || channels == 0 || interlace != 0) {
        throw std::runtime_error(path + ": not 8-bit RGB(A) without interlacing");
      }
    } else if (type == "IDAT") {
      compressed += png.substr(at + 8, length);
    }
    at += 12 + length;
  }
  const std::size_t stride = static_cast<std::size_t>(width) * channels;
  std::string raw((stride + 1) * height, '\0');
  uLongf raw_size = raw.size();
  if (uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_size,
                 reinterpret_cast<const Bytef*>(compressed.data()), compressed.size()) != Z_OK ||
      raw_size != raw.size()) {
    throw std::runtime_error(path + ": image data does not inflate to its size");
  }
  // Undo the scanline filters (PNG specification, section 9).
  std::vector<std::uint8_t> pixels(stride * height), previous(stride, 0);
  for (std::uint32_t y = 0; y < height; ++y) {
    const auto filter = static_cast<std::uint8_t>(raw[y * (stride + 1)]);
    const auto* line = reinterpret_cast<const std::uint8_t*>(raw.data()) + y * (stride + 1) + 1;
    std::uint8_t* out = pixels.data() + y * stride;
    for (std::size_t x = 0; x < stride; ++x) {
      const int left = x >= static_cast<std::size_t>(channels) ? out[x - channels] : 0;
      const int up = previous[x];
      const int up_left = x >= static_cast<std::size_t>(channels) ? previous[x - channels] : 0;
      const int predicted = filter == 1   ? left
                            : filter == 2 ? up
                            : filter == 3 ? (left + up) / 2
                            : filter == 4 ? Paeth(left, up, up_left)
                                          : 0;
      out[x] = static_cast<std::uint8_t>(line[x] + predicted);
    }
    std::copy(out, out + stride, previous.begin());
  }
  std::size_t differing = 0;
  for (std::size_t pixel = 0; pixel < static_cast<std::size_t>(width) * height; ++pixel) {
    for (int channel = 0; channel < channels; ++channel) {
      if (pixels[pixel * channels + channel] != pixels[channel]) {
        ++differing;
        break;
      }
    }
  }
  return width * height == 0 ? 0 : static_cast<double>(differing) / (width * height);
}

}  // namespace pgward::testing
