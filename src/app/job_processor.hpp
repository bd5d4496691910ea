// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "ports/blob_store.hpp"
#include "ports/job_source.hpp"
#include "ports/job_store.hpp"
#include "ports/packager.hpp"

namespace ve::app {

struct JobSettings {
  std::string input_bucket;
  std::string output_bucket;
  std::filesystem::path work_root;  // each job works in <work_root>/<video id>, removed when it ends
  int upload_concurrency = 4;
  ports::PackageOptions package;
};

// What to do with a delivery once it has been handled; decided in one place from the outcome.
enum class Disposition {
  Ack,         // done: the result was recorded and published
  DeadLetter,  // bad request or media: FAILED recorded, failure notification published
  Requeue,     // transient outage (database, broker, storage): try again later
};

const char* to_string(Disposition d);

// Runs one job end to end: validate the message, record the job, download, package, upload,
// record and publish the result. Every status change is stored. Holds no mutable state: one
// instance serves all workers at once (the ports are thread-safe).
class JobProcessor {
 public:
  JobProcessor(ports::JobStore& store, ports::BlobStore& blobs, ports::Packager& packager,
               ports::ResultPublisher& publisher, JobSettings settings,
               std::function<std::string()> new_id);

  Disposition process(const ports::Delivery& delivery) const;

 private:
  core::Status run(ports::JobRecord& job, const std::filesystem::path& work) const;
  core::Status advance(ports::JobRecord& job, core::JobStatus status) const;
  core::Status upload_folder(const std::filesystem::path& folder, const std::string& prefix) const;
  Disposition fail_request(const ports::Delivery& delivery, const core::Error& error) const;

  ports::JobStore& store_;
  ports::BlobStore& blobs_;
  ports::Packager& packager_;
  ports::ResultPublisher& publisher_;
  JobSettings settings_;
  std::function<std::string()> new_id_;
};

// A random version 4 UUID (thread-safe).
std::string random_uuid();

}  // namespace ve::app
