// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "adapters/blob/gcs/service_account.hpp"
#include "core/error.hpp"

namespace ve::adapters::blob::gcs {

// OAuth2 access tokens for a service account (JWT bearer grant against token_uri), cached and
// renewed `refresh_margin` before they expire (halfway through when granted for less than twice that). Thread-safe: one fetch at a time, others wait
// for its result. Errors: Transient (endpoint unreachable, 5xx, 408, 429), Internal (the
// credentials were rejected, or a malformed answer); messages never contain the key or tokens.
class AccessTokenProvider {
 public:
  explicit AccessTokenProvider(ServiceAccount account, std::chrono::seconds refresh_margin = std::chrono::minutes(5));
  AccessTokenProvider(const AccessTokenProvider&) = delete;
  AccessTokenProvider& operator=(const AccessTokenProvider&) = delete;

  // A token valid for at least refresh_margin (or what the endpoint granted, if shorter).
  core::Result<std::string> token();

  // Forgets `stale` (say, after a 401) unless another thread already replaced it.
  void invalidate(const std::string& stale);

  const ServiceAccount& account() const { return account_; }

 private:
  core::Status fetch_locked();

  const ServiceAccount account_;
  const std::chrono::seconds refresh_margin_;
  std::mutex mutex_;  // guards token_ and refresh_at_
  std::string token_;
  std::chrono::steady_clock::time_point refresh_at_{};
};

}  // namespace ve::adapters::blob::gcs
