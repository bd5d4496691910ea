// SPDX-License-Identifier: Apache-2.0
#include "fake_gcs_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "adapters/blob/gcs/gcs_blob_store.hpp"
#include "adapters/blob/http_exchange.hpp"
#include "core/text_encoding.hpp"
#include "support/test_support.hpp"

extern char** environ;

namespace ve::testing {
namespace {

namespace blob = adapters::blob;

using TempFile = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

blob::HttpResponse call(const std::string& method, const std::string& url, const std::string& body = "") {
  // The adapters' own HTTP exchange is used only as a transport for test controls here.
  blob::HttpRequest request;
  request.method = method;
  request.url = url;
  request.timeout = std::chrono::seconds(30);
  TempFile file(std::tmpfile(), &std::fclose);  // a PUT body is read from a file
  if (!file) throw std::runtime_error("fake GCS control: no temporary file");
  if (method == "PUT") {
    if (std::fwrite(body.data(), 1, body.size(), file.get()) != body.size() || std::fflush(file.get()) != 0) {
      throw std::runtime_error("fake GCS control: cannot write a temporary file");
    }
    request.body = blob::RequestBody{nullptr, ::fileno(file.get()), 0, body.size()};
  } else {
    request.body.text = &body;
  }
  blob::HttpResponse r = blob::perform(request);
  if (r.curl_code != CURLE_OK) throw std::runtime_error("fake GCS control " + url + ": " + r.curl_error);
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
  TempFile out(std::tmpfile(), &std::fclose);
  if (!out) throw std::runtime_error("fake GCS: no temporary file");
  blob::HttpRequest request;
  request.url = endpoint() + path_of(bucket, name);
  request.sink = out.get();
  const auto r = blob::perform(request);
  if (r.curl_code != CURLE_OK || r.status == 404) return std::nullopt;
  std::string bytes(r.received, '\0');
  std::rewind(out.get());
  if (std::fread(bytes.data(), 1, bytes.size(), out.get()) != bytes.size()) throw std::runtime_error("fake GCS: short read");
  return StoredObject{bytes, r.header("x-content-type"), r.header("x-acl")};
}

void FakeGcs::control(const std::string& what, const nlohmann::json& args) {
  const auto r = call("POST", endpoint() + "/_control/" + what, args.dump());
  if (r.status != 204) throw std::runtime_error("fake GCS control " + what + ": HTTP " + std::to_string(r.status));
}

nlohmann::json FakeGcs::stats() { return nlohmann::json::parse(call("GET", endpoint() + "/_control/stats").body); }

}  // namespace ve::testing
