// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ve::soak {

// The ways the soak makes a message bad, each with a known outcome: a failure notification on
// videos-result and the original dead-lettered to videos-failed. Only the last two get far enough
// to be recorded as a FAILED job.
enum class BadKind { NotJson, MissingField, DotDotPath, MissingObject, CorruptMedia };

const char* to_string(BadKind kind);
// A part of the error text the service gives for this kind.
const char* expected_error_part(BadKind kind);
bool becomes_failed_job(BadKind kind);

struct PlannedMessage {
  std::string message_id;   // unique per message
  std::string body;         // unique per message, so notifications and dead letters can be matched
  std::string resource_id;  // unique; empty when the body has none that the service can read
  std::optional<BadKind> bad;  // nullopt for a good message
  std::string file_path;       // good messages: the object key in the input bucket
};

// The input bucket's objects the plan refers to (beside `good_inputs`).
inline constexpr const char* kCorruptObject = "corrupt.mp4";

// `jobs` messages, of which floor(jobs * bad_fraction) are bad, spread evenly among the good ones
// and cycling through the kinds; good ones cycle through `good_inputs` (object keys).
std::vector<PlannedMessage> plan_messages(int jobs, double bad_fraction, const std::vector<std::string>& good_inputs);

}  // namespace ve::soak
