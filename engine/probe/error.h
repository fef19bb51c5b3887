#pragma once

// Errors of the probe and its connector as values: a network failure is an expected outcome of
// probing a server, so no exception crosses the probe's API for one. Error itself is part of
// the probe's result, in the model (engine/model/probe_result.h).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "engine/model/probe_result.h"

namespace pgward::probe {

// The reasons OpenSSL queued on this thread, oldest first, and the queue emptied.
std::string DrainOpensslErrors();

// A value or the error that prevented it (std::expected is C++23).
template <typename T>
class Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Expected(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() { return std::get<0>(state_); }
  const T& value() const { return std::get<0>(state_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace pgward::probe
