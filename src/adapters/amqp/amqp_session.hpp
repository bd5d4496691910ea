// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <variant>

#include "adapters/amqp/amqp_handles.hpp"
#include "core/config.hpp"
#include "core/error.hpp"

namespace ve::adapters::amqp {

struct SessionOptions {
  std::chrono::milliseconds connect_timeout{5000};  // TCP connect
  std::chrono::milliseconds rpc_timeout{10000};     // login and every synchronous method
  std::chrono::seconds heartbeat{30};
};

// A message delivered by the broker; `tag` is the channel's delivery tag.
struct Incoming {
  uint64_t tag = 0;
  std::string body;
  std::string message_id;
  bool redelivered = false;
};

// The broker's publisher confirm for publish number `seq` (and every earlier one when `multiple`).
struct Confirm {
  uint64_t seq = 0;
  bool multiple = false;
  bool ack = true;  // false: basic.nack, the broker could not take the message
};

using Event = std::variant<std::monostate, Incoming, Confirm>;

// One open broker connection with the topology declared, a consumer on channel 1 and a publisher
// in confirm mode on channel 2. Not thread-safe: it belongs to the thread that opened it. Once a
// call fails with the connection (broken() is true), every later call fails with Transient.
class Session {
 public:
  // Connects, logs in, declares the topology, sets the prefetch and starts consuming.
  // Transient when the broker is unreachable; Internal when it refuses what we ask (credentials,
  // a queue declared earlier with other arguments), when its TLS certificate cannot be verified, or
  // when a TLS file of the settings cannot be used.
  static core::Result<Session> open(const core::AmqpSettings& settings, const SessionOptions& options);

  Session(Session&&) = default;
  Session& operator=(Session&&) = default;
  ~Session() = default;

  // Waits up to `timeout` for one frame from the broker and returns what it means, or monostate
  // when nothing (or nothing of interest) arrived.
  core::Result<Event> poll(std::chrono::milliseconds timeout);

  // Settles a delivery of this connection. Internal (and the connection stays usable) when the
  // tag is unknown or already settled, which the broker would punish by closing the channel.
  core::Status ack(uint64_t tag);
  core::Status reject(uint64_t tag, bool requeue);

  // Asks the broker to stop delivering to our consumer (basic.cancel, no wait); deliveries already
  // on their way still arrive.
  core::Status cancel_consumer(const std::string& consumer_tag);

  // Sends a persistent JSON message and returns its confirm sequence number.
  core::Result<uint64_t> publish(const std::string& exchange, const std::string& routing_key,
                                 const std::string& body, const std::string& message_id);

  // Closes the connection politely (the broker requeues unsettled deliveries); bounded by the
  // RPC timeout.
  void close();

  // The socket, to wait on together with other file descriptors.
  int socket_fd() const;
  // Whether frames already read from the socket wait in the library's buffers: then poll() has
  // something although the socket may not be readable.
  bool has_buffered_frames() const;

  bool broken() const { return failure_.has_value(); }
  // Why the connection became unusable, once it has.
  const std::optional<core::Error>& failure() const { return failure_; }

 private:
  explicit Session(ConnectionHandle connection) : connection_(std::move(connection)) {}
  core::Status settle(uint64_t tag, bool ack, bool requeue);
  core::Error lost(core::Error e);

  ConnectionHandle connection_;
  std::unordered_set<uint64_t> unsettled_;
  uint64_t next_seq_ = 1;
  std::optional<core::Error> failure_;
};

// Declares the queues and exchanges the service uses on `channel` (idempotent; Internal when one
// exists with other arguments).
core::Status declare_topology(amqp_connection_state_t connection, amqp_channel_t channel,
                              const core::AmqpSettings& settings);

}  // namespace ve::adapters::amqp
