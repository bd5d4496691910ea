// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

namespace ve::testing {

// The corpus of job messages refused before any job exists, with the exact reason
// core::parse_job_request gives: checked on the queue (bad_input_e2e_tests: dead-lettered with that
// reason, no job) and on POST /api/jobs (http_e2e_tests: 400 with that reason, nothing published).
struct BadMessage {
  std::string name;
  std::string body;
  std::string error;
};
std::vector<BadMessage> invalid_job_messages();

// file_path values that try to leave the input bucket and are refused as such, with the reason.
struct RefusedPath {
  std::string file_path;
  std::string error;
};
std::vector<RefusedPath> refused_file_paths();

}  // namespace ve::testing
