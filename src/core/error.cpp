// SPDX-License-Identifier: Apache-2.0
#include "core/error.hpp"

namespace ve::core {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidInput: return "invalid input";
    case ErrorKind::NotFound: return "not found";
    case ErrorKind::Transient: return "transient";
    case ErrorKind::Internal: return "internal";
    case ErrorKind::Conflict: return "conflict";
  }
  return "unknown";
}

}  // namespace ve::core
