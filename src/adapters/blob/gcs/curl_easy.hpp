// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <istream>
#include <map>
#include <memory>
#include <ostream>
#include <stop_token>
#include <string>
#include <vector>

namespace ve::adapters::blob::gcs {

// libcurl handles, each owned from the line that creates it.
struct EasyDeleter {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

// One HTTP exchange. The request body is `body`, or `upload_length` bytes read from `upload_from`
// at its current position (streamed, never buffered whole). A 2xx response body goes to
// `download_to` when set; any other body is kept in HttpResponse::body (capped).
struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT or DELETE
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::istream* upload_from = nullptr;
  std::uint64_t upload_length = 0;
  std::ostream* download_to = nullptr;
  std::chrono::seconds timeout{0};  // whole exchange; 0 = none (a stall still fails after 60 s)
  std::stop_token cancel;           // a stop aborts the exchange (CURLE_ABORTED_BY_CALLBACK)
};

struct HttpResponse {
  CURLcode code = CURLE_OK;
  std::string transport_error;  // curl's description when code != CURLE_OK
  bool sink_failed = false;     // writing to download_to or reading upload_from failed
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-case; of the final response only
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Runs `request` on this thread's easy handle, so connections (and TLS sessions) are reused by
// later requests of the same thread. Thread-safe; never throws.
HttpResponse perform(const HttpRequest& request);

}  // namespace ve::adapters::blob::gcs
