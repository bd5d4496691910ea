// SPDX-License-Identifier: Apache-2.0
#include "adapters/blob/gcs/curl_easy.hpp"

#include <algorithm>
#include <cctype>

#include "adapters/blob/http_retry.hpp"

namespace ve::adapters::blob::gcs {
namespace {

constexpr std::size_t kMaxErrorBody = 64 * 1024;

struct Exchange {
  const HttpRequest* request;
  HttpResponse* response;
  CURL* easy;
};

void global_init_once() {
  // curl_global_init is not thread-safe itself; a function-local static runs it exactly once.
  static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)init;
}

CURL* thread_handle() {
  // One handle per thread: handles must not be shared between threads, and a handle kept alive
  // keeps its connection cache, so uploader threads reuse their connections.
  thread_local EasyHandle handle(curl_easy_init());
  return handle.get();
}

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
  if (x->request->download_to && status >= 200 && status < 300) {
    if (!x->request->download_to->write(data, static_cast<std::streamsize>(n))) {
      x->response->sink_failed = true;
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    return n;
  }
  std::string& body = x->response->body;
  body.append(data, std::min(n, kMaxErrorBody - std::min(kMaxErrorBody, body.size())));
  return n;
}

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  std::istream* in = x->request->upload_from;
  if (!in) return 0;
  in->read(buffer, static_cast<std::streamsize>(size * count));
  if (in->bad()) {
    x->response->sink_failed = true;
    return CURL_READFUNC_ABORT;
  }
  return static_cast<size_t>(in->gcount());
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const size_t n = size * count;
  std::string line(data, n);
  // A new status line (after 100 Continue, say) starts a new header set.
  if (line.rfind("HTTP/", 0) == 0) {
    x->response->headers.clear();
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string::npos) return n;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string value = line.substr(colon + 1);
  const auto first = value.find_first_not_of(" \t");
  const auto last = value.find_last_not_of(" \t\r\n");
  value = first == std::string::npos ? std::string() : value.substr(first, last - first + 1);
  x->response->headers[name] = value;
  return n;
}

}  // namespace

HttpResponse perform(const HttpRequest& request) {
  global_init_once();
  HttpResponse response;
  CURL* easy = thread_handle();
  if (!easy) {
    response.code = CURLE_FAILED_INIT;
    response.transport_error = "curl_easy_init failed";
    return response;
  }
  // reset keeps the connection cache, DNS cache and TLS sessions; only options are cleared.
  curl_easy_reset(easy);
  Exchange x{&request, &response, easy};
  char error_buffer[CURL_ERROR_SIZE] = {};

  HeaderList headers;
  for (const auto& h : request.headers) {
    curl_slist* grown = curl_slist_append(headers.get(), h.c_str());
    if (!grown) {
      response.code = CURLE_OUT_OF_MEMORY;
      response.transport_error = "out of memory building headers";
      return response;
    }
    (void)headers.release();
    headers.reset(grown);
  }
  // Without this curl waits for "100 Continue" before sending large PUT bodies.
  curl_slist* grown = curl_slist_append(headers.get(), "Expect:");
  if (grown) {
    (void)headers.release();
    headers.reset(grown);
  }

  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);  // signals and threads do not mix
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);  // a stalled transfer fails after 60 s
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, 60L);
  if (request.timeout.count() > 0) curl_easy_setopt(easy, CURLOPT_TIMEOUT, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &x);
  abort_on_stop(easy, request.cancel);
  if (request.method == "POST") {
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method == "PUT") {
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(easy, CURLOPT_READDATA, &x);
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.upload_length));
  } else if (request.method == "DELETE") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "DELETE");
  }

  response.code = curl_easy_perform(easy);
  if (response.code != CURLE_OK) {
    response.transport_error = error_buffer[0] ? error_buffer : curl_easy_strerror(response.code);
  }
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.status);
  // The options point at locals of this call; clear them so nothing dangles in the kept handle.
  curl_easy_reset(easy);
  return response;
}

}  // namespace ve::adapters::blob::gcs
