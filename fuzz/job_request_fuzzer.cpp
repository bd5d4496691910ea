// SPDX-License-Identifier: Apache-2.0
// libFuzzer: job messages as producers might send them, valid or not.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/job_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto request = ve::core::parse_job_request(body);
  if (request) {
    // Whatever is accepted must be a safe key and within the limits.
    if (!ve::core::validate_object_key(request->file_path)) __builtin_trap();
    if (request->resource_id.empty() || request->resource_id.size() > ve::core::kMaxResourceIdLength) __builtin_trap();
  }
  return 0;
}
