// SPDX-License-Identifier: Apache-2.0
#include "adapters/web/service_routes.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "adapters/web/job_views.hpp"
#include "core/uuid.hpp"

namespace ve::adapters::web {
namespace {

constexpr const char* kJson = "application/json";

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(nlohmann::json{{"error", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJson);
}

int status_for(const core::Error& e) {
  switch (e.kind) {
    case core::ErrorKind::InvalidInput: return 400;
    case core::ErrorKind::NotFound: return 404;
    case core::ErrorKind::Transient: return 503;
    default: return 500;
  }
}

std::optional<std::string> param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  return req.get_param_value(name);
}

}  // namespace

void add_service_routes(HttpServer& http, ServiceEndpoints endpoints) {
  auto e = std::make_shared<ServiceEndpoints>(std::move(endpoints));
  auto& server = http.server();

  server.Get("/healthz", [e](const httplib::Request&, httplib::Response& res) {
    const std::string stuck = e->stuck ? e->stuck() : std::string();
    res.status = stuck.empty() ? 200 : 503;
    res.set_content(stuck.empty() ? nlohmann::json{{"status", "alive"}}.dump()
                                  : nlohmann::json{{"status", "stuck"}, {"error", stuck}}.dump(),
                    kJson);
  });

  server.Get("/readyz", [e](const httplib::Request&, httplib::Response& res) {
    nlohmann::json checks = nlohmann::json::object();
    bool ready = true;
    for (const auto& check : e->readiness) {
      const auto ok = check.check();
      checks[check.name] = ok ? "ok" : ok.error().message;
      ready = ready && ok.has_value();
    }
    res.status = ready ? 200 : 503;
    res.set_content(nlohmann::json{{"status", ready ? "ready" : "not ready"}, {"checks", checks}}
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    kJson);
  });

  server.Get("/metrics", [e](const httplib::Request&, httplib::Response& res) {
    res.set_content(e->metrics ? e->metrics() : std::string(), "text/plain; version=0.0.4; charset=utf-8");
  });

  server.Get("/api/jobs", [e](const httplib::Request& req, httplib::Response& res) {
    auto query = parse_job_query(param(req, "status"), param(req, "limit"), param(req, "before"));
    if (!query) return send_error(res, 400, query.error().message);
    auto jobs = e->store->list_jobs(*query);
    if (!jobs) return send_error(res, status_for(jobs.error()), jobs.error().message);
    res.set_content(job_page_json(*jobs, *query), kJson);
  });

  server.Get(R"(/api/jobs/([^/]+))", [e](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    if (!core::is_uuid(id)) return send_error(res, 400, "not a job id: a job id is a UUID");
    auto job = e->store->find_job(id);
    if (!job) return send_error(res, status_for(job.error()), job.error().message);
    if (!*job) return send_error(res, 404, "no job " + id);
    auto events = e->store->job_events(id);
    if (!events) return send_error(res, status_for(events.error()), events.error().message);
    res.set_content(job_detail_json(**job, *events), kJson);
  });

  server.Post("/api/jobs", [e](const httplib::Request& req, httplib::Response& res) {
    auto message_id = e->submit(req.body);
    if (!message_id) return send_error(res, status_for(message_id.error()), message_id.error().message);
    res.status = 202;
    res.set_content(nlohmann::json{{"message_id", *message_id}}.dump(), kJson);
  });
}

}  // namespace ve::adapters::web
