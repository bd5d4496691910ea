// SPDX-License-Identifier: Apache-2.0
#include "soak_plan.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>

namespace ve::soak {
namespace {

constexpr std::array kKinds = {BadKind::NotJson, BadKind::MissingField, BadKind::DotDotPath, BadKind::MissingObject,
                               BadKind::CorruptMedia};

std::string body(const std::string& resource_id, const std::string& file_path) {
  return nlohmann::json{{"resource_id", resource_id}, {"file_path", file_path}}.dump();
}

PlannedMessage bad_message(BadKind kind, int index) {
  PlannedMessage m;
  m.bad = kind;
  m.resource_id = "soak-bad-" + std::to_string(index);
  switch (kind) {
    case BadKind::NotJson:
      m.body = m.resource_id + ": this is not JSON";
      m.resource_id.clear();
      break;
    case BadKind::MissingField: m.body = nlohmann::json{{"resource_id", m.resource_id}}.dump(); break;
    case BadKind::DotDotPath: m.body = body(m.resource_id, "../in/video.mp4"); break;
    case BadKind::MissingObject: m.body = body(m.resource_id, "missing-" + std::to_string(index) + ".mp4"); break;
    case BadKind::CorruptMedia: m.body = body(m.resource_id, kCorruptObject); break;
  }
  return m;
}

}  // namespace

const char* to_string(BadKind kind) {
  switch (kind) {
    case BadKind::NotJson: return "not JSON";
    case BadKind::MissingField: return "missing field";
    case BadKind::DotDotPath: return "'..' path";
    case BadKind::MissingObject: return "missing object";
    case BadKind::CorruptMedia: return "corrupt media";
  }
  return "?";
}

const char* expected_error_part(BadKind kind) {
  switch (kind) {
    case BadKind::NotJson: return "not valid JSON";
    case BadKind::MissingField: return "no \"file_path\" field";
    case BadKind::DotDotPath: return "'..' segments";
    case BadKind::MissingObject: return "input not found";
    case BadKind::CorruptMedia: return "not a valid MP4";
  }
  return "?";
}

bool becomes_failed_job(BadKind kind) { return kind == BadKind::MissingObject || kind == BadKind::CorruptMedia; }

std::vector<PlannedMessage> plan_messages(int jobs, double bad_fraction, const std::vector<std::string>& good_inputs) {
  std::vector<PlannedMessage> plan;
  size_t bad_count = 0, good_count = 0;
  for (int i = 0; i < jobs; ++i) {
    // Message i is bad when the running total of bad ones, floor((i + 1) * F), steps up.
    const bool bad = std::floor((i + 1) * bad_fraction) > std::floor(i * bad_fraction);
    PlannedMessage m;
    if (bad) {
      m = bad_message(kKinds[bad_count++ % kKinds.size()], i);
    } else {
      m.resource_id = "soak-good-" + std::to_string(i);
      m.file_path = good_inputs[good_count++ % good_inputs.size()];
      m.body = body(m.resource_id, m.file_path);
    }
    m.message_id = "soak-message-" + std::to_string(i);
    plan.push_back(std::move(m));
  }
  return plan;
}

}  // namespace ve::soak
