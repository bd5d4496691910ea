// SPDX-License-Identifier: Apache-2.0
#include "main/http_service.hpp"

#include "adapters/web/console_routes.hpp"
#include "adapters/web/service_routes.hpp"
#include "app/job_processor.hpp"
#include "core/job_request.hpp"

namespace ve::main {
namespace {

// A bucket is usable when asking for an object's size gets an answer, even "not found".
core::Status reach_bucket(ports::BlobStore& buckets, const std::string& bucket) {
  auto size = buckets.size(bucket, ".video-encoder-readiness-probe");
  if (size || size.error().kind == core::ErrorKind::NotFound) return {};
  return core::fail(size.error());
}

}  // namespace

void BrokerSlot::set(adapters::amqp::AmqpClient* client) {
  std::lock_guard lock(mutex_);
  client_ = client;
}

bool BrokerSlot::connected() {
  return with([](adapters::amqp::AmqpClient* c) { return c && c->connected(); });
}

core::Result<std::unique_ptr<adapters::web::HttpServer>> start_http_service(const core::Config& config,
                                                                             ports::JobStore& store,
                                                                             ports::BlobStore& buckets,
                                                                             BrokerSlot& broker,
                                                                             std::function<std::string()> stuck,
                                                                             std::function<std::string()> metrics) {
  auto http = std::make_unique<adapters::web::HttpServer>(config.http_token);
  adapters::web::ServiceEndpoints endpoints;
  endpoints.store = &store;
  endpoints.outputs = &buckets;
  endpoints.output_bucket = config.output_bucket;
  const std::string broker_address = config.amqp.host + ":" + std::to_string(config.amqp.port);
  endpoints.readiness.push_back({"broker", [&broker, broker_address]() -> core::Status {
    if (broker.connected()) return {};
    return core::fail(core::Error::transient("not connected to RabbitMQ at " + broker_address));
  }});
  endpoints.readiness.push_back({"database", [&store] { return store.ping(); }});
  endpoints.readiness.push_back({"input_bucket", [&buckets, bucket = config.input_bucket] {
    return reach_bucket(buckets, bucket);
  }});
  endpoints.readiness.push_back({"output_bucket", [&buckets, bucket = config.output_bucket] {
    return reach_bucket(buckets, bucket);
  }});
  endpoints.stuck = std::move(stuck);
  endpoints.metrics = std::move(metrics);
  const std::string queue = config.amqp.queue;
  endpoints.submit = [&broker, queue](const std::string& body) -> core::Result<std::string> {
    if (auto request = core::parse_job_request(body); !request) {
      return core::fail(core::Error::invalid_input("not submitted: " + request.error().message));
    }
    const std::string message_id = app::random_uuid();
    auto sent = broker.with([&](adapters::amqp::AmqpClient* c) -> core::Status {
      if (!c) return core::fail(core::Error::transient("not submitted: not connected to RabbitMQ yet"));
      return c->publish_to_queue(body, message_id);
    });
    if (!sent) return core::fail(sent.error());
    return message_id;
  };
  adapters::web::add_service_routes(*http, std::move(endpoints));
  adapters::web::add_console_routes(*http);
  if (auto ok = http->start(*config.http_address); !ok) return core::fail(ok.error());
  return http;
}

}  // namespace ve::main
