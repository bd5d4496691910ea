// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ve::core {

// A job's life, in the order the seed system reported it; FAILED can follow any unfinished state.
// ABANDONED (ours, not the seed's) ends an attempt that stopped without an outcome: the worker was
// interrupted (outage, shutdown, crash) and the message went back to the queue for a new attempt.
enum class JobStatus { Starting, Downloading, Fragmenting, Encoding, Uploading, Finishing, Completed, Failed, Abandoned };

const char* to_string(JobStatus status);
std::optional<JobStatus> parse_job_status(std::string_view text);

// True when a job may move from `from` to `to`: one step forward, or to FAILED or ABANDONED before
// it ends.
bool can_transition(JobStatus from, JobStatus to);

bool is_final(JobStatus status);

}  // namespace ve::core
