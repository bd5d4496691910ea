// SPDX-License-Identifier: Apache-2.0
#include "adapters/store/store_records.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>

namespace ve::adapters::store {

std::string normalize_id(std::string_view id) {
  std::string out(id);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

core::Status validate_new_job(const ports::JobRecord& job) {
  if (!is_uuid(job.id)) return core::fail(core::Error::invalid_input("job id '" + job.id + "' is not a UUID"));
  if (!is_uuid(job.video.id)) {
    return core::fail(core::Error::invalid_input("video id '" + job.video.id + "' of job " + job.id + " is not a UUID"));
  }
  return {};
}

ports::TimePoint stamp_or_now(ports::TimePoint t) {
  return t == ports::TimePoint{} ? std::chrono::system_clock::now() : t;
}

ports::TimePoint next_event_time(ports::TimePoint previous) {
  return std::max(std::chrono::system_clock::now(), previous);
}

core::Error unknown_job(std::string_view job_id) {
  return core::Error::not_found("no job " + std::string(job_id) + " in the job store");
}

core::Error forbidden_transition(std::string_view job_id, core::JobStatus from, core::JobStatus to) {
  if (from == core::JobStatus::Abandoned) {
    return core::Error::conflict("job " + std::string(job_id) + " was abandoned (its message is being handled by a "
                                 "later attempt) and cannot move to " + core::to_string(to));
  }
  return core::Error::invalid_input("job " + std::string(job_id) + " is " + core::to_string(from) +
                                    " and cannot move to " + core::to_string(to));
}

core::Error job_exists(std::string_view job_id) {
  return core::Error::invalid_input("job " + std::string(job_id) + " already exists in the job store");
}

double stored_percent(double percent) { return std::isfinite(percent) ? std::clamp(percent, 0.0, 100.0) : 0.0; }

double stored_rate(double frames_per_second) {
  return std::isfinite(frames_per_second) && frames_per_second > 0 ? frames_per_second : 0.0;
}

core::Error not_encoding(std::string_view job_id, std::string_view status) {
  return core::Error::invalid_input("job " + std::string(job_id) + " is " + std::string(status) +
                                    ", not ENCODING: its progress was not recorded");
}

core::Status validate_outputs(std::string_view job_id, const std::vector<ports::OutputFile>& files) {
  std::set<std::string_view> seen;
  for (const auto& f : files) {
    const std::string what = "output file '" + f.path + "' of job " + std::string(job_id);
    if (f.path.empty()) return core::fail(core::Error::invalid_input("an output file of job " + std::string(job_id) + " has no path"));
    if (!seen.insert(f.path).second) return core::fail(core::Error::invalid_input(what + " is listed twice"));
    if (f.bytes > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return core::fail(core::Error::invalid_input(what + " is too large to record (" + std::to_string(f.bytes) + " bytes)"));
    }
  }
  return {};
}

}  // namespace ve::adapters::store
