// SPDX-License-Identifier: Apache-2.0
#include "support/s3_fixture.hpp"

#include <unistd.h>

#include <stdexcept>

namespace ve::testing {
namespace {

constexpr const char* kAccessKey = "ve-test-key";
constexpr const char* kSecretKey = "ve-test-secret-0123456789";

}  // namespace

S3Server::S3Server(std::vector<std::string> buckets) : dir_(std::make_unique<TempDir>()), buckets_(std::move(buckets)) {
  server_dir_ = (dir_->path() / "s3").string();
  // If this process dies before the destructor runs (a sanitizer abort, a ctest timeout), stop
  // the server anyway. Detached from our output so ctest does not wait for it.
  run("( while kill -0 " + std::to_string(::getpid()) + " 2>/dev/null; do sleep 1; done; " +
      quote(VE_S3_SERVER_SCRIPT) + " stop " + quote(server_dir_) + "; rm -rf " + quote(dir_->path().string()) +
      " ) </dev/null >/dev/null 2>&1 &");
  std::string names;
  for (const auto& b : buckets_) names += (names.empty() ? "" : " ") + b;
  CommandResult started;
  // Another process may take a port between our probe and the server's bind: try a few.
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = free_local_port();
    const std::string env = "VE_S3_PORT=" + std::to_string(port_) + " VE_S3_BACKEND_PORT=" +
                            std::to_string(free_local_port()) + " VE_S3_ACCESS_KEY=" + kAccessKey +
                            " VE_S3_SECRET_KEY=" + kSecretKey + " VE_S3_BUCKETS=" + quote(names) + " ";
    started = run(env + quote(VE_S3_SERVER_SCRIPT) + " start " + quote(server_dir_));
    if (started.exit_code == 0) break;
    script("stop");
  }
  if (started.exit_code != 0) {
    throw std::runtime_error("cannot start the S3 test server with " + std::string(VE_S3_SERVER_SCRIPT) + ":\n" +
                             started.output);
  }
}

S3Server::~S3Server() { script("stop"); }

std::map<std::string, std::string> s3_service_env(const adapters::blob::S3Settings& settings) {
  return {{"S3_ENDPOINT", settings.endpoint},
          {"S3_REGION", settings.region},
          {"S3_ACCESS_KEY_ID", settings.access_key_id},
          {"S3_SECRET_ACCESS_KEY", settings.secret_access_key},
          {"S3_FORCE_PATH_STYLE", "true"}};
}

adapters::blob::S3Settings S3Server::settings() const {
  adapters::blob::S3Settings s;
  s.endpoint = endpoint();
  s.access_key_id = kAccessKey;
  s.secret_access_key = kSecretKey;
  s.max_attempts = 4;
  s.base_backoff = std::chrono::milliseconds(50);
  return s;
}

void S3Server::stop() {
  const auto r = script("stop");
  if (r.exit_code != 0) throw std::runtime_error("cannot stop the S3 test server:\n" + r.output);
}

void S3Server::start() {
  const auto r = script("start");
  if (r.exit_code != 0) throw std::runtime_error("cannot start the S3 test server:\n" + r.output);
}

void S3Server::hold_downloads(bool hold) {
  const auto file = std::filesystem::path(server_dir_) / "hold-downloads";
  if (hold) {
    write_bytes(file, "");
  } else {
    std::filesystem::remove(file);
  }
}

size_t S3Server::pending_multipart_uploads(const std::string& bucket) const {
  const auto uploads = std::filesystem::path(server_dir_) / "data" / bucket / "._S3rver_uploads";
  std::error_code ec;
  size_t n = 0;
  for (std::filesystem::directory_iterator it(uploads, ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n;
}

CommandResult S3Server::curl(const std::string& arguments) const {
  return run(std::string("curl -sS --aws-sigv4 aws:amz:us-east-1:s3 -u ") + kAccessKey + ":" + kSecretKey +
             " -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' " + arguments);
}

CommandResult S3Server::script(const std::string& verb) const {
  return run(quote(VE_S3_SERVER_SCRIPT) + " " + verb + " " + quote(server_dir_));
}

}  // namespace ve::testing
