// SPDX-License-Identifier: Apache-2.0
#include "adapters/blob/http_exchange.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "adapters/blob/curl_handles.hpp"

namespace ve::adapters::blob {
namespace {

constexpr size_t kMaxBufferedBody = 1 << 20;

struct Transfer {
  CURL* curl = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  uint64_t sent = 0;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &status);
  if (t.request->sink && status >= 200 && status < 300) {
    if (std::fwrite(data, 1, n, t.request->sink) != n) {
      t.response->local_io_failed = true;
      return 0;  // CURLE_WRITE_ERROR
    }
    t.response->received += n;
    if (t.request->progress) t.request->progress(t.response->received);
    return n;
  }
  const size_t room = kMaxBufferedBody - std::min(kMaxBufferedBody, t.response->body.size());
  t.response->body.append(data, std::min(n, room));
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  // A new status line (after 100 Continue or a redirect) starts the final answer's headers afresh.
  if (line.starts_with("HTTP/")) {
    t.response->headers.clear();
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
  t.response->headers[std::move(name)] = std::string(value);
  return n;
}

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const RequestBody& body = t.request->body;
  const uint64_t left = body.length - t.sent;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(left, size * count));
  if (want == 0) return 0;
  if (body.fd < 0) return CURL_READFUNC_ABORT;
  ssize_t got;
  do {
    got = ::pread(body.fd, buffer, want, static_cast<off_t>(body.offset + t.sent));
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {  // the file shrank or failed: never send short
    t.response->local_io_failed = true;
    return CURL_READFUNC_ABORT;
  }
  t.sent += static_cast<uint64_t>(got);
  return static_cast<size_t>(got);
}

int on_seek(void* user, curl_off_t offset, int origin) {
  auto& t = *static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > t.request->body.length) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  t.sent = static_cast<uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

// Makes the transfer on `easy` end with CURLE_ABORTED_BY_CALLBACK (never retried) within about a
// second of a stop being requested on `cancel`, even while no byte moves. Nothing is set for a
// token that can never stop.
int on_progress(void* cancel, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::stop_token*>(cancel)->stop_requested() ? 1 : 0;
}

void abort_on_stop(CURL* easy, const std::stop_token& cancel) {
  if (!cancel.stop_possible()) return;
  // libcurl calls this about once a second while a transfer waits, and more often while it moves.
  curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(easy, CURLOPT_XFERINFODATA, const_cast<std::stop_token*>(&cancel));
  curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
}

}  // namespace

HttpResponse perform(const HttpRequest& request, const SigningSettings* aws) {
  HttpResponse response;
  CURL* curl = thread_easy_handle();
  if (!curl) {
    response.curl_code = CURLE_OUT_OF_MEMORY;
    response.curl_error = "cannot create a libcurl handle";
    return response;
  }
  Transfer transfer{curl, &request, &response, 0};
  char error[CURL_ERROR_SIZE] = {};

  CurlSlist headers;
  // No "Expect: 100-continue" round trip before a body; not when signing, as libcurl's SigV4
  // would sign the (removed) header.
  bool ok = aws ? append_header(headers, "x-amz-content-sha256: UNSIGNED-PAYLOAD") : append_header(headers, "Expect:");
  for (const auto& h : request.headers) ok = ok && append_header(headers, h);
  if (!ok) {
    response.curl_code = CURLE_OUT_OF_MEMORY;
    response.curl_error = "out of memory building headers";
    return response;
  }
  const std::string userpwd = aws ? aws->access_key_id + ":" + aws->secret_access_key : "";
  const std::string sigv4 = aws ? "aws:amz:" + aws->region + ":s3" : "";

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  if (aws) {
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(curl, CURLOPT_USERPWD, userpwd.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  // A stalled transfer (under 1 KiB/s for 30 s) is a timeout; large objects may take long overall.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
  if (request.timeout.count() > 0) curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 256L * 1024);
  curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 256L * 1024);
  abort_on_stop(curl, request.cancel);

  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.length));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(curl, CURLOPT_SEEKDATA, &transfer);
  } else if (request.method == "POST") {
    static const std::string kEmpty;
    const std::string& text = request.body.text ? *request.body.text : kEmpty;
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(text.size()));
    curl_easy_setopt(curl, CURLOPT_COPYPOSTFIELDS, text.c_str());
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  const CURLcode code = curl_easy_perform(curl);
  response.curl_code = code;
  if (code != CURLE_OK) {
    response.curl_error = error[0] ? error : curl_easy_strerror(code);
    // A write or read callback failure after a response arrived still reports the status.
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_off_t length = -1;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  response.content_length = length;
  const bool streamed = request.sink && code == CURLE_OK && response.status >= 200 && response.status < 300;
  if (streamed && length >= 0 && response.received != static_cast<uint64_t>(length)) {
    response.curl_code = CURLE_PARTIAL_FILE;  // retried like a dropped connection
    response.curl_error = "received " + std::to_string(response.received) + " of " + std::to_string(length) +
                          " bytes announced by Content-Length";
  }
  // The easy handle outlives this call: no pointers into our locals may stay set on it.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_USERPWD, nullptr);
  return response;
}

}  // namespace ve::adapters::blob
