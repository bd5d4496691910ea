// SPDX-License-Identifier: Apache-2.0
#include "http_stack.hpp"

namespace ve::testing {

HttpStack::HttpStack(bool postgres, std::map<std::string, std::string> extra)
    : broker_(RabbitMqNode::start_new()), port_(free_local_port()) {
  if (postgres) postgres_ = std::make_unique<PostgresCluster>();
  std::filesystem::create_directories(root_ / "buckets" / "videos-input");
  std::filesystem::copy_file(shared_media("video.mp4"), root_ / "buckets" / "videos-input" / "video.mp4");
  std::map<std::string, std::string> env = {
      {"DB_TYPE", postgres ? "postgres" : "sqlite3"},
      {"DSN", postgres ? postgres_->dsn() : (root_ / "jobs.db").string()},
      {"localStoragePath", (root_ / "work").string()},
      {"STORAGE_ROOT", (root_ / "buckets").string()},
      {"RENDITIONS", "source"},
      {"RABBITMQ_DEFAULT_HOST", "127.0.0.1"},
      {"RABBITMQ_DEFAULT_PORT", std::to_string(broker_->port())},
      {"HTTP_ADDR", "127.0.0.1:" + std::to_string(port_)}};
  for (const auto& [k, v] : extra) env[k] = v;
  service_ = std::make_unique<ServiceProcess>(VE_BINARY, std::vector<std::string>{"serve"}, env, root_.path(),
                                              root_ / "service.log");
}

Reply HttpStack::request(const std::string& method, const std::string& path, const std::string& token,
                         const std::string& body, httplib::Headers headers) {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  httplib::Result r = method == "POST" ? client.Post(path, headers, body, "application/json") : client.Get(path, headers);
  if (!r) return {};
  return {r->status, r->body, r->get_header_value("Content-Type"), r->get_header_value("Content-Range")};
}

}  // namespace ve::testing
