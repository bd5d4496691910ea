// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <stop_token>
#include <string>

namespace ve::adapters::blob {

// What one HTTP exchange came back with, as far as retrying and error reporting need it.
struct HttpOutcome {
  int curl_code = 0;        // CURLcode; 0 when a response arrived
  std::string curl_error;   // libcurl's description of curl_code (never carries credentials)
  long status = 0;          // HTTP status, 0 when no response arrived
};

// Connection errors, timeouts, 5xx, 408 and 429 are worth another attempt; other 4xx are not.
bool is_retryable(const HttpOutcome& outcome);

// Delay before attempt `attempt` (1 = the first retry): "full jitter", uniform in
// [0, min(cap, base * 2^(attempt-1))], so many uploaders hitting one outage spread out.
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap = std::chrono::seconds(20));

// Sleeps for `delay`, or less when a stop is requested on `cancel`; false when it was.
bool sleep_unless_stopped(std::chrono::milliseconds delay, const std::stop_token& cancel);

}  // namespace ve::adapters::blob
