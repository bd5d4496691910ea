// SPDX-License-Identifier: Apache-2.0
// `video-encoder serve` with its broker given as an amqps:// RABBITMQ_URL: a private RabbitMQ with
// a TLS listener and certificates made by the openssl CLI, one message to COMPLETED, the password
// kept out of the log; and a broker certificate it cannot verify stopping start-up at once.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>

#include "support/rabbitmq_fixture.hpp"
#include "support/service_process.hpp"
#include "support/test_support.hpp"

namespace {

using namespace std::chrono_literals;
using ve::testing::ServiceProcess;
using ve::testing::TempDir;

constexpr const char* kUser = "ve-tls";
constexpr const char* kPassword = "tls-pw-4e1f+/@x";  // needs percent-encoding in a URI
constexpr const char* kPasswordEncoded = "tls-pw-4e1f%2B%2F%40x";

class TlsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The certificate names the IP address the service connects to (no DNS name involved).
    files_ = ve::testing::make_tls_test_files(root_ / "certs", "IP:127.0.0.1");
    broker_ = ve::testing::RabbitMqNode::start_new_with_tls(files_);
    broker_->add_user(kUser, kPassword);
    std::filesystem::create_directories(root_ / "storage/in");
    std::filesystem::copy_file(ve::testing::shared_media("bento4-video-h264-001.mp4"), root_ / "storage/in/small.mp4");
  }

  std::map<std::string, std::string> env(const std::filesystem::path& ca_file) const {
    return {{"DB_TYPE", "sqlite3"},
            {"localStoragePath", (root_ / "work").string()},
            {"STORAGE_ROOT", (root_ / "storage").string()},
            {"inputBucketName", "in"},
            {"outputBucketName", "out"},
            {"RABBITMQ_URL", std::string("amqps://") + kUser + ":" + kPasswordEncoded + "@127.0.0.1:" +
                                 std::to_string(broker_->tls_port()) + "/%2F"},
            {"RABBITMQ_TLS_CA_FILE", ca_file.string()}};
  }

  TempDir root_;
  ve::testing::TlsTestFiles files_;
  std::unique_ptr<ve::testing::RabbitMqNode> broker_;
};

TEST_F(TlsServiceTest, PackagesAMessageReceivedOverTls) {
  ServiceProcess service(VE_BINARY, {"serve"}, env(files_.ca), root_.path(), root_ / "service.log");
  ve::testing::BrokerProbe probe(broker_->settings());  // over the plain listener
  const auto started = std::chrono::steady_clock::now();
  while (!probe.message_count("videos") && std::chrono::steady_clock::now() - started < 60s) {
    ASSERT_TRUE(service.running()) << service.log();
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(probe.message_count("videos")) << "the service did not declare its queue\n" << service.log();

  probe.publish("", "videos", R"({"resource_id":"tls-1","file_path":"small.mp4"})");
  auto result = probe.wait_get("videos-result", 90s);
  ASSERT_TRUE(result) << service.log();
  const auto j = nlohmann::json::parse(result->body);
  EXPECT_EQ(j["status"], "COMPLETED") << result->body;
  EXPECT_EQ(j["video"]["resource_id"], "tls-1");
  const std::string folder = j["video"]["encoded_video_folder"];
  EXPECT_TRUE(std::filesystem::exists(root_ / "storage/out" / folder / "manifest.mpd"));
  EXPECT_EQ(service.stop(), 0) << service.log();

  const std::string log = service.log();
  EXPECT_NE(log.find("amqps://ve-tls:***@127.0.0.1:"), std::string::npos) << log;
  EXPECT_EQ(log.find(kPassword), std::string::npos) << log;
  EXPECT_EQ(log.find(kPasswordEncoded), std::string::npos) << log;
}

TEST_F(TlsServiceTest, ABrokerCertificateItCannotVerifyStopsStartUp) {
  ServiceProcess service(VE_BINARY, {"serve"}, env(files_.other_ca), root_.path(), root_ / "service.log");
  // Not retried like an unreachable broker: the service gives up at once.
  const int code = service.wait_exit(60s);
  EXPECT_EQ(code, 1) << service.log();
  const std::string log = service.log();
  EXPECT_NE(log.find("the server certificate could not be verified"), std::string::npos) << log;
  EXPECT_NE(log.find("RABBITMQ_TLS_CA_FILE"), std::string::npos) << log;
  EXPECT_EQ(log.find("retrying"), std::string::npos) << log;
  EXPECT_EQ(log.find(kPassword), std::string::npos) << log;
}

}  // namespace
