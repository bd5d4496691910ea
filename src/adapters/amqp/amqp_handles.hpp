// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <amqp.h>
#include <amqp_framing.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ve::adapters::amqp {

// A rabbitmq-c connection (and the socket it owns), destroyed with amqp_destroy_connection.
struct ConnectionDeleter {
  void operator()(amqp_connection_state_t connection) const noexcept { amqp_destroy_connection(connection); }
};
using ConnectionHandle = std::unique_ptr<amqp_connection_state_t_, ConnectionDeleter>;

// A message read with amqp_read_message; owns its properties and body. amqp_read_message frees
// what it allocated when it fails, so only a successful read is destroyed here.
class MessageHandle {
 public:
  MessageHandle() = default;
  ~MessageHandle();
  MessageHandle(const MessageHandle&) = delete;
  MessageHandle& operator=(const MessageHandle&) = delete;

  // Reads the content (header and body frames) following a basic.deliver on `channel`.
  amqp_rpc_reply_t read(amqp_connection_state_t connection, amqp_channel_t channel);
  const amqp_message_t& get() const { return message_; }

 private:
  amqp_message_t message_{};
  bool owned_ = false;
};

inline amqp_bytes_t as_bytes(std::string_view s) {
  return amqp_bytes_t{s.size(), const_cast<char*>(s.data())};
}

inline std::string to_string(amqp_bytes_t b) {
  return b.len == 0 ? std::string() : std::string(static_cast<const char*>(b.bytes), b.len);
}

// The error for a failed RPC while `doing` something (e.g. "declaring queue videos"). Broker
// refusals that retrying cannot fix (access refused, precondition failed, not found, not allowed)
// are Internal; the rest (socket errors, timeouts, forced closes) Transient.
core::Error reply_error(const amqp_rpc_reply_t& reply, std::string_view doing);

// The outcome of the RPC just made on `connection` while `doing` something: ok, or reply_error.
core::Status check_reply(amqp_connection_state_t connection, std::string_view doing);

// The error for a failed library call returning an amqp_status_enum; always Transient.
core::Error status_error(int status, std::string_view doing);

}  // namespace ve::adapters::amqp
