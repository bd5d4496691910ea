// SPDX-License-Identifier: Apache-2.0
#include "adapters/blob/s3_blob_store.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>

#include "adapters/blob/curl_handles.hpp"
#include "adapters/blob/s3_url.hpp"
#include "core/storage_location.hpp"
#include "adapters/blob/s3_xml.hpp"
#include "core/job_request.hpp"

namespace ve::adapters::blob {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

core::Status validate(const std::string& bucket, const std::string& key) {
  const bool bucket_ok = !bucket.empty() && bucket.size() <= 63 &&
                         bucket.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos;
  if (!bucket_ok) return core::fail(core::Error::invalid_input("invalid bucket name '" + bucket + "'"));
  return core::validate_object_key(key);
}

std::string describe(const HttpResponse& r) {
  if (r.curl_code != 0) return r.curl_error;
  auto code = xml_value(r.body, "Code");
  return "HTTP " + std::to_string(r.status) + (code ? " " + *code : "");
}

bool truncate_sink(std::FILE* sink) {
  return std::fflush(sink) == 0 && ::ftruncate(::fileno(sink), 0) == 0 && std::fseek(sink, 0, SEEK_SET) == 0;
}

}  // namespace

S3BlobStore::S3BlobStore(S3Settings settings)
    : settings_(std::move(settings)),
      signing_{settings_.region, settings_.access_key_id, settings_.secret_access_key} {
  ensure_curl_initialized();
  if (settings_.max_attempts < 1) settings_.max_attempts = 1;
}

std::string S3BlobStore::url(std::string_view bucket, std::string_view key, QueryParams query) const {
  return object_url(settings_.endpoint, settings_.force_path_style, bucket, key, std::move(query));
}

HttpResponse S3BlobStore::exchange(std::string_view what, const HttpRequest& request, bool (*rewind)(std::FILE*)) const {
  for (int attempt = 1;; ++attempt) {
    HttpResponse r = perform(request, &signing_);
    if (r.curl_code == 0 && r.status >= 200 && r.status < 300) return r;
    if (!is_retryable(r) || attempt >= settings_.max_attempts || request.cancel.stop_requested()) return r;
    if (rewind && !rewind(request.sink)) return r;
    const auto delay = backoff_delay(attempt, settings_.base_backoff);
    spdlog::warn("S3 {} failed ({}); attempt {} of {} in {} ms", what, describe(r), attempt + 1,
                 settings_.max_attempts, delay.count());
    if (!sleep_unless_stopped(delay, request.cancel)) return r;
  }
}

core::Error S3BlobStore::error_for(const HttpResponse& r, std::string_view operation, std::string_view bucket,
                                   std::string_view key) const {
  const std::string object = std::string(bucket) + "/" + std::string(key);
  const std::string where = std::string(operation) + " " + object + " at " + settings_.endpoint;
  if (is_retryable(r)) {
    return core::Error::transient("S3 " + where + " failed after " + std::to_string(settings_.max_attempts) +
                                  " attempts: " + describe(r) + "; the object store may be down, try again later");
  }
  if (r.curl_code != 0) return core::Error::internal("S3 " + where + " failed: " + r.curl_error);
  const std::string code = xml_value(r.body, "Code").value_or("");
  if (r.status == 404 && (code.empty() || code == "NoSuchKey")) return core::Error::not_found("input not found: " + object);
  if (r.status == 403 || code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch") {
    // Names the key id, never the secret.
    return core::Error::internal("S3 credentials were rejected (" + (code.empty() ? "HTTP 403" : code) + ") for " +
                                 where + ": check the access key id '" + settings_.access_key_id +
                                 "', the secret access key and the region '" + settings_.region + "'");
  }
  const std::string message = xml_value(r.body, "Message").value_or("");
  return core::Error::internal("S3 " + where + " failed: HTTP " + std::to_string(r.status) +
                               (code.empty() ? "" : " " + code) + (message.empty() ? "" : ": " + message));
}

core::Status S3BlobStore::download(const std::string& bucket, const std::string& key, const std::filesystem::path& to,
                                  std::stop_token cancel, const ports::DownloadProgress& progress) {
  if (auto ok = validate(bucket, key); !ok) return ok;
  static std::atomic<unsigned> counter{0};
  std::string tmp_name(1, '.');  // appended piecewise: see s3_xml.cpp about GCC 12's -Wrestrict
  tmp_name.append(to.filename().string()).append(".part-").append(std::to_string(::getpid()));
  tmp_name.append(1, '-').append(std::to_string(counter.fetch_add(1)));
  const auto tmp = to.parent_path() / tmp_name;
  std::error_code ec;
  if (!to.parent_path().empty()) std::filesystem::create_directories(to.parent_path(), ec);
  File sink(std::fopen(tmp.c_str(), "wbx"));
  if (!sink) return core::fail(core::Error::internal("cannot create " + tmp.string() + ": " + std::strerror(errno)));
  const auto remove_tmp = [&] { std::filesystem::remove(tmp, ec); };

  HttpRequest request{"GET", url(bucket, key), {}, {}, sink.get()};
  request.cancel = cancel;
  request.progress = progress;
  const HttpResponse r = exchange("GET " + bucket + "/" + key, request, truncate_sink);
  if (r.curl_code != 0 || r.status < 200 || r.status >= 300) {
    sink.reset();
    remove_tmp();
    if (cancel.stop_requested()) {
      return core::fail(core::Error::transient("S3 download " + bucket + "/" + key + " cancelled after " +
                                               std::to_string(r.received) + " bytes"));
    }
    return core::fail(error_for(r, "download", bucket, key));
  }
  const bool flushed = std::fflush(sink.get()) == 0 && ::fsync(::fileno(sink.get())) == 0;
  const bool closed = std::fclose(sink.release()) == 0;
  if (flushed && closed) std::filesystem::rename(tmp, to, ec);
  if (!flushed || !closed || ec) {
    remove_tmp();
    return core::fail(core::Error::internal("cannot write " + to.string() + ": " +
                                            (ec ? ec.message() : std::string(std::strerror(errno)))));
  }
  spdlog::debug("S3 downloaded {}/{} ({} bytes) to {}", bucket, key, r.received, to.string());
  return {};
}

core::Result<std::string> S3BlobStore::read(const std::string& bucket, const std::string& key, uint64_t offset,
                                            uint64_t length) {
  if (auto ok = validate(bucket, key); !ok) return core::fail(ok.error());
  length = std::min(length, kMaxReadLength);
  if (length == 0) return std::string();
  // The answer's body is kept in memory (at most kMaxReadLength, below the exchange's 1 MiB cap).
  HttpRequest request{"GET", url(bucket, key),
                      {"Range: bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)}};
  HttpResponse r = exchange("GET " + bucket + "/" + key + " (range)", request);
  if (r.curl_code == 0 && r.status == 416) return std::string();  // past the end
  if (r.curl_code != 0 || r.status < 200 || r.status >= 300) return core::fail(error_for(r, "read", bucket, key));
  // A server that ignores Range answers 200 with the whole object.
  if (r.status == 200) return offset >= r.body.size() ? std::string() : r.body.substr(offset, length);
  return std::move(r.body);
}

core::Result<uint64_t> S3BlobStore::size(const std::string& bucket, const std::string& key) {
  if (auto ok = validate(bucket, key); !ok) return core::fail(ok.error());
  const HttpResponse r = exchange("HEAD " + bucket + "/" + key, HttpRequest{"HEAD", url(bucket, key)});
  if (r.curl_code != 0 || r.status < 200 || r.status >= 300) return core::fail(error_for(r, "head", bucket, key));
  // Reporting 0 for an unknown length would let any object pass the disk-space check.
  if (r.content_length < 0) {
    return core::fail(core::Error::internal("S3 head " + bucket + "/" + key + " at " + settings_.endpoint +
                                            ": the answer has no Content-Length"));
  }
  return static_cast<uint64_t>(r.content_length);
}

core::Status S3BlobStore::remove(const std::string& bucket, const std::string& key) {
  if (auto ok = validate(bucket, key); !ok) return ok;
  const HttpResponse r = exchange("DELETE " + bucket + "/" + key, HttpRequest{"DELETE", url(bucket, key)});
  const bool gone = r.curl_code == 0 && ((r.status >= 200 && r.status < 300) || r.status == 404);
  if (!gone) return core::fail(error_for(r, "delete", bucket, key));
  return {};
}

core::Status S3BlobStore::head(const std::string& bucket, const std::string& key, uint64_t* size) {
  auto bytes = this->size(bucket, key);
  if (!bytes) return core::fail(bytes.error());
  if (size) *size = *bytes;
  return {};
}

std::vector<std::string> S3BlobStore::upload_headers(std::string_view key) const {
  std::vector<std::string> headers{"Content-Type: " + std::string(core::content_type_for(key))};
  if (settings_.public_read) headers.emplace_back("x-amz-acl: public-read");
  return headers;
}

core::Status S3BlobStore::upload(const std::filesystem::path& from, const std::string& bucket, const std::string& key) {
  if (auto ok = validate(bucket, key); !ok) return ok;
  const int fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return core::fail(core::Error::internal("cannot open " + from.string() + ": " + std::strerror(errno)));
  const std::unique_ptr<int, void (*)(int*)> closer(new int(fd), [](int* p) { ::close(*p); delete p; });
  struct stat st {};
  if (::fstat(fd, &st) != 0) return core::fail(core::Error::internal("cannot stat " + from.string()));
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > settings_.multipart_threshold) return upload_multipart(fd, size, bucket, key);

  HttpRequest request{"PUT", url(bucket, key), upload_headers(key), RequestBody{nullptr, fd, 0, size}};
  const HttpResponse r = exchange("PUT " + bucket + "/" + key, request);
  if (r.curl_code != 0 || r.status < 200 || r.status >= 300) return core::fail(error_for(r, "upload", bucket, key));
  spdlog::debug("S3 uploaded {} ({} bytes) to {}/{}", from.string(), size, bucket, key);
  return {};
}

core::Result<std::vector<std::string>> S3BlobStore::list(const std::string& bucket, const std::string& prefix) {
  if (auto ok = validate(bucket, "x"); !ok) return core::fail(ok.error());
  std::vector<std::string> keys;
  std::string token;
  do {
    QueryParams query{{"list-type", "2"}, {"prefix", prefix}};
    if (!token.empty()) query.emplace_back("continuation-token", token);
    const HttpResponse r = exchange("LIST " + bucket + "/" + prefix, HttpRequest{"GET", url(bucket, "", query)});
    if (r.curl_code != 0 || r.status < 200 || r.status >= 300) return core::fail(error_for(r, "list", bucket, prefix));
    for (auto& k : xml_values(r.body, "Key")) keys.push_back(std::move(k));
    const bool truncated = xml_value(r.body, "IsTruncated").value_or("false") == "true";
    token = truncated ? xml_value(r.body, "NextContinuationToken").value_or("") : "";
    if (truncated && token.empty()) {
      return core::fail(core::Error::internal("S3 list " + bucket + "/" + prefix + ": truncated answer without a token"));
    }
  } while (!token.empty());
  return keys;
}

}  // namespace ve::adapters::blob
