// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>

#include "core/config.hpp"

namespace ve::main {

// `serve`: consumes jobs until SIGINT/SIGTERM; returns the process exit code.
int serve(const core::Config& config);

// `submit`: publishes one job message (with a fresh message_id) to the job queue.
int submit(const core::Config& config, const std::string& resource_id, const std::string& file_path);

// `jobs`: prints the recorded jobs, newest first, optionally only those in one status, with their
// ENCODING progress; with `job_id`, that job and its history (each status change and its note:
// a failure's reason, a completed job's warnings).
int list_jobs(const core::Config& config, const std::optional<std::string>& status,
              const std::optional<std::string>& job_id);

}  // namespace ve::main
