// SPDX-License-Identifier: Apache-2.0
// AmqpClient over amqps:// against a private RabbitMQ with a TLS listener whose certificates are
// made by the openssl CLI: verification on and off, a wrong CA, a host name the certificate does
// not name, client certificates, and plain and TLS clients on each other's port.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/amqp/amqp_client.hpp"
#include "support/rabbitmq_fixture.hpp"
#include "support/test_support.hpp"

namespace ve::adapters::amqp {
namespace {

using namespace std::chrono_literals;
using testing::BrokerProbe;
using testing::RabbitMqNode;
using testing::TlsTestFiles;

// The server certificate names localhost only, so 127.0.0.1 is a host it does not name.
constexpr const char* kServerNames = "DNS:localhost";

struct TlsBroker {
  std::unique_ptr<testing::TempDir> certs_dir;  // when started here rather than by CTest
  std::unique_ptr<RabbitMqNode> node;
  TlsTestFiles files;
};

// The suite's broker: the CTest fixture's (VE_TEST_RABBITMQ_TLS_DIR), or one started on first use.
TlsBroker& shared_broker() {
  static TlsBroker broker = [] {
    TlsBroker b;
    try {
      const char* dir = std::getenv("VE_TEST_RABBITMQ_TLS_DIR");
      if (dir && *dir) {
        b.node = RabbitMqNode::attach(dir);
        b.files = testing::tls_test_files_in(std::filesystem::path(dir) / "certs");
      } else {
        b.certs_dir = std::make_unique<testing::TempDir>();
        b.files = testing::make_tls_test_files(b.certs_dir->path(), kServerNames);
        b.node = RabbitMqNode::start_new_with_tls(b.files);
      }
      if (b.node->tls_port() == 0) throw std::runtime_error("the broker has no TLS listener");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      std::exit(1);
    }
    return b;
  }();
  return broker;
}

class AmqpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    settings_ = broker().node->tls_settings();
    settings_.tls.ca_file = files().ca.string();
    settings_.queue = "videos-tls-" + name;
    settings_.failed_queue = "videos-failed-tls-" + name;
    settings_.result_queue = "videos-result-tls-" + name;
    settings_.dead_letter_exchange = "dlx-tls-" + name;
    settings_.routing_key = "jobs-tls-" + name;
    settings_.consumer_name = "ve-tls-test-" + name;
    // Looks at the broker over its plain listener.
    probe_ = std::make_unique<BrokerProbe>(broker().node->settings());
    for (const auto& q : {settings_.queue, settings_.failed_queue, settings_.result_queue}) probe_->delete_queue(q);
    probe_->delete_exchange(settings_.dead_letter_exchange);
  }

  static TlsBroker& broker() { return shared_broker(); }
  static const TlsTestFiles& files() { return shared_broker().files; }

  // Quick failures: these tests expect some.
  static AmqpClientOptions short_timeouts() {
    AmqpClientOptions o;
    o.connect_timeout = 3s;
    o.rpc_timeout = 4s;
    return o;
  }

  // Publishes a job to the queue and takes it back, through `client`.
  void round_trip(AmqpClient& client, const std::string& body) {
    ASSERT_TRUE(client.publish_to_queue(body, "id-" + body));
    std::optional<ports::Delivery> got;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!got && std::chrono::steady_clock::now() < deadline) {
      auto d = client.next(200ms);
      ASSERT_TRUE(d) << d.error().message;
      got = *d;
    }
    ASSERT_TRUE(got) << "no delivery within 10 s";
    EXPECT_EQ(got->body, body);
    EXPECT_EQ(got->message_id, "id-" + body);
    ASSERT_TRUE(client.ack(got->tag));
    ASSERT_TRUE(client.publish(R"({"status":"COMPLETED"})"));
    auto result = probe_->wait_get(settings_.result_queue);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->body, R"({"status":"COMPLETED"})");
  }

  // The error of a connection attempt that must fail.
  core::Error connect_error(const AmqpClientOptions& options = short_timeouts()) {
    auto client = AmqpClient::connect(settings_, options);
    if (client) {
      ADD_FAILURE() << "connected to " << settings_.host << ":" << settings_.port << " although it should not";
      return core::Error::internal("connected");
    }
    return client.error();
  }

  core::AmqpSettings settings_;
  std::unique_ptr<BrokerProbe> probe_;
};

TEST_F(AmqpTlsTest, PublishesAndConsumesOverTlsWithTheRightCa) {
  auto client = AmqpClient::connect(settings_);
  ASSERT_TRUE(client) << client.error().message;
  round_trip(**client, R"({"resource_id":"tls-1","file_path":"a.mp4"})");
  (*client)->close();
  EXPECT_EQ(probe_->message_count(settings_.queue), 0u);
}

TEST_F(AmqpTlsTest, AWrongCaIsAPermanentErrorThatSaysWhatToCheck) {
  settings_.tls.ca_file = files().other_ca.string();
  settings_.password = "pw-that-must-not-leak";
  const core::Error e = connect_error();
  EXPECT_EQ(e.kind, core::ErrorKind::Internal) << e.message;
  const std::string where = "localhost:" + std::to_string(settings_.port);
  EXPECT_NE(e.message.find(where), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("server certificate could not be verified"), std::string::npos) << e.message;
  // OpenSSL's reason: the broker sends its CA along, which nothing we trust vouches for.
  EXPECT_NE(e.message.find("(self-signed certificate in certificate chain)"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("RABBITMQ_TLS_CA_FILE"), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("pw-that-must-not-leak"), std::string::npos) << e.message;
}

TEST_F(AmqpTlsTest, TheSystemTrustStoreDoesNotKnowTheTestCa) {
  settings_.tls.ca_file.clear();
  const core::Error e = connect_error();
  EXPECT_EQ(e.kind, core::ErrorKind::Internal) << e.message;
  EXPECT_NE(e.message.find("server certificate could not be verified"), std::string::npos) << e.message;
}

TEST_F(AmqpTlsTest, AHostTheCertificateDoesNotNameIsRefused) {
  settings_.host = "127.0.0.1";  // the certificate names localhost only
  const core::Error e = connect_error();
  EXPECT_EQ(e.kind, core::ErrorKind::Internal) << e.message;
  EXPECT_NE(e.message.find("server certificate could not be verified"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("IP address mismatch"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("'127.0.0.1'"), std::string::npos) << e.message;
}

TEST_F(AmqpTlsTest, WithoutVerificationAWrongCaAndHostStillConnect) {
  settings_.tls.ca_file = files().other_ca.string();
  settings_.host = "127.0.0.1";
  settings_.tls.verify = false;
  auto client = AmqpClient::connect(settings_);
  ASSERT_TRUE(client) << client.error().message;
  round_trip(**client, R"({"resource_id":"tls-unverified","file_path":"b.mp4"})");
}

TEST_F(AmqpTlsTest, APlainClientOnTheTlsPortFailsWithinItsTimeouts) {
  settings_.tls = {};
  const auto start = std::chrono::steady_clock::now();
  const core::Error e = connect_error();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.kind, core::ErrorKind::Transient) << e.message;
  EXPECT_NE(e.message.find("use amqps://"), std::string::npos) << e.message;
  // Not a performance figure: the bound of connect + RPC timeouts with a wide margin, i.e. no hang.
  EXPECT_LT(took, 30s) << e.message;
}

TEST_F(AmqpTlsTest, ATlsClientOnThePlainPortFailsTheHandshake) {
  settings_.port = broker().node->port();
  const core::Error e = connect_error();
  EXPECT_EQ(e.kind, core::ErrorKind::Transient) << e.message;
  EXPECT_NE(e.message.find("TLS handshake failed"), std::string::npos) << e.message;
}

TEST_F(AmqpTlsTest, AClientCertificateFromTheBrokersCaIsAccepted) {
  settings_.tls.cert_file = files().client_cert.string();
  settings_.tls.key_file = files().client_key.string();
  auto client = AmqpClient::connect(settings_);
  ASSERT_TRUE(client) << client.error().message;
  round_trip(**client, R"({"resource_id":"tls-client-cert","file_path":"c.mp4"})");
}

TEST_F(AmqpTlsTest, AClientCertificateFromAnotherCaIsRefusedByTheBroker) {
  settings_.tls.cert_file = files().stranger_cert.string();
  settings_.tls.key_file = files().stranger_key.string();
  const core::Error e = connect_error();
  // The broker hangs up on the handshake (TLS 1.2) or right after it (TLS 1.3): not ours to fix
  // by configuration alone, and indistinguishable from a broker going away, so Transient.
  EXPECT_EQ(e.kind, core::ErrorKind::Transient) << e.message;
}

TEST_F(AmqpTlsTest, UnusableTlsFilesNameTheSetting) {
  settings_.tls.ca_file = "/nonexistent/ca.pem";
  core::Error e = connect_error();
  EXPECT_EQ(e.kind, core::ErrorKind::Internal) << e.message;
  EXPECT_NE(e.message.find("RABBITMQ_TLS_CA_FILE /nonexistent/ca.pem cannot be opened (No such file"), std::string::npos)
      << e.message;

  settings_.tls.ca_file = files().ca.string();
  settings_.tls.cert_file = files().client_cert.string();
  settings_.tls.key_file = files().server_key.string();  // a key, but not the certificate's
  e = connect_error();
  EXPECT_EQ(e.kind, core::ErrorKind::Internal) << e.message;
  EXPECT_NE(e.message.find("RABBITMQ_TLS_KEY_FILE"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace ve::adapters::amqp

int main(int argc, char** argv) {
  // The CTest fixture's setup and cleanup tests.
  if (argc == 3 && std::string_view(argv[1]) == "--start-broker") {
    return ve::testing::start_tls_node_in(argv[2], ve::adapters::amqp::kServerNames);
  }
  if (argc == 3 && std::string_view(argv[1]) == "--stop-broker") return ve::testing::stop_node_in(argv[2]);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
