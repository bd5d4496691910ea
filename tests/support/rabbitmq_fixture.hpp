// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace ve::testing {

// Certificates for TLS tests, made with the openssl CLI (EC P-256, valid for two days).
struct TlsTestFiles {
  std::filesystem::path ca;                          // signed the server and client certificates
  std::filesystem::path other_ca;                    // an unrelated CA
  std::filesystem::path server_cert, server_key;     // from `ca`, for the names given
  std::filesystem::path client_cert, client_key;     // from `ca`
  std::filesystem::path stranger_cert, stranger_key; // a client certificate from `other_ca`
};

// Writes them into `dir` (created when missing); `server_names` is the server certificate's
// subjectAltName (e.g. "DNS:localhost,IP:127.0.0.1"). Throws std::runtime_error with openssl's
// output on failure.
TlsTestFiles make_tls_test_files(const std::filesystem::path& dir, const std::string& server_names);
// The paths make_tls_test_files uses in `dir`.
TlsTestFiles tls_test_files_in(const std::filesystem::path& dir);

// A private RabbitMQ node on 127.0.0.1 run by scripts/lib/rabbitmq-node. Failures throw
// std::runtime_error carrying the script's output (and the node's log tail).
class RabbitMqNode {
 public:
  // Starts a node in a fresh temp folder on free ports; the destructor stops it and removes the
  // folder.
  static std::unique_ptr<RabbitMqNode> start_new();
  // Likewise with an AMQPS listener too (on tls_port()) serving `files`' server certificate; it
  // asks clients for a certificate and, when one is given, checks it against `files.ca`.
  static std::unique_ptr<RabbitMqNode> start_new_with_tls(const TlsTestFiles& files);
  // The node running in `dir` (started by `rabbitmq-node start dir`, e.g. by a CTest fixture);
  // left running on destruction.
  static std::unique_ptr<RabbitMqNode> attach(const std::filesystem::path& dir);
  // For a test that neither stops nor restarts the broker: the node a CTest fixture runs for the
  // whole suite (folder in VE_TEST_RABBITMQ_DIR, left running on destruction) with a virtual host
  // of this test's own, named by settings(), so test processes running at once never see each
  // other's queues and every test begins with none. Without VE_TEST_RABBITMQ_DIR (the binary run
  // directly), a node of its own as start_new() gives.
  static std::unique_ptr<RabbitMqNode> for_test();
  ~RabbitMqNode();
  RabbitMqNode(const RabbitMqNode&) = delete;
  RabbitMqNode& operator=(const RabbitMqNode&) = delete;

  // Stops the node (graceful: clients see connection.close), then starts it again on the same
  // ports with its data (durable queues, persistent messages) intact.
  void stop();
  void start();

  // guest/guest on 127.0.0.1:port(), vhost "/" (for_test(): the test's own), the service's
  // default names otherwise.
  core::AmqpSettings settings() const;
  int port() const { return port_; }
  // The AMQPS port, 0 when the node has no TLS listener.
  int tls_port() const { return tls_port_; }
  // settings() for amqps://localhost:tls_port(), verifying the broker against the system's trust
  // store until tls.ca_file is set.
  core::AmqpSettings tls_settings() const;
  const std::filesystem::path& dir() const { return dir_; }

  // Adds a user with full permissions on settings().vhost (rabbitmqctl against this node). Throws
  // std::runtime_error with rabbitmqctl's output on failure.
  void add_user(const std::string& user, const std::string& password);

 private:
  RabbitMqNode(std::filesystem::path dir, bool owned);
  void read_port();
  // Runs each of `commands` (arguments of rabbitmqctl) against this node, in order; throws
  // std::runtime_error with rabbitmqctl's output when one fails.
  void rabbitmqctl(const std::vector<std::string>& commands) const;

  std::filesystem::path dir_;
  bool owned_;
  int port_ = 0;
  int tls_port_ = 0;
  std::string vhost_ = "/";
};

// For a CTest fixture's setup and cleanup tests: starts a node in `dir` on free ports (or keeps
// the one running there), or stops it and removes `dir`. Print what happened; exit code.
int start_node_in(const std::filesystem::path& dir);
// Likewise with a TLS listener: make_tls_test_files(dir / "certs", server_names) first, reused
// when they exist.
int start_tls_node_in(const std::filesystem::path& dir, const std::string& server_names);
int stop_node_in(const std::filesystem::path& dir);

// A TCP port on 127.0.0.1 nobody listened on a moment ago (bound to port 0, then released).

// A message as the broker holds it.
struct BrokerMessage {
  std::string body;
  std::string message_id;
  std::string content_type;
  int delivery_mode = 0;  // 2 = persistent
  bool redelivered = false;
};

// A plain rabbitmq-c connection for looking at the broker from the outside in tests: basic.get,
// queue and exchange checks, confirmed publishing, cleanup. One thread at a time.
class BrokerProbe {
 public:
  explicit BrokerProbe(const core::AmqpSettings& settings);
  ~BrokerProbe();
  BrokerProbe(const BrokerProbe&) = delete;
  BrokerProbe& operator=(const BrokerProbe&) = delete;

  // Takes (and acknowledges) the first message of `queue`, if any.
  std::optional<BrokerMessage> get(const std::string& queue);
  // Polls get() until a message is there or `timeout` passed.
  std::optional<BrokerMessage> wait_get(const std::string& queue,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Ready messages (not those delivered and unacknowledged); nullopt when the queue does not exist.
  std::optional<uint32_t> message_count(const std::string& queue);
  // Consumers subscribed to `queue`; nullopt when the queue does not exist.
  std::optional<uint32_t> consumer_count(const std::string& queue);
  bool exchange_exists(const std::string& exchange);

  // Publishes a persistent message and waits for the broker's confirm.
  void publish(const std::string& exchange, const std::string& routing_key, const std::string& body,
               const std::string& message_id = "");

  // Removes a queue or exchange if it exists.
  void delete_queue(const std::string& queue);
  void delete_exchange(const std::string& exchange);

 private:
  struct Connection;
  std::unique_ptr<Connection> c_;
};

}  // namespace ve::testing
