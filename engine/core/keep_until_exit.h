#pragma once

// What a command built for its one run, left to the operating system when the process ends
// instead of destroyed piece by piece: a scan of a large file holds millions of small objects
// (findings, interned values) whose destruction takes longer than writing the reports. Only for
// a command's last step; the objects stay reachable, so leak checkers do not report them.

#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgward {

template <typename T>
void KeepUntilExit(T&& object) {
  static auto* const kept = new std::vector<std::shared_ptr<void>>();
  kept->push_back(std::make_shared<std::decay_t<T>>(std::forward<T>(object)));
}

}  // namespace pgward
