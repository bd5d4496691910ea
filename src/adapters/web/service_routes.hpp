// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "adapters/web/http_server.hpp"
#include "core/error.hpp"
#include "ports/blob_store.hpp"
#include "ports/job_store.hpp"

namespace ve::adapters::web {

// One thing readiness depends on (the broker, the job store, a storage backend): ok, or an error
// whose message says what is wrong.
struct ReadinessCheck {
  std::string name;
  std::function<core::Status()> check;
};

// What the service's routes read and do; every function is called from request threads at once.
struct ServiceEndpoints {
  ports::JobStore* store = nullptr;
  // Where finished presentations are: <output_bucket>/<video id>/<file> in `outputs`.
  ports::BlobStore* outputs = nullptr;
  std::string output_bucket;
  std::vector<ReadinessCheck> readiness;
  // Empty when the workers are making progress, otherwise why not (liveness).
  std::function<std::string()> stuck;
  // The Prometheus text exposition of the service's metrics.
  std::function<std::string()> metrics;
  // Validates a job message exactly as the queue's consumer would and publishes it to the job
  // queue with a confirm; the message id. InvalidInput for a bad body, Transient when the broker
  // is unreachable.
  std::function<core::Result<std::string>(const std::string& body)> submit;
};

// GET /healthz, /readyz, /metrics; GET /api/jobs?status=&limit=&before=, GET /api/jobs/{id},
// POST /api/jobs; GET /outputs/{video id}/{file} streams an output file from the output bucket's
// backend (local, S3, GCS) piece by piece, with Range requests and its content type. Answers JSON
// with an "error" naming what is wrong for 400/404/503.
void add_service_routes(HttpServer& http, ServiceEndpoints endpoints);

}  // namespace ve::adapters::web
