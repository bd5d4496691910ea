// SPDX-License-Identifier: Apache-2.0
// The web console in a real browser: a service with its HTTP server behind a token, a private
// RabbitMQ, SQLite and local buckets holding a generated 8 s 720p input that is encoded to one 360p
// rendition with x264's "slower" preset (so ENCODING lasts several seconds, long enough for the
// list, refreshed every 1.5 s, to show the progress bar grow). tests/e2e/browser/console_test.mjs then drives
// headless Chromium through the console (login, submit, list, job page, player) and writes
// screenshots into the build's artifacts folder.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "support/rabbitmq_fixture.hpp"
#include "support/service_process.hpp"
#include "support/test_support.hpp"

namespace {

using namespace std::chrono_literals;
using ve::testing::ServiceProcess;
using ve::testing::eventually;

constexpr const char* kToken = "console-test-token-0123456789";
constexpr const char* kInputName = "console.mp4";

int status_of(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  const auto r = client.Get(path);
  return r ? r->status : 0;
}

std::string last_line(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) trimmed.pop_back();
  const auto at = trimmed.rfind('\n');
  return at == std::string::npos ? trimmed : trimmed.substr(at + 1);
}

TEST(Console, LoginSubmitProgressJobPageAndPlaybackInChromium) {
  ve::testing::TempDir root;
  const auto input_dir = root / "buckets" / "videos-input";
  std::filesystem::create_directories(input_dir);
  ve::testing::ffmpeg_generate(
      "-f lavfi -i testsrc2=size=1280x720:rate=30:duration=8 -f lavfi -i sine=frequency=440:duration=8 "
      "-c:v libx264 -preset veryfast -g 60 -pix_fmt yuv420p -c:a aac -shortest",
      input_dir / kInputName);
  if (::testing::Test::HasFatalFailure()) return;

  auto broker = ve::testing::RabbitMqNode::start_new();
  const int port = ve::testing::free_local_port();
  ServiceProcess service(VE_BINARY, {"serve"},
                         {{"DB_TYPE", "sqlite3"},
                          {"DSN", (root / "jobs.db").string()},
                          {"localStoragePath", (root / "work").string()},
                          {"STORAGE_ROOT", (root / "buckets").string()},
                          {"RENDITIONS", "360p:400k"},
                          {"X264_PRESET", "slower"},
                          {"RABBITMQ_DEFAULT_HOST", "127.0.0.1"},
                          {"RABBITMQ_DEFAULT_PORT", std::to_string(broker->port())},
                          {"HTTP_ADDR", "127.0.0.1:" + std::to_string(port)},
                          {"HTTP_TOKEN", kToken}},
                         root.path(), root / "service.log");
  ASSERT_TRUE(eventually([&] { return status_of(port, "/readyz") == 200; }, 90s)) << service.log();

  const std::filesystem::path artifacts = VE_CONSOLE_ARTIFACTS_DIR;
  std::filesystem::remove_all(artifacts);
  std::filesystem::create_directories(artifacts);
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const auto browser = ve::testing::run(ve::testing::quote(VE_NODE) + " " + ve::testing::quote(VE_CONSOLE_TEST_SCRIPT) + " " +
                                        ve::testing::quote(base) + " " + ve::testing::quote(kToken) + " " +
                                        ve::testing::quote(artifacts.string()) + " " + kInputName);
  std::cout << browser.output << std::flush;
  EXPECT_EQ(browser.exit_code, 0) << "service log:\n" << service.log();
  EXPECT_EQ(last_line(browser.output), "1 passed, 0 failed");
  for (const char* shot : {"list.png", "job.png"}) EXPECT_TRUE(std::filesystem::exists(artifacts / shot)) << shot;

  EXPECT_EQ(service.stop(), 0) << service.log();
  EXPECT_EQ(service.log().find(kToken), std::string::npos) << "the token is in the log";
}

}  // namespace
