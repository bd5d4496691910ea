// SPDX-License-Identifier: Apache-2.0
// The service stack tests/e2e/http_test.cpp runs against, and its HTTP client.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "support/postgres_fixture.hpp"
#include "support/rabbitmq_fixture.hpp"
#include "support/service_process.hpp"
#include "support/test_support.hpp"

namespace ve::testing {

struct Reply {
  int status = 0;  // 0: no answer
  std::string body;
  std::string content_type;
  std::string content_range;
  nlohmann::json parsed() const { return nlohmann::json::parse(body, nullptr, false); }
};

// A service (VE_BINARY serve) with its HTTP server on a free loopback port, a broker, SQLite or
// PostgreSQL, and local buckets holding video.mp4; `extra` adds to or overrides its environment.
class HttpStack {
 public:
  explicit HttpStack(bool postgres, std::map<std::string, std::string> extra = {});

  // GET, or POST of a JSON `body`, with the token as a bearer token when not empty.
  Reply request(const std::string& method, const std::string& path, const std::string& token = "",
                const std::string& body = "", httplib::Headers headers = {});

  bool ready() { return request("GET", "/readyz").status == 200; }

  int port() const { return port_; }
  RabbitMqNode& broker() { return *broker_; }
  PostgresCluster& postgres() { return *postgres_; }
  BrokerProbe& probe() {
    if (!probe_) probe_ = std::make_unique<BrokerProbe>(broker_->settings());
    return *probe_;
  }
  void drop_probe() { probe_.reset(); }
  std::string log() const { return service_->log(); }
  ServiceProcess& service() { return *service_; }
  std::filesystem::path output_folder(const std::string& video_id) const { return root_ / "buckets" / "videos-output" / video_id; }

 private:
  TempDir root_;
  std::unique_ptr<RabbitMqNode> broker_;
  std::unique_ptr<PostgresCluster> postgres_;
  std::unique_ptr<BrokerProbe> probe_;
  int port_;
  std::unique_ptr<ServiceProcess> service_;
};

}  // namespace ve::testing
