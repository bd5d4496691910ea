// SPDX-License-Identifier: Apache-2.0
#include "adapters/amqp/amqp_handles.hpp"

#include <string>

namespace ve::adapters::amqp {

MessageHandle::~MessageHandle() {
  if (owned_) amqp_destroy_message(&message_);
}

amqp_rpc_reply_t MessageHandle::read(amqp_connection_state_t connection, amqp_channel_t channel) {
  if (owned_) {
    amqp_destroy_message(&message_);
    owned_ = false;
  }
  const amqp_rpc_reply_t reply = amqp_read_message(connection, channel, &message_, 0);
  owned_ = reply.reply_type == AMQP_RESPONSE_NORMAL;
  return reply;
}

namespace {

bool retry_cannot_fix(uint16_t code) {
  return code == AMQP_ACCESS_REFUSED || code == AMQP_PRECONDITION_FAILED || code == AMQP_NOT_FOUND ||
         code == AMQP_NOT_ALLOWED;
}

core::Error closed_by_broker(std::string_view doing, std::string_view what, uint16_t code, amqp_bytes_t text) {
  std::string message = std::string(doing) + ": the broker closed the " + std::string(what) + " (" +
                        std::to_string(code) + " " + to_string(text) + ")";
  return retry_cannot_fix(code) ? core::Error::internal(message) : core::Error::transient(message);
}

}  // namespace

core::Status check_reply(amqp_connection_state_t connection, std::string_view doing) {
  const amqp_rpc_reply_t reply = amqp_get_rpc_reply(connection);
  if (reply.reply_type == AMQP_RESPONSE_NORMAL) return {};
  return core::fail(reply_error(reply, doing));
}

core::Error reply_error(const amqp_rpc_reply_t& reply, std::string_view doing) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return core::Error::internal(std::string(doing) + ": no error");
    case AMQP_RESPONSE_NONE:
      return core::Error::transient(std::string(doing) + ": no reply from the broker");
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return status_error(reply.library_error, doing);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const auto* close = static_cast<const amqp_connection_close_t*>(reply.reply.decoded);
        return closed_by_broker(doing, "connection", close->reply_code, close->reply_text);
      }
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const auto* close = static_cast<const amqp_channel_close_t*>(reply.reply.decoded);
        return closed_by_broker(doing, "channel", close->reply_code, close->reply_text);
      }
      return core::Error::transient(std::string(doing) + ": unexpected broker method " +
                                    std::to_string(reply.reply.id));
  }
  return core::Error::internal(std::string(doing) + ": unknown reply type");
}

core::Error status_error(int status, std::string_view doing) {
  return core::Error::transient(std::string(doing) + ": " + amqp_error_string2(status));
}

}  // namespace ve::adapters::amqp
