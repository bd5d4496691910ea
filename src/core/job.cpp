// SPDX-License-Identifier: Apache-2.0
#include "core/job.hpp"

#include <array>

namespace ve::core {
namespace {

constexpr std::array<std::pair<JobStatus, const char*>, 9> kNames = {{
    {JobStatus::Starting, "STARTING"},
    {JobStatus::Downloading, "DOWNLOADING"},
    {JobStatus::Fragmenting, "FRAGMENTING"},
    {JobStatus::Encoding, "ENCODING"},
    {JobStatus::Uploading, "UPLOADING"},
    {JobStatus::Finishing, "FINISHING"},
    {JobStatus::Completed, "COMPLETED"},
    {JobStatus::Failed, "FAILED"},
    {JobStatus::Abandoned, "ABANDONED"},
}};

}  // namespace

const char* to_string(JobStatus status) { return kNames[static_cast<size_t>(status)].second; }

std::optional<JobStatus> parse_job_status(std::string_view text) {
  for (const auto& [status, name] : kNames) {
    if (text == name) return status;
  }
  return std::nullopt;
}

bool is_final(JobStatus status) {
  return status == JobStatus::Completed || status == JobStatus::Failed || status == JobStatus::Abandoned;
}

bool can_transition(JobStatus from, JobStatus to) {
  if (is_final(from)) return false;
  if (to == JobStatus::Failed || to == JobStatus::Abandoned) return true;
  return static_cast<int>(to) == static_cast<int>(from) + 1;
}

}  // namespace ve::core
