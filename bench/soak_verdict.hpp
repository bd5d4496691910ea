// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>

#include <deque>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "ports/job_store.hpp"
#include "soak_plan.hpp"

namespace ve::soak {

// Everything the soak took from the broker, in arrival order.
struct Collected {
  std::vector<nlohmann::json> results;                        // videos-result messages with a job_id
  std::vector<std::pair<std::string, std::string>> failures;  // videos-result failure notifications: {message, error}
  std::vector<std::string> dead_letters;                      // bodies from videos-failed
  std::vector<std::string> unreadable;                        // videos-result messages that are neither

  // Adds one videos-result message.
  void add_result_queue_message(const std::string& body);
};

// How many planned messages have their outcome: a result (good ones) or a failure notification
// and a dead letter (bad ones). Duplicates are not counted twice.
size_t settled_count(const std::vector<PlannedMessage>& plan, const Collected& got);

// One named expectation and what broke it.
struct Check {
  std::string name;
  size_t failures = 0;
  std::vector<std::string> examples;  // the first few failures, for a person to look at

  void fail(const std::string& what);
};

struct Verdict {
  std::deque<Check> checks;  // a deque: references stay valid as checks are added
  std::vector<std::string> notes;  // worth knowing, not a failure
  size_t missing = 0;     // expected messages that never came
  size_t duplicates = 0;  // expected messages that came more than once

  Check& check(const std::string& name);
  bool pass() const;
};

// Compares what arrived and what the database holds with the plan. `output_root` is the output
// bucket's folder (local backend). With `instance_killed`, jobs left unfinished by the killed
// instance are noted rather than failed.
Verdict judge(const std::vector<PlannedMessage>& plan, const Collected& got, const std::vector<ports::JobRecord>& jobs,
              const std::filesystem::path& output_root, bool instance_killed);

}  // namespace ve::soak
