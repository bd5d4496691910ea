// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "adapters/blob/http_retry.hpp"

namespace ve::adapters::blob {

// Where a request body comes from: a string (POST) or a byte range of an open file (PUT; read
// with pread, so one descriptor can serve several requests).
struct RequestBody {
  const std::string* text = nullptr;
  int fd = -1;
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct HttpRequest {
  HttpRequest() = default;
  HttpRequest(std::string m, std::string u, std::vector<std::string> h = {}, RequestBody b = {},
              std::FILE* s = nullptr)
      : method(std::move(m)), url(std::move(u)), headers(std::move(h)), body(b), sink(s) {}

  std::string method = "GET";  // GET, HEAD, PUT, POST or DELETE
  std::string url;             // already encoded
  std::vector<std::string> headers;  // "Name: value"
  RequestBody body;
  std::FILE* sink = nullptr;         // a 2xx answer's body goes here in chunks; otherwise into response.body
  std::chrono::seconds timeout{0};   // the whole exchange; 0: none (a stalled transfer still fails)
  std::stop_token cancel;            // a stop aborts the exchange (CURLE_ABORTED_BY_CALLBACK)
  std::function<void(uint64_t)> progress;  // told the bytes written to the sink so far, as they arrive
};

struct HttpResponse : HttpOutcome {
  std::string body;             // error, XML or JSON bodies (capped at 1 MiB); empty when streamed to sink
  std::map<std::string, std::string> headers;  // of the final answer; names lower-case
  int64_t content_length = -1;
  uint64_t received = 0;        // body bytes written to the sink
  bool local_io_failed = false;  // writing the sink or reading the body's file failed

  std::string header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Credentials for AWS Signature Version 4 (S3).
struct SigningSettings {
  std::string region;
  std::string access_key_id;
  std::string secret_access_key;
};

// Performs one exchange on this thread's reused easy handle (so a thread's requests reuse their
// connections and TLS sessions). With `aws`, the request is signed with libcurl's SigV4
// (CURLOPT_AWS_SIGV4 "aws:amz:<region>:s3") and carries x-amz-content-sha256: UNSIGNED-PAYLOAD,
// which libcurl 7.88 does not add but uses as the payload hash when present. A transfer slower
// than 1 KiB/s for 30 s fails as a timeout. Thread-safe; never throws.
HttpResponse perform(const HttpRequest& request, const SigningSettings* aws = nullptr);

}  // namespace ve::adapters::blob
