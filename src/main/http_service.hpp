// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "adapters/amqp/amqp_client.hpp"
#include "adapters/web/http_server.hpp"
#include "core/config.hpp"
#include "ports/blob_store.hpp"
#include "ports/job_store.hpp"

namespace ve::main {

// The broker client as serve's HTTP routes see it: absent until the first connection, and taken
// away (waiting for the calls in progress) before the client is destroyed.
class BrokerSlot {
 public:
  void set(adapters::amqp::AmqpClient* client);
  // Whether there is a client and its connection is open right now.
  bool connected();
  // Runs `use` with the client, or with nullptr when there is none; the client outlives the call.
  template <typename F>
  auto with(F&& use) {
    std::lock_guard lock(mutex_);
    return use(client_);
  }

 private:
  std::mutex mutex_;
  adapters::amqp::AmqpClient* client_ = nullptr;
};

// serve's HTTP server with its routes: probes over the broker, the job store and the buckets in
// `config`, liveness from `stuck` (empty: live; otherwise why not), the job API over `store`, metrics
// from `metrics`. Listening when this returns;
// InvalidInput/Internal (nothing listening) when HTTP_ADDR cannot be bound.
core::Result<std::unique_ptr<adapters::web::HttpServer>> start_http_service(const core::Config& config,
                                                                             ports::JobStore& store,
                                                                             ports::BlobStore& buckets,
                                                                             BrokerSlot& broker,
                                                                             std::function<std::string()> stuck,
                                                                             std::function<std::string()> metrics);

}  // namespace ve::main
