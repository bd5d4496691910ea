// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <cstdio>
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
  HttpRequest(std::string m, std::string u, std::vector<std::string> h = {}, RequestBody b = {},
              std::FILE* s = nullptr)
      : method(std::move(m)), url(std::move(u)), headers(std::move(h)), body(b), sink(s) {}

  std::string method;  // GET, HEAD, PUT, POST or DELETE
  std::string url;     // already canonical (see object_url)
  std::vector<std::string> headers;
  RequestBody body;
  std::FILE* sink = nullptr;  // a 2xx GET's body goes here in chunks; otherwise into response.body
  std::stop_token cancel;     // a stop aborts the exchange (CURLE_ABORTED_BY_CALLBACK)
};

struct HttpResponse : HttpOutcome {
  std::string body;          // error or XML bodies (capped at 1 MiB); empty when streamed to sink
  std::string etag;          // the ETag header, quotes kept
  int64_t content_length = -1;
  uint64_t received = 0;     // body bytes written to the sink
};

// The signing parameters for every request.
struct SigningSettings {
  std::string region;
  std::string access_key_id;
  std::string secret_access_key;
};

// Performs one exchange on this thread's reused easy handle, signed with libcurl's AWS SigV4
// (CURLOPT_AWS_SIGV4 "aws:amz:<region>:s3"). Adds x-amz-content-sha256: UNSIGNED-PAYLOAD, which
// libcurl 7.88 does not add but uses as the payload hash when present. Thread-safe.
HttpResponse perform(const SigningSettings& signing, const HttpRequest& request);

}  // namespace ve::adapters::blob
