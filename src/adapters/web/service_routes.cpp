// SPDX-License-Identifier: Apache-2.0
#include "adapters/web/service_routes.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "adapters/web/job_views.hpp"
#include "core/job_request.hpp"
#include "core/storage_location.hpp"
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

// GET /outputs/{video id}/{file}: the size first (404 before any byte), then the bytes in pieces
// as the client reads them; cpp-httplib answers Range requests (206, Content-Range) from the size.
void serve_output(const ServiceEndpoints& e, const httplib::Request& req, httplib::Response& res) {
  const std::string video_id = req.matches[1];
  const std::string file = req.matches[2];
  if (!core::is_uuid(video_id)) return send_error(res, 400, "not a video id: a video id is a UUID");
  if (auto ok = core::validate_object_key(file); !ok) return send_error(res, 400, "not an output file name: " + ok.error().message);
  const std::string key = video_id + "/" + file;
  auto size = e.outputs->size(e.output_bucket, key);
  if (!size) {
    if (size.error().kind == core::ErrorKind::NotFound) return send_error(res, 404, "no output " + key);
    return send_error(res, status_for(size.error()), size.error().message);
  }
  // cpp-httplib 0.11 drops the connection for a range that starts past the end: answer 416 ourselves.
  for (const auto& [first, last] : req.ranges) {
    if (first >= 0 && static_cast<uint64_t>(first) >= *size) {
      res.set_header("Content-Range", "bytes */" + std::to_string(*size));
      return send_error(res, 416, "range past the end of " + key + " (" + std::to_string(*size) + " bytes)");
    }
  }
  ports::BlobStore* outputs = e.outputs;
  res.set_header("Cache-Control", "no-cache");
  res.set_content_provider(
      static_cast<size_t>(*size), core::content_type_for(file),
      [outputs, bucket = e.output_bucket, key](size_t offset, size_t length, httplib::DataSink& sink) {
        auto bytes = outputs->read(bucket, key, offset, length);
        if (!bytes || bytes->empty()) return false;  // the connection is closed: the client sees a short body
        return sink.write(bytes->data(), bytes->size());
      });
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
    auto outputs = e->store->job_outputs(id);
    if (!outputs) return send_error(res, status_for(outputs.error()), outputs.error().message);
    res.set_content(job_detail_json(**job, *events, *outputs), kJson);
  });

  server.Get(R"(/outputs/([^/]+)/(.+))", [e](const httplib::Request& req, httplib::Response& res) {
    serve_output(*e, req, res);
  });

  server.Post("/api/jobs", [e](const httplib::Request& req, httplib::Response& res) {
    auto message_id = e->submit(req.body);
    if (!message_id) return send_error(res, status_for(message_id.error()), message_id.error().message);
    res.status = 202;
    res.set_content(nlohmann::json{{"message_id", *message_id}}.dump(), kJson);
  });
}

}  // namespace ve::adapters::web
