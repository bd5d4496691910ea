// SPDX-License-Identifier: Apache-2.0
#include "core/storage_location.hpp"

#include <regex>

#include "core/job_request.hpp"

namespace ve::core {

const char* to_string(StorageBackend backend) {
  switch (backend) {
    case StorageBackend::Local: return "local";
    case StorageBackend::S3: return "s3";
    case StorageBackend::Gcs: return "gcs";
  }
  return "?";
}

std::string BucketLocation::key_of(std::string_view key) const {
  return prefix.empty() ? std::string(key) : prefix + "/" + std::string(key);
}

Result<BucketLocation> parse_bucket_location(std::string_view setting, StorageBackend default_backend) {
  BucketLocation location;
  location.backend = default_backend;
  std::string_view rest = setting;
  if (rest.starts_with("s3://")) {
    location.backend = StorageBackend::S3;
    rest.remove_prefix(5);
  } else if (rest.starts_with("gs://")) {
    location.backend = StorageBackend::Gcs;
    rest.remove_prefix(5);
  } else if (rest.find("://") != std::string_view::npos) {
    return fail(Error::invalid_input("'" + std::string(setting) + "': unknown storage scheme (use s3:// or gs://)"));
  }
  const size_t slash = rest.find('/');
  location.bucket = std::string(rest.substr(0, slash));
  std::string_view prefix = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  location.prefix = std::string(prefix);

  // The intersection of S3's and Google Cloud Storage's rules, which also keeps the local backend
  // inside its root folder.
  static const std::regex kBucket("[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  if (!std::regex_match(location.bucket, kBucket) || location.bucket.find("..") != std::string::npos ||
      (location.backend != StorageBackend::Local &&
       !std::regex_match(location.bucket, std::regex("[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]")))) {
    return fail(Error::invalid_input("'" + std::string(setting) + "': '" + location.bucket +
                                     "' is not a valid bucket name"));
  }
  if (!location.prefix.empty()) {
    if (auto ok = validate_object_key(location.prefix); !ok) {
      return fail(Error::invalid_input("'" + std::string(setting) + "': invalid prefix (" + ok.error().message + ")"));
    }
  }
  return location;
}

const char* content_type_for(std::string_view key) {
  const auto ends = [&](std::string_view ext) { return key.ends_with(ext); };
  if (ends(".mpd")) return "application/dash+xml";
  if (ends(".m4s")) return "video/iso.segment";
  if (ends(".mp4")) return "video/mp4";
  if (ends(".m3u8")) return "application/vnd.apple.mpegurl";
  if (ends(".vtt")) return "text/vtt";
  if (ends(".jpg")) return "image/jpeg";
  return "application/octet-stream";
}

}  // namespace ve::core
