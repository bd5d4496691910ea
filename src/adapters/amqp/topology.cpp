// SPDX-License-Identifier: Apache-2.0
#include <string>

#include "adapters/amqp/amqp_session.hpp"

namespace ve::adapters::amqp {
namespace {

core::Status declare_exchange(amqp_connection_state_t c, amqp_channel_t ch, const std::string& name,
                              const char* type) {
  amqp_exchange_declare(c, ch, as_bytes(name), amqp_cstring_bytes(type), /*passive=*/0, /*durable=*/1,
                        /*auto_delete=*/0, /*internal=*/0, amqp_empty_table);
  return check_reply(c, "declaring " + std::string(type) + " exchange " + name);
}

core::Status declare_queue(amqp_connection_state_t c, amqp_channel_t ch, const std::string& name,
                           amqp_table_t arguments) {
  amqp_queue_declare(c, ch, as_bytes(name), /*passive=*/0, /*durable=*/1, /*exclusive=*/0, /*auto_delete=*/0,
                     arguments);
  return check_reply(c, "declaring queue " + name);
}

core::Status bind_queue(amqp_connection_state_t c, amqp_channel_t ch, const std::string& queue,
                        const std::string& exchange, const std::string& routing_key) {
  amqp_queue_bind(c, ch, as_bytes(queue), as_bytes(exchange), as_bytes(routing_key), amqp_empty_table);
  return check_reply(c, "binding queue " + queue + " to exchange " + exchange);
}

// Exchanges named amq.* are the broker's own and cannot be declared by clients.
bool builtin_exchange(const std::string& name) { return name.empty() || name.rfind("amq.", 0) == 0; }

}  // namespace

core::Status declare_topology(amqp_connection_state_t c, amqp_channel_t ch, const core::AmqpSettings& s) {
  // Rejected jobs go through the dead-letter exchange (fanout: the routing key does not matter)
  // to the failure queue, where a person can look at them.
  if (auto ok = declare_exchange(c, ch, s.dead_letter_exchange, "fanout"); !ok) return ok;
  if (auto ok = declare_queue(c, ch, s.failed_queue, amqp_empty_table); !ok) return ok;
  if (auto ok = bind_queue(c, ch, s.failed_queue, s.dead_letter_exchange, ""); !ok) return ok;

  amqp_table_entry_t dlx;
  dlx.key = amqp_cstring_bytes("x-dead-letter-exchange");
  dlx.value.kind = AMQP_FIELD_KIND_UTF8;
  dlx.value.value.bytes = as_bytes(s.dead_letter_exchange);
  if (auto ok = declare_queue(c, ch, s.queue, amqp_table_t{1, &dlx}); !ok) return ok;

  if (!builtin_exchange(s.notification_exchange)) {
    if (auto ok = declare_exchange(c, ch, s.notification_exchange, "direct"); !ok) return ok;
  }
  if (auto ok = declare_queue(c, ch, s.result_queue, amqp_empty_table); !ok) return ok;
  // The default exchange routes by queue name and takes no bindings.
  if (s.notification_exchange.empty()) return {};
  return bind_queue(c, ch, s.result_queue, s.notification_exchange, s.routing_key);
}

}  // namespace ve::adapters::amqp
