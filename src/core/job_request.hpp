// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ve::core {

// A request to package one video, as producers put it on the queue:
// {"resource_id": "...", "file_path": "some.mp4"}.
struct JobRequest {
  std::string resource_id;
  std::string file_path;  // an object key in the input bucket, validated by validate_object_key
};

inline constexpr size_t kMaxMessageBytes = 64 * 1024;
inline constexpr size_t kMaxResourceIdLength = 256;
inline constexpr size_t kMaxObjectKeyLength = 1024;

// Parses and validates a message body. InvalidInput with a reason a person can act on: not JSON,
// not an object, a missing, empty, over-long or non-string field, a resource_id holding NUL or
// control characters, or an unsafe file_path.
Result<JobRequest> parse_job_request(std::string_view body);

// An object key that cannot leave its bucket or folder: relative, UTF-8, no NUL or control bytes,
// no empty, "." or ".." segments, no backslashes. InvalidInput naming the problem.
Status validate_object_key(std::string_view key);

}  // namespace ve::core
