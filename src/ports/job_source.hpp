// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace ve::ports {

struct Delivery {
  uint64_t tag = 0;         // identifies the delivery for ack/reject on the connection it came from
  std::string body;
  std::string message_id;   // empty when the producer set none
  bool redelivered = false;
};

// Job messages from the queue, each acknowledged or rejected exactly once. Thread-safe: several
// workers may wait in next() at once. Errors are Transient (connection lost; the implementation
// reconnects) unless stated.
class JobSource {
 public:
  virtual ~JobSource() = default;
  // The next delivery, or nullopt when none arrived within `timeout`.
  virtual core::Result<std::optional<Delivery>> next(std::chrono::milliseconds timeout) = 0;
  virtual core::Status ack(uint64_t tag) = 0;
  // requeue=false dead-letters the message (to the DLX bound to the failure queue).
  virtual core::Status reject(uint64_t tag, bool requeue) = 0;
};

// Publishes JSON documents on the notification exchange with the configured routing key and
// returns once the broker has confirmed them. Thread-safe.
class ResultPublisher {
 public:
  virtual ~ResultPublisher() = default;
  virtual core::Status publish(const std::string& body) = 0;
};

}  // namespace ve::ports
