// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

namespace ve::adapters::blob {

// libcurl handles, each owned from the line that creates it.
struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

// Runs curl_global_init once per process (thread-safe; throws std::runtime_error if it fails);
// never cleaned up, as other libraries in the process may use libcurl too.
void ensure_curl_initialized();

// Appends a header line; on allocation failure the list is left as it was and false returned.
bool append_header(CurlSlist& list, const std::string& line);

// This thread's easy handle, reset to default options but keeping its connection cache, so
// requests from one thread reuse connections. Valid until the thread ends; nullptr when libcurl
// cannot allocate one.
CURL* thread_easy_handle();

}  // namespace ve::adapters::blob
