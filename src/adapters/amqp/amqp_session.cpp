// SPDX-License-Identifier: Apache-2.0
#include "adapters/amqp/amqp_session.hpp"

#include "adapters/amqp/broker_socket.hpp"

#include <sys/time.h>

#include <string>

namespace ve::adapters::amqp {
namespace {

constexpr amqp_channel_t kConsumeChannel = 1;
constexpr amqp_channel_t kPublishChannel = 2;

timeval to_timeval(std::chrono::milliseconds d) {
  const auto ms = d.count() < 0 ? 0 : d.count();
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

std::string where(const core::AmqpSettings& s) {
  return "RabbitMQ at " + s.host + ":" + std::to_string(s.port) + " (vhost " + s.vhost + ")";
}

core::Status login(amqp_connection_state_t c, const core::AmqpSettings& s, const SessionOptions& options) {
  // Names the connection in the management UI and in broker logs.
  amqp_table_entry_t name;
  name.key = amqp_cstring_bytes("connection_name");
  name.value.kind = AMQP_FIELD_KIND_UTF8;
  name.value.value.bytes = as_bytes(s.consumer_name);
  const amqp_table_t properties{1, &name};
  const amqp_rpc_reply_t reply = amqp_login_with_properties(
      c, s.vhost.c_str(), AMQP_DEFAULT_MAX_CHANNELS, AMQP_DEFAULT_FRAME_SIZE,
      static_cast<int>(options.heartbeat.count()), &properties, AMQP_SASL_METHOD_PLAIN, s.user.c_str(),
      s.password.c_str());
  if (reply.reply_type == AMQP_RESPONSE_NORMAL) return {};
  core::Error e = reply_error(reply, "logging in to " + where(s) + " as " + s.user);
  // The socket opened but the broker hung up: the usual TLS mix-ups.
  if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error != AMQP_STATUS_TIMEOUT) {
    e.message += s.tls.enabled ? " (did the broker refuse our client certificate, RABBITMQ_TLS_CERT_FILE?)"
                               : " (if port " + std::to_string(s.port) +
                                     " is the broker's TLS port, use amqps:// or RABBITMQ_TLS=true)";
  }
  return core::fail(std::move(e));
}

}  // namespace

core::Result<Session> Session::open(const core::AmqpSettings& s, const SessionOptions& options) {
  ConnectionHandle connection(amqp_new_connection());
  if (!connection) return core::fail(core::Error::internal("amqp_new_connection: out of memory"));
  amqp_connection_state_t c = connection.get();
  auto socket = new_socket(c, s);  // owned by the connection
  if (!socket) return core::fail(socket.error());

  const timeval rpc_timeout = to_timeval(options.rpc_timeout);
  amqp_set_handshake_timeout(c, &rpc_timeout);
  amqp_set_rpc_timeout(c, &rpc_timeout);
  if (auto ok = open_socket(*socket, s, options.connect_timeout); !ok) return core::fail(ok.error());
  if (auto ok = login(c, s, options); !ok) return core::fail(ok.error());

  amqp_channel_open(c, kConsumeChannel);
  if (auto ok = check_reply(c, "opening the consumer channel"); !ok) return core::fail(ok.error());
  amqp_channel_open(c, kPublishChannel);
  if (auto ok = check_reply(c, "opening the publisher channel"); !ok) return core::fail(ok.error());
  amqp_confirm_select(c, kPublishChannel);
  if (auto ok = check_reply(c, "enabling publisher confirms"); !ok) return core::fail(ok.error());

  if (auto ok = declare_topology(c, kConsumeChannel, s); !ok) return core::fail(ok.error());

  const int prefetch = s.prefetch < 1 ? 1 : (s.prefetch > 65535 ? 65535 : s.prefetch);
  amqp_basic_qos(c, kConsumeChannel, 0, static_cast<uint16_t>(prefetch), /*global=*/0);
  if (auto ok = check_reply(c, "setting the prefetch count"); !ok) return core::fail(ok.error());
  amqp_basic_consume(c, kConsumeChannel, as_bytes(s.queue), as_bytes(s.consumer_name), /*no_local=*/0,
                     /*no_ack=*/0, /*exclusive=*/0, amqp_empty_table);
  if (auto ok = check_reply(c, "consuming from queue " + s.queue); !ok) return core::fail(ok.error());
  return Session(std::move(connection));
}

core::Error Session::lost(core::Error e) {
  if (!failure_) failure_ = e;
  return e;
}

int Session::socket_fd() const { return amqp_get_sockfd(connection_.get()); }

bool Session::has_buffered_frames() const {
  return amqp_frames_enqueued(connection_.get()) || amqp_data_in_buffer(connection_.get());
}

core::Result<Event> Session::poll(std::chrono::milliseconds timeout) {
  if (failure_) return core::fail(*failure_);
  amqp_connection_state_t c = connection_.get();
  // Frames from the previous poll were copied out; their memory can go.
  amqp_maybe_release_buffers(c);

  amqp_frame_t frame;
  timeval tv = to_timeval(timeout);
  const int rc = amqp_simple_wait_frame_noblock(c, &frame, &tv);
  if (rc == AMQP_STATUS_TIMEOUT) return Event{};
  if (rc != AMQP_STATUS_OK) return core::fail(lost(status_error(rc, "reading from the broker")));
  // Heartbeats are answered by the library; header and body frames only follow a delivery.
  if (frame.frame_type != AMQP_FRAME_METHOD) return Event{};

  const amqp_method_t& method = frame.payload.method;
  switch (method.id) {
    case AMQP_BASIC_DELIVER_METHOD: {
      const auto* deliver = static_cast<const amqp_basic_deliver_t*>(method.decoded);
      Incoming in;
      in.tag = deliver->delivery_tag;
      in.redelivered = deliver->redelivered != 0;
      MessageHandle message;
      const amqp_rpc_reply_t reply = message.read(c, frame.channel);
      if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
        return core::fail(lost(reply_error(reply, "reading a delivered message")));
      }
      in.body = to_string(message.get().body);
      const amqp_basic_properties_t& props = message.get().properties;
      if (props._flags & AMQP_BASIC_MESSAGE_ID_FLAG) in.message_id = to_string(props.message_id);
      unsettled_.insert(in.tag);
      return Event{std::move(in)};
    }
    case AMQP_BASIC_ACK_METHOD: {
      if (frame.channel != kPublishChannel) return Event{};
      const auto* ack = static_cast<const amqp_basic_ack_t*>(method.decoded);
      return Event{Confirm{ack->delivery_tag, ack->multiple != 0, true}};
    }
    case AMQP_BASIC_NACK_METHOD: {
      if (frame.channel != kPublishChannel) return Event{};
      const auto* nack = static_cast<const amqp_basic_nack_t*>(method.decoded);
      return Event{Confirm{nack->delivery_tag, nack->multiple != 0, false}};
    }
    case AMQP_BASIC_CANCEL_METHOD:
      // The broker cancels the consumer when its queue is deleted; a new connection redeclares it.
      return core::fail(lost(core::Error::transient("the broker cancelled the consumer (queue deleted?)")));
    case AMQP_CHANNEL_CLOSE_METHOD: {
      const auto* close = static_cast<const amqp_channel_close_t*>(method.decoded);
      return core::fail(lost(core::Error::transient("the broker closed channel " + std::to_string(frame.channel) +
                                                    " (" + std::to_string(close->reply_code) + " " +
                                                    to_string(close->reply_text) + ")")));
    }
    case AMQP_CONNECTION_CLOSE_METHOD: {
      const auto* close = static_cast<const amqp_connection_close_t*>(method.decoded);
      core::Error e = core::Error::transient("the broker closed the connection (" +
                                             std::to_string(close->reply_code) + " " +
                                             to_string(close->reply_text) + ")");
      amqp_connection_close_ok_t close_ok{};
      amqp_send_method(c, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &close_ok);
      return core::fail(lost(std::move(e)));
    }
    default:
      return Event{};
  }
}

core::Status Session::settle(uint64_t tag, bool ack, bool requeue) {
  if (failure_) return core::fail(*failure_);
  // The broker closes the channel on an unknown delivery tag, which would cost every other
  // unsettled delivery of this connection a redelivery.
  if (unsettled_.erase(tag) == 0) {
    return core::fail(core::Error::internal("delivery " + std::to_string(tag) + " is unknown or already settled"));
  }
  const int rc = ack ? amqp_basic_ack(connection_.get(), kConsumeChannel, tag, /*multiple=*/0)
                     : amqp_basic_reject(connection_.get(), kConsumeChannel, tag, requeue ? 1 : 0);
  if (rc != AMQP_STATUS_OK) return core::fail(lost(status_error(rc, ack ? "acknowledging" : "rejecting")));
  return {};
}

core::Status Session::ack(uint64_t tag) { return settle(tag, true, false); }

core::Status Session::reject(uint64_t tag, bool requeue) { return settle(tag, false, requeue); }

core::Result<uint64_t> Session::publish(const std::string& exchange, const std::string& routing_key,
                                        const std::string& body, const std::string& message_id) {
  if (failure_) return core::fail(*failure_);
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
  props.content_type = amqp_cstring_bytes("application/json");
  props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
  if (!message_id.empty()) {
    props._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
    props.message_id = as_bytes(message_id);
  }
  const int rc = amqp_basic_publish(connection_.get(), kPublishChannel, as_bytes(exchange), as_bytes(routing_key),
                                    /*mandatory=*/0, /*immediate=*/0, &props, as_bytes(body));
  if (rc != AMQP_STATUS_OK) return core::fail(lost(status_error(rc, "publishing")));
  return next_seq_++;
}

core::Status Session::cancel_consumer(const std::string& consumer_tag) {
  if (failure_) return core::fail(*failure_);
  amqp_basic_cancel_t cancel{};
  cancel.consumer_tag = as_bytes(consumer_tag);
  cancel.nowait = 1;
  const int rc = amqp_send_method(connection_.get(), kConsumeChannel, AMQP_BASIC_CANCEL_METHOD, &cancel);
  if (rc != AMQP_STATUS_OK) return core::fail(lost(status_error(rc, "cancelling the consumer")));
  return {};
}

void Session::close() {
  if (!connection_) return;
  if (!failure_) amqp_connection_close(connection_.get(), AMQP_REPLY_SUCCESS);
  lost(core::Error::transient("the broker connection is closed"));
  connection_.reset();
}

}  // namespace ve::adapters::amqp
