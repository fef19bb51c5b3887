#pragma once

// The fuzzers' inputs as files: the loaders under test take paths, as pgward gives them, so the
// bytes go through the same read (size limit, regular-file check) as a user's file.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace pgward::fuzz {

// This process's own directory for input files (a fuzzer may run in several processes).
inline const std::filesystem::path& InputDirectory() {
  static const std::filesystem::path directory = [] {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("pgward-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  return directory;
}

// Writes the input to `name` in InputDirectory() and returns its path.
inline std::string WriteInputFile(const uint8_t* data, size_t size, const std::string& name) {
  const std::filesystem::path path = InputDirectory() / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path.string();
}

}  // namespace pgward::fuzz
