// SPDX-License-Identifier: Apache-2.0
#include "fake_gcs_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "adapters/blob/gcs/curl_easy.hpp"
#include "adapters/blob/gcs/gcs_blob_store.hpp"
#include "core/text_encoding.hpp"
#include "support/test_support.hpp"

extern char** environ;

namespace ve::testing {
namespace {

namespace gcs = adapters::blob::gcs;

gcs::HttpResponse call(const std::string& method, const std::string& url, const std::string& body = "") {
  // The adapter's own HTTP helper is used only as a transport for test controls here.
  gcs::HttpRequest request;
  request.method = method;
  request.url = url;
  request.timeout = std::chrono::seconds(30);
  std::istringstream in(body);
  if (method == "PUT") {
    request.upload_from = &in;
    request.upload_length = body.size();
  } else {
    request.body = body;
  }
  gcs::HttpResponse r = gcs::perform(request);
  if (r.code != CURLE_OK) throw std::runtime_error("fake GCS control " + url + ": " + r.transport_error);
  return r;
}

std::string path_of(const std::string& bucket, const std::string& name) {
  return "/_control/object/" + bucket + "/" + core::percent_encode(name);
}

}  // namespace

std::filesystem::path gcs_test_data(const std::string& name) { return std::filesystem::path(VE_GCS_TEST_DATA_DIR) / name; }

std::string service_account_json(const std::string& token_uri) {
  return nlohmann::json{{"type", "service_account"},
                        {"project_id", "ve-test"},
                        {"private_key_id", FakeGcs::kKeyId},
                        {"private_key", read_text(gcs_test_data("test_key.pem"))},
                        {"client_email", FakeGcs::kClientEmail},
                        {"client_id", "100000000000000000001"},
                        {"auth_uri", "https://accounts.google.com/o/oauth2/auth"},
                        {"token_uri", token_uri}}
      .dump(2);
}

FakeGcs::FakeGcs(const std::filesystem::path& dir) : log_(dir / "fake_gcs.log"), key_file_(dir / "service_account.json") {
  const std::string port_file = (dir / "fake_gcs.port").string();
  const std::string public_key = gcs_test_data("test_key.pub.pem").string();
  std::vector<std::string> args = {VE_PYTHON3,     VE_FAKE_GCS_SCRIPT, "--port-file",  port_file,   "--public-key",
                                   public_key,     "--client-email",   kClientEmail,  "--key-id",  kKeyId};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error(std::string("cannot start ") + VE_PYTHON3);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!std::filesystem::exists(port_file)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("fake_gcs.py exited:\n" + read_text(log_));
    }
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("fake_gcs.py did not start:\n" + read_text(log_));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  port_ = std::stoi(read_text(port_file));
  write_bytes(key_file_, service_account_json(endpoint() + "/token"));
}

FakeGcs::~FakeGcs() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

void FakeGcs::put_object(const std::string& bucket, const std::string& name, const std::string& bytes) {
  const auto r = call("PUT", endpoint() + path_of(bucket, name), bytes);
  if (r.status != 204) throw std::runtime_error("fake GCS: cannot store " + name);
}

std::optional<FakeGcs::StoredObject> FakeGcs::object(const std::string& bucket, const std::string& name) {
  std::string bytes;
  std::ostringstream out;
  gcs::HttpRequest request;
  request.url = endpoint() + path_of(bucket, name);
  request.download_to = &out;
  const auto r = gcs::perform(request);
  if (r.code != CURLE_OK || r.status == 404) return std::nullopt;
  return StoredObject{out.str(), r.header("x-content-type"), r.header("x-acl")};
}

void FakeGcs::control(const std::string& what, const nlohmann::json& args) {
  const auto r = call("POST", endpoint() + "/_control/" + what, args.dump());
  if (r.status != 204) throw std::runtime_error("fake GCS control " + what + ": HTTP " + std::to_string(r.status));
}

nlohmann::json FakeGcs::stats() { return nlohmann::json::parse(call("GET", endpoint() + "/_control/stats").body); }

}  // namespace ve::testing
