// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adapters/blob/s3_blob_store.hpp"
#include "support/test_support.hpp"

namespace ve::testing {

// A private S3-compatible server on 127.0.0.1 free ports, run by scripts/lib/s3-server in a fresh
// temporary folder: s3rver behind a proxy that verifies every request's SigV4 signature. The
// constructor starts it with `buckets` created (throwing std::runtime_error with the script's
// output when it cannot); the destructor stops it and removes its files, and a watchdog does the
// same if the test process dies first. Drive it from one thread.
class S3Server;

// The service's environment for an S3-compatible server: S3_ENDPOINT, S3_REGION, the access key
// and secret, and path-style addressing.
std::map<std::string, std::string> s3_service_env(const adapters::blob::S3Settings& settings);

class S3Server {
 public:
  explicit S3Server(std::vector<std::string> buckets = {"media"});
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  // Endpoint, region and the credentials the proxy accepts; path-style; quick retries.
  adapters::blob::S3Settings settings() const;
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // For outage tests: stops both processes (data kept) / starts them again on the same ports.
  void stop();
  void start();

  // While held, object downloads (GET of a key) wait before they get an answer: a test's way to
  // catch a job in the middle of its download. The proxy checks every 50 ms.
  void hold_downloads(bool hold);

  // Multipart uploads of `bucket` begun and neither completed nor aborted (their parts on disk).
  size_t pending_multipart_uploads(const std::string& bucket) const;

  // An independent client: the curl command line, signing with the same credentials.
  CommandResult curl(const std::string& arguments) const;

 private:
  CommandResult script(const std::string& verb) const;

  std::unique_ptr<TempDir> dir_;
  std::string server_dir_;
  int port_ = 0;
  std::vector<std::string> buckets_;
};

}  // namespace ve::testing
