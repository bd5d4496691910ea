// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace ve::core {

// Few kinds, each with a fixed consequence for a job:
//  InvalidInput / NotFound: the request or the media is bad; fail, never retry.
//  Transient: the outside world hiccupped; retry with backoff.
//  Internal: a bug or an environment problem (disk full, permissions); fail and log.
//  Conflict: someone else took the work over (another delivery of the same message); stop
//  without recording or publishing anything.
enum class ErrorKind { InvalidInput, NotFound, Transient, Internal, Conflict };

struct Error {
  ErrorKind kind = ErrorKind::Internal;
  std::string message;

  static Error invalid_input(std::string m) { return {ErrorKind::InvalidInput, std::move(m)}; }
  static Error not_found(std::string m) { return {ErrorKind::NotFound, std::move(m)}; }
  static Error transient(std::string m) { return {ErrorKind::Transient, std::move(m)}; }
  static Error internal(std::string m) { return {ErrorKind::Internal, std::move(m)}; }
  static Error conflict(std::string m) { return {ErrorKind::Conflict, std::move(m)}; }
};

const char* to_string(ErrorKind kind);

template <typename T>
using Result = tl::expected<T, Error>;

using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> fail(Error e) { return tl::unexpected<Error>(std::move(e)); }

}  // namespace ve::core
