// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/config.hpp"
#include "core/error.hpp"
#include "ports/job_source.hpp"

namespace ve::adapters::amqp {

class Session;

struct AmqpClientOptions {
  std::chrono::milliseconds initial_backoff{200};  // first wait between reconnect attempts
  std::chrono::milliseconds max_backoff{10000};    // doubling stops here (each wait jittered)
  std::chrono::milliseconds command_timeout{30000};  // longest wait for an ack, reject or confirm
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds rpc_timeout{10000};
  std::chrono::seconds heartbeat{30};
};

// The service's RabbitMQ connection: consumes the job queue (JobSource) and publishes results
// (ResultPublisher). One thread owns the rabbitmq-c connection; the public methods are thread-safe
// and hand their work to it through a queue. A lost connection is reopened with exponential
// backoff, the topology redeclared and consuming resumed; deliveries of the lost connection can
// no longer be settled (Transient), the broker delivers them again. All errors are Transient
// unless stated.
// An eventfd that one thread signals and another waits on with poll(2). Closed on destruction.
class WakeFd {
 public:
  WakeFd();
  ~WakeFd();
  WakeFd(const WakeFd&) = delete;
  WakeFd& operator=(const WakeFd&) = delete;
  int fd() const { return fd_; }
  void signal() const;
  void drain() const;

 private:
  int fd_;
};

class AmqpClient final : public ports::JobSource, public ports::ResultPublisher {
 public:
  // Opens the first connection (declaring the topology) before returning; its error otherwise
  // (Transient: unreachable; Internal: refused, e.g. credentials or conflicting queue arguments,
  // or a TLS certificate that cannot be verified).
  static core::Result<std::unique_ptr<AmqpClient>> connect(const core::AmqpSettings& settings,
                                                          const AmqpClientOptions& options = {});
  ~AmqpClient() override;
  AmqpClient(const AmqpClient&) = delete;
  AmqpClient& operator=(const AmqpClient&) = delete;

  // A delivery from the job queue, nullopt when none came within `timeout`; Transient when the
  // connection is down at the end of the wait, or the client is closed.
  core::Result<std::optional<ports::Delivery>> next(std::chrono::milliseconds timeout) override;
  // Internal for a tag that is unknown or already settled.
  core::Status ack(uint64_t tag) override;
  core::Status reject(uint64_t tag, bool requeue) override;

  // Publishes on the notification exchange with the routing key; returns once confirmed.
  core::Status publish(const std::string& body) override;

  // Publishes a job request to the job queue (default exchange), with a message id; returns once
  // confirmed.
  core::Status publish_to_queue(const std::string& body, const std::string& message_id);

  // Stops taking deliveries (for a graceful shutdown): the consumer is cancelled, and deliveries not
  // yet handed to a caller, or still arriving, go back to the queue for other consumers. Settling
  // and publishing keep working. Idempotent.
  void stop_consuming();

  // Whether a connection is open right now.
  bool connected() const;

  // Stops the connection thread and closes the connection; unsettled deliveries return to the
  // queue. Later calls fail with Transient. Idempotent; also done by the destructor.
  void close();

 private:
  struct Command;

  AmqpClient(const core::AmqpSettings& settings, const AmqpClientOptions& options);
  core::Status submit(std::unique_ptr<Command> command);
  core::Status publish_message(std::string exchange, std::string routing_key, std::string body,
                               std::string message_id);

  // Connection thread.
  void run(std::stop_token stop);
  core::Error serve(Session& session, std::stop_token stop);
  void execute(Session& session, std::unique_ptr<Command> command);
  void confirm(uint64_t seq, bool multiple, bool ack);
  void connection_ended(const core::Error& why);
  void stop_consumer(Session& session);
  void sleep_for(std::chrono::milliseconds d, std::stop_token stop);

  const core::AmqpSettings settings_;
  const AmqpClientOptions options_;

  // Shared between callers and the connection thread.
  mutable std::mutex mutex_;
  std::condition_variable deliveries_changed_;
  std::condition_variable_any state_changed_;
  std::deque<ports::Delivery> deliveries_;          // bounded by the prefetch count
  std::deque<std::unique_ptr<Command>> commands_;   // bounded by the number of calling threads
  bool connected_ = false;
  bool closed_ = false;
  bool consuming_ = true;                           // false once stop_consuming() was called
  std::optional<core::Status> first_connection_;    // outcome of the first attempt
  std::once_flag close_once_;

  // Written by callers after queueing a command, so the connection thread wakes at once instead
  // of at its next poll timeout.
  WakeFd wake_;

  // Connection thread only.
  uint64_t generation_ = 0;  // numbers the connections, encoded in the delivery tags
  std::map<uint64_t, std::unique_ptr<Command>> unconfirmed_;  // publishes by confirm sequence number

  std::jthread thread_;  // last: starts after everything above exists, joins before it goes
};

}  // namespace ve::adapters::amqp
