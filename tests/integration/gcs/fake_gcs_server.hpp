// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace ve::testing {

// fake_gcs.py (token endpoint + GCS JSON API) on a free 127.0.0.1 port, and a service-account key
// file for tests/data/gcs/test_key.pem whose token_uri points at it. Stopped on destruction.
// Throws std::runtime_error (with the server's log) when it cannot start.
class FakeGcs {
 public:
  static constexpr const char* kClientEmail = "encoder@ve-test.iam.gserviceaccount.com";
  static constexpr const char* kKeyId = "0123456789abcdef-test-key";

  explicit FakeGcs(const std::filesystem::path& dir);
  ~FakeGcs();
  FakeGcs(const FakeGcs&) = delete;
  FakeGcs& operator=(const FakeGcs&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& key_file() const { return key_file_; }

  struct StoredObject {
    std::string bytes;
    std::string content_type;
    std::string acl;  // "publicRead" or "none"
  };
  void put_object(const std::string& bucket, const std::string& name, const std::string& bytes);
  std::optional<StoredObject> object(const std::string& bucket, const std::string& name);
  // POST /_control/<what> with a JSON body; see fake_gcs.py.
  void control(const std::string& what, const nlohmann::json& args = nlohmann::json::object());
  nlohmann::json stats();

 private:
  std::filesystem::path log_;
  std::filesystem::path key_file_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Test data file (tests/data/gcs/NAME).
std::filesystem::path gcs_test_data(const std::string& name);

// A service-account key JSON for the test key, with this token_uri.
std::string service_account_json(const std::string& token_uri);

}  // namespace ve::testing
