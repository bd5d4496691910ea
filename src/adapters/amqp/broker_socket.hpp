// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <amqp.h>

#include <chrono>

#include "core/config.hpp"
#include "core/error.hpp"

namespace ve::adapters::amqp {

// Creates the connection's socket (owned by `connection`): plain TCP, or TLS configured from
// settings.tls: the CA bundle or else the system's trust store, peer and host name verification
// (both unless tls.verify is false, which is logged once), the client certificate. Internal,
// naming the setting, when a TLS file cannot be used.
core::Result<amqp_socket_t*> new_socket(amqp_connection_state_t connection, const core::AmqpSettings& settings);

// Connects `socket` (TCP, and the TLS handshake) within `timeout`. Transient when the broker is
// unreachable or the handshake breaks off; Internal when the broker's certificate cannot be
// verified, which no retry fixes. Call on the thread that owns the connection.
core::Status open_socket(amqp_socket_t* socket, const core::AmqpSettings& settings, std::chrono::milliseconds timeout);

}  // namespace ve::adapters::amqp
