// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ports/job_store.hpp"
#include "soak_instance.hpp"
#include "soak_plan.hpp"
#include "soak_verdict.hpp"

namespace ve::soak {

struct Options {
  int jobs = 200;
  int instances = 2;
  int workers = 2;
  double bad_fraction = 0.25;
  std::string binary;
  std::string renditions = "auto";  // RENDITIONS of every instance
  bool kill_one = false;
  bool keep = false;
  int timeout_seconds = 600;
  int quiet_seconds = 5;
};

// What a run saw, for the report.
struct RunFacts {
  Options options;
  std::filesystem::path folder;
  std::vector<PlannedMessage> plan;
  Collected got;
  std::vector<ports::JobRecord> jobs;  // the database's, read after the instances stopped
  std::string database_error;
  double publish_seconds = 0;
  double wall_seconds = 0;   // first publish -> last outcome (or the timeout)
  size_t settled = 0;        // planned messages with their outcome
  size_t late_messages = 0;  // taken during the quiet period
  bool timed_out = false;
  bool interrupted = false;
  std::vector<std::string> stop_failures;  // instances that did not exit 0 on SIGTERM
  std::vector<std::string> left_behind;    // entries of the instances' localStoragePath
  size_t left_at_kill = 0;                 // entries of the killed instance's folder right after the kill
};

// The last `lines` lines of a file.
std::string log_tail(const std::filesystem::path& file, size_t lines);

// Prints the figures and the checks (adding the run's own to `verdict`); the exit code: 0 when
// everything passed, 1 otherwise.
int print_report(const RunFacts& facts, const std::vector<std::unique_ptr<Instance>>& instances, Verdict verdict);

}  // namespace ve::soak
