// SPDX-License-Identifier: Apache-2.0
#include "adapters/blob/curl_handles.hpp"

#include <mutex>
#include <stdexcept>

namespace ve::adapters::blob {

void ensure_curl_initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
  });
}

bool append_header(CurlSlist& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (!grown) return false;
  // curl_slist_append returns the head, which is unchanged once the list is non-empty.
  if (grown != list.get()) list.reset(grown);
  return true;
}

CURL* thread_easy_handle() {
  ensure_curl_initialized();
  // One handle per thread: easy handles are not thread-safe, and a handle's connection cache is
  // what gives keep-alive between requests of the same uploader thread.
  thread_local CurlEasy handle{curl_easy_init()};
  if (!handle) return nullptr;
  curl_easy_reset(handle.get());
  return handle.get();
}

}  // namespace ve::adapters::blob
