// SPDX-License-Identifier: Apache-2.0
#include "adapters/blob/http_retry.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>

namespace ve::adapters::blob {

bool is_retryable(const HttpOutcome& outcome) {
  if (outcome.curl_code != CURLE_OK) {
    switch (outcome.curl_code) {
      // Our own mistakes or the local disk: another attempt would fail the same way.
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
      case CURLE_WRITE_ERROR:
      case CURLE_READ_ERROR:
      case CURLE_OUT_OF_MEMORY:
      case CURLE_BAD_FUNCTION_ARGUMENT:
      case CURLE_ABORTED_BY_CALLBACK:
        return false;
      default:
        return true;  // resolve/connect failures, resets, timeouts, partial transfers
    }
  }
  return outcome.status >= 500 || outcome.status == 408 || outcome.status == 429;
}

std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base, std::chrono::milliseconds cap) {
  const int shift = std::clamp(attempt - 1, 0, 20);
  const auto ceiling = std::min<long long>(cap.count(), base.count() * (1LL << shift));
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<long long> pick(0, std::max<long long>(ceiling, 0));
  return std::chrono::milliseconds(pick(rng));
}

bool sleep_unless_stopped(std::chrono::milliseconds delay, const std::stop_token& cancel) {
  std::mutex mutex;
  std::condition_variable_any woken;
  std::unique_lock lock(mutex);
  std::stop_token token = cancel;
  return !woken.wait_for(lock, token, delay, [] { return false; });
}

}  // namespace ve::adapters::blob
