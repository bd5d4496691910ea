// SPDX-License-Identifier: Apache-2.0
#include "adapters/blob/gcs/gcs_blob_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "adapters/blob/gcs/jwt.hpp"
#include "adapters/blob/http_exchange.hpp"
#include "adapters/blob/http_retry.hpp"
#include "core/job_request.hpp"
#include "core/storage_location.hpp"
#include "core/text_encoding.hpp"

namespace ve::adapters::blob::gcs {
namespace {

using Attempt = GcsBlobStore::Attempt;
constexpr std::size_t kChunkGranule = 256 * 1024;  // the JSON API's unit for non-final chunks
constexpr std::chrono::milliseconds kMaxBackoff{30'000};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// GCS bucket names: 3-222 of a-z 0-9 - _ . (the full rules are GCS's to enforce).
core::Status check_names(const std::string& bucket, const std::string& key) {
  const bool bucket_ok = bucket.size() >= 3 && bucket.size() <= 222 && std::all_of(bucket.begin(), bucket.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
  if (!bucket_ok) return core::fail(core::Error::invalid_input("invalid bucket name '" + bucket + "'"));
  return core::validate_object_key(key);
}

// The "message" of a JSON API error body, for people reading logs.
std::string api_message(const HttpResponse& r) {
  const nlohmann::json doc = nlohmann::json::parse(r.body, nullptr, false);
  if (doc.is_object() && doc.contains("error") && doc["error"].is_object()) {
    const auto& e = doc["error"];
    if (e.contains("message") && e["message"].is_string()) return ": " + e["message"].get<std::string>().substr(0, 300);
  }
  return "";
}

// The common meaning of a response; callers handle their own success and 404 codes first.
Attempt classify(const HttpResponse& r, const std::string& what, const std::string& account) {
  if (r.local_io_failed) return {core::fail(core::Error::internal(what + ": local file I/O failed")), false, false};
  if (r.curl_code != CURLE_OK) return {core::fail(core::Error::transient(what + ": " + r.curl_error)), true, false};
  const std::string status = " (HTTP " + std::to_string(r.status) + api_message(r) + ")";
  if (r.status == 401) return {core::fail(core::Error::internal(what + ": access token rejected" + status)), false, true};
  if (r.status == 403) {
    return {core::fail(core::Error::internal(what + ": permission denied" + status + "; grant " + account +
                                             " access to the bucket (roles/storage.objectAdmin)")),
            false, false};
  }
  if (r.status >= 500 || r.status == 408 || r.status == 429) {
    return {core::fail(core::Error::transient(what + ": server busy or failing" + status)), true, false};
  }
  return {core::fail(core::Error::internal(what + ": unexpected answer" + status)), false, false};
}

std::filesystem::path temp_beside(const std::filesystem::path& to) {
  static std::atomic<unsigned> counter{0};
  return to.parent_path() / ("." + to.filename().string() + ".part-" + std::to_string(::getpid()) + "-" +
                             std::to_string(counter.fetch_add(1)));
}

// The next byte the server wants from its 308 answer's "Range: bytes=0-N" (none yet: 0).
std::uint64_t next_offset(const HttpResponse& r) {
  const std::string range = r.header("range");
  constexpr std::string_view kPrefix = "bytes=0-";
  std::uint64_t last = 0;
  if (range.rfind(kPrefix, 0) != 0) return 0;
  const char* end = range.data() + range.size();
  if (std::from_chars(range.data() + kPrefix.size(), end, last).ptr != end) return 0;
  return last + 1;
}

}  // namespace

core::Result<std::unique_ptr<GcsBlobStore>> GcsBlobStore::create(GcsSettings settings) {
  if (settings.chunk_bytes == 0 || settings.chunk_bytes % kChunkGranule != 0) {
    return core::fail(core::Error::invalid_input("GCS upload chunk size must be a multiple of 256 KiB"));
  }
  if (settings.max_attempts < 1) return core::fail(core::Error::invalid_input("GCS max_attempts must be at least 1"));
  auto account = load_service_account(settings.credentials_file);
  if (!account) return core::fail(account.error());
  if (auto key = check_private_key(*account); !key) return core::fail(key.error());
  while (ends_with(settings.api_endpoint, "/")) settings.api_endpoint.pop_back();
  return std::unique_ptr<GcsBlobStore>(new GcsBlobStore(std::move(settings), std::move(*account)));
}

GcsBlobStore::GcsBlobStore(GcsSettings settings, ServiceAccount account)
    : settings_(std::move(settings)), tokens_(std::move(account)) {}

std::string GcsBlobStore::object_url(const std::string& bucket, const std::string& key) const {
  return settings_.api_endpoint + "/storage/v1/b/" + core::percent_encode(bucket) + "/o/" + core::percent_encode(key);
}

core::Status GcsBlobStore::with_retries(const std::string& what,
                                        const std::function<Attempt(const std::string& token)>& attempt,
                                        std::stop_token cancel) {
  bool renewed = false;
  core::Error last = core::Error::internal(what + ": no attempt made");
  for (int n = 0; n < settings_.max_attempts; ++n) {
    auto token = tokens_.token();
    Attempt a;
    if (!token) {
      a = {core::fail(token.error()), token.error().kind == core::ErrorKind::Transient, false};
    } else {
      a = attempt(*token);
    }
    if (a.status) return {};
    if (a.unauthorized && !renewed) {
      // The token may have been revoked or rotated early: renew it once, right away.
      renewed = true;
      tokens_.invalidate(*token);
      --n;
      continue;
    }
    if (!a.retry) return a.status;
    last = a.status.error();
    if (n + 1 < settings_.max_attempts) {
      spdlog::warn("{} (attempt {} of {}), retrying", last.message, n + 1, settings_.max_attempts);
      if (!sleep_unless_stopped(backoff_delay(n + 1, settings_.base_backoff, kMaxBackoff), cancel)) {
        return core::fail(core::Error::transient(what + ": cancelled"));
      }
    }
  }
  return core::fail(core::Error::transient(last.message + "; gave up after " + std::to_string(settings_.max_attempts) +
                                           " attempts"));
}

core::Status GcsBlobStore::download(const std::string& bucket, const std::string& key, const std::filesystem::path& to,
                                   std::stop_token cancel, const ports::DownloadProgress& progress) {
  if (auto ok = check_names(bucket, key); !ok) return ok;
  std::error_code ec;
  std::filesystem::create_directories(to.parent_path(), ec);
  if (ec) return core::fail(core::Error::internal("cannot create " + to.parent_path().string() + ": " + ec.message()));
  const auto tmp = temp_beside(to);
  const std::string what = "downloading gs://" + bucket + "/" + key;
  const std::string url =
      object_url(bucket, key) + "?alt=media";

  auto status = with_retries(what, [&](const std::string& token) -> Attempt {
    std::FILE* out = std::fopen(tmp.c_str(), "wb");  // a retry starts over
    if (!out) {
      return {core::fail(core::Error::internal("cannot write " + tmp.string() + ": " + std::strerror(errno))), false, false};
    }
    HttpRequest request;
    request.url = url;
    request.headers = {"Authorization: Bearer " + token};
    request.sink = out;
    request.cancel = cancel;
    request.progress = progress;
    const HttpResponse r = perform(request);
    const bool written = std::fflush(out) == 0 && ::fsync(::fileno(out)) == 0;
    const bool closed = std::fclose(out) == 0;
    if (cancel.stop_requested()) return {core::fail(core::Error::transient(what + ": cancelled")), false, false};
    if (r.curl_code == CURLE_OK && r.status == 200) {
      if (!written || !closed) {
        return {core::fail(core::Error::internal("cannot write " + tmp.string() + ": " + std::strerror(errno))), false, false};
      }
      return {};
    }
    if (r.curl_code == CURLE_OK && r.status == 404) {
      return {core::fail(core::Error::not_found("input not found: " + bucket + "/" + key)), false, false};
    }
    return classify(r, what, tokens_.account().client_email);
  }, cancel);
  if (status) std::filesystem::rename(tmp, to, ec);
  if (!status || ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
  }
  if (status && ec) return core::fail(core::Error::internal("cannot rename into " + to.string() + ": " + ec.message()));
  return status;
}

core::Result<std::string> GcsBlobStore::read(const std::string& bucket, const std::string& key, uint64_t offset,
                                             uint64_t length) {
  if (auto ok = check_names(bucket, key); !ok) return core::fail(ok.error());
  length = std::min(length, kMaxReadLength);
  if (length == 0) return std::string();
  const std::string what = "reading gs://" + bucket + "/" + key;
  std::string bytes;
  auto status = with_retries(what, [&](const std::string& token) -> Attempt {
    HttpRequest request;
    request.url = object_url(bucket, key) + "?alt=media";
    request.headers = {"Authorization: Bearer " + token,
                       "Range: bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)};
    HttpResponse r = perform(request);
    if (r.curl_code == CURLE_OK && r.status == 416) return {};
    if (r.curl_code == CURLE_OK && (r.status == 200 || r.status == 206)) {
      bytes = r.status == 206 ? std::move(r.body) : (offset >= r.body.size() ? std::string() : r.body.substr(offset, length));
      return {};
    }
    if (r.curl_code == CURLE_OK && r.status == 404) {
      return {core::fail(core::Error::not_found("not found: gs://" + bucket + "/" + key)), false, false};
    }
    return classify(r, what, tokens_.account().client_email);
  });
  if (!status) return core::fail(status.error());
  return bytes;
}

core::Result<std::uint64_t> GcsBlobStore::size(const std::string& bucket, const std::string& key) {
  if (auto ok = check_names(bucket, key); !ok) return core::fail(ok.error());
  const std::string what = "reading the size of gs://" + bucket + "/" + key;
  const std::string url =
      object_url(bucket, key) + "?fields=size";
  std::uint64_t bytes = 0;
  auto status = with_retries(what, [&](const std::string& token) -> Attempt {
    HttpRequest request;
    request.url = url;
    request.headers = {"Authorization: Bearer " + token};
    request.timeout = std::chrono::seconds(60);
    const HttpResponse r = perform(request);
    if (r.curl_code == CURLE_OK && r.status == 404) {
      return {core::fail(core::Error::not_found("input not found: " + bucket + "/" + key)), false, false};
    }
    if (r.curl_code != CURLE_OK || r.status != 200) return classify(r, what, tokens_.account().client_email);
    // The JSON API writes uint64 fields as decimal strings ("size": "1048576").
    const nlohmann::json doc = nlohmann::json::parse(r.body, nullptr, false);
    const std::string text = doc.is_object() && doc.contains("size") && doc["size"].is_string() ? doc["size"].get<std::string>() : "";
    const char* end = text.data() + text.size();
    if (text.empty() || std::from_chars(text.data(), end, bytes).ptr != end) {
      return {core::fail(core::Error::internal(what + ": no size in the answer " + r.body.substr(0, 200))), false, false};
    }
    return {};
  });
  if (!status) return core::fail(status.error());
  return bytes;
}

core::Status GcsBlobStore::remove(const std::string& bucket, const std::string& key) {
  if (auto ok = check_names(bucket, key); !ok) return ok;
  const std::string what = "deleting gs://" + bucket + "/" + key;
  const std::string url =
      object_url(bucket, key);
  return with_retries(what, [&](const std::string& token) -> Attempt {
    HttpRequest request;
    request.method = "DELETE";
    request.url = url;
    request.headers = {"Authorization: Bearer " + token};
    request.timeout = std::chrono::seconds(60);
    const HttpResponse r = perform(request);
    if (r.curl_code == CURLE_OK && (r.status == 204 || r.status == 200 || r.status == 404)) return {};
    return classify(r, what, tokens_.account().client_email);
  });
}

GcsBlobStore::Attempt GcsBlobStore::start_upload(const std::string& token, const std::string& bucket,
                                                 const std::string& key, std::uint64_t size, std::string& session) {
  const std::string type = core::content_type_for(key);
  HttpRequest request;
  request.method = "POST";
  request.url = settings_.api_endpoint + "/upload/storage/v1/b/" + core::percent_encode(bucket) +
                "/o?uploadType=resumable&name=" + core::percent_encode(key) +
                (settings_.public_read ? "&predefinedAcl=publicRead" : "");
  request.headers = {"Authorization: Bearer " + token, "Content-Type: application/json; charset=UTF-8",
                     "X-Upload-Content-Type: " + type, "X-Upload-Content-Length: " + std::to_string(size)};
  const std::string metadata = nlohmann::json{{"name", key}, {"contentType", type}}.dump();
  request.body.text = &metadata;
  request.timeout = std::chrono::seconds(60);
  const HttpResponse r = perform(request);
  const std::string what = "starting upload of gs://" + bucket + "/" + key;
  if (r.curl_code == CURLE_OK && r.status == 200) {
    session = r.header("location");
    if (session.empty()) return {core::fail(core::Error::internal(what + ": no session URI in the answer")), false, false};
    return {};
  }
  if (r.curl_code == CURLE_OK && r.status == 404) {
    return {core::fail(core::Error::internal(what + ": bucket " + bucket + " does not exist")), false, false};
  }
  return classify(r, what, tokens_.account().client_email);
}

core::Status GcsBlobStore::upload(const std::filesystem::path& from, const std::string& bucket, const std::string& key) {
  if (auto ok = check_names(bucket, key); !ok) return ok;
  const int fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return core::fail(core::Error::internal("cannot read " + from.string() + " to upload: " + std::strerror(errno)));
  const std::unique_ptr<int, void (*)(int*)> closer(new int(fd), [](int* p) { ::close(*p); delete p; });
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(from, ec);
  if (ec) return core::fail(core::Error::internal("cannot read the size of " + from.string() + ": " + ec.message()));
  const std::string what = "uploading " + from.string() + " to gs://" + bucket + "/" + key;

  std::string session;
  auto started = with_retries(what, [&](const std::string& token) { return start_upload(token, bucket, key, size, session); });
  if (!started) return started;

  std::uint64_t offset = 0;
  bool ask_first = false;  // after a failed PUT, ask the server what it kept before sending more
  return with_retries(what, [&](const std::string& token) -> Attempt {
    for (;;) {
      const std::uint64_t length = ask_first ? 0 : std::min<std::uint64_t>(settings_.chunk_bytes, size - offset);
      HttpRequest request;
      request.method = "PUT";
      request.url = session;
      const std::string range = ask_first || size == 0
                                    ? "bytes */" + std::to_string(size)
                                    : "bytes " + std::to_string(offset) + "-" + std::to_string(offset + length - 1) + "/" +
                                          std::to_string(size);
      request.headers = {"Authorization: Bearer " + token, "Content-Range: " + range};
      request.body = RequestBody{nullptr, fd, offset, length};
      const HttpResponse r = perform(request);
      if (r.curl_code == CURLE_OK && (r.status == 200 || r.status == 201)) return {};
      if (r.curl_code == CURLE_OK && r.status == 308) {
        const std::uint64_t next = std::min(next_offset(r), size);
        // A server that keeps nothing of a chunk would loop us forever: count it as a failure.
        if (length > 0 && next <= offset) {
          offset = next;
          return {core::fail(core::Error::transient(what + ": server kept none of the chunk")), true, false};
        }
        ask_first = false;
        offset = next;
        continue;
      }
      ask_first = true;
      if (r.curl_code == CURLE_OK && (r.status == 404 || r.status == 410)) {
        // The session expired or was cancelled; only a new upload helps (the job's retry).
        return {core::fail(core::Error::transient(what + ": upload session expired")), false, false};
      }
      return classify(r, what, tokens_.account().client_email);
    }
  });
}

}  // namespace ve::adapters::blob::gcs
