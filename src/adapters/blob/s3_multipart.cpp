// SPDX-License-Identifier: Apache-2.0
// S3BlobStore's multipart upload: CreateMultipartUpload, UploadPart for each part read straight
// from the file, CompleteMultipartUpload; AbortMultipartUpload on any failure so no parts linger.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "adapters/blob/s3_blob_store.hpp"
#include "adapters/blob/s3_url.hpp"
#include "adapters/blob/s3_xml.hpp"
#include "core/text_encoding.hpp"

namespace ve::adapters::blob {
namespace {

constexpr uint64_t kMinPart = 8ULL << 20;
constexpr uint64_t kMaxPart = 64ULL << 20;
constexpr uint64_t kMaxParts = 10000;

bool succeeded(const HttpResponse& r) { return r.curl_code == 0 && r.status >= 200 && r.status < 300; }

}  // namespace

core::Status S3BlobStore::upload_multipart(int fd, uint64_t size, const std::string& bucket,
                                           const std::string& key) const {
  const std::string object = bucket + "/" + key;
  HttpRequest create{"POST", url(bucket, key, {{"uploads", ""}}), upload_headers(key)};
  const HttpResponse created = exchange("CreateMultipartUpload " + object, create);
  if (!succeeded(created)) return core::fail(error_for(created, "upload", bucket, key));
  const auto upload_id = xml_value(created.body, "UploadId");
  if (!upload_id || upload_id->empty()) {
    return core::fail(core::Error::internal("S3 upload " + object + ": CreateMultipartUpload answered no UploadId"));
  }

  uint64_t part_size = std::clamp(settings_.part_size, kMinPart, kMaxPart);
  if (size / part_size >= kMaxParts) part_size = (size + kMaxParts - 1) / kMaxParts;
  std::string manifest = "<CompleteMultipartUpload>";
  int number = 1;
  for (uint64_t offset = 0; offset < size; offset += part_size, ++number) {
    const uint64_t length = std::min(part_size, size - offset);
    HttpRequest part{"PUT",
                     url(bucket, key, {{"partNumber", std::to_string(number)}, {"uploadId", *upload_id}}),
                     {},
                     RequestBody{nullptr, fd, offset, length}};
    const HttpResponse r = exchange("UploadPart " + std::to_string(number) + " of " + object, part);
    if (!succeeded(r) || r.header("etag").empty()) {
      abort_multipart(bucket, key, *upload_id);
      if (succeeded(r)) return core::fail(core::Error::internal("S3 upload " + object + ": part without an ETag"));
      return core::fail(error_for(r, "upload", bucket, key));
    }
    manifest += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + core::xml_escape(r.header("etag")) +
                "</ETag></Part>";
  }
  manifest += "</CompleteMultipartUpload>";

  HttpRequest complete{"POST", url(bucket, key, {{"uploadId", *upload_id}}), {"Content-Type: application/xml"}};
  complete.body.text = &manifest;
  HttpResponse done = exchange("CompleteMultipartUpload " + object, complete);
  // S3 may answer 200 and still report an error in the body (the status is sent before it knows).
  if (succeeded(done) && done.body.find("<Error>") != std::string::npos) {
    done.status = 500;
  }
  if (!succeeded(done)) {
    abort_multipart(bucket, key, *upload_id);
    return core::fail(error_for(done, "upload", bucket, key));
  }
  spdlog::debug("S3 uploaded {} ({} bytes, {} parts)", object, size, number - 1);
  return {};
}

void S3BlobStore::abort_multipart(const std::string& bucket, const std::string& key,
                                  const std::string& upload_id) const {
  HttpRequest request{"DELETE", url(bucket, key, {{"uploadId", upload_id}})};
  const HttpResponse r = exchange("AbortMultipartUpload " + bucket + "/" + key, request);
  if (!succeeded(r) && r.status != 404) {
    spdlog::error("S3 could not abort multipart upload {} of {}/{} ({}): its parts stay stored until a lifecycle "
                  "rule removes them",
                  upload_id, bucket, key, r.curl_code ? r.curl_error : "HTTP " + std::to_string(r.status));
  }
}

}  // namespace ve::adapters::blob
