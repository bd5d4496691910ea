// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/job.hpp"
#include "core/uuid.hpp"
#include "ports/job_store.hpp"

// Rules both JobStore implementations share, so SQLite and PostgreSQL answer alike.
namespace ve::adapters::store {

using core::is_uuid;

// The lower-case form ids are stored in (PostgreSQL prints uuids that way).
std::string normalize_id(std::string_view id);

// InvalidInput unless the job and video ids are UUIDs.
core::Status validate_new_job(const ports::JobRecord& job);

// `t`, or now when the caller left it unset (the epoch).
ports::TimePoint stamp_or_now(ports::TimePoint t);

// The time for a new event: now, but never before the job's previous change, so a job's history
// stays in order even if the clock steps back.
ports::TimePoint next_event_time(ports::TimePoint previous);

core::Error unknown_job(std::string_view job_id);
core::Error forbidden_transition(std::string_view job_id, core::JobStatus from, core::JobStatus to);
core::Error job_exists(std::string_view job_id);

// What record_progress stores: finite and not negative, a percentage at most 100.
double stored_percent(double percent);
double stored_rate(double frames_per_second);

// InvalidInput: progress is recorded only while a job is ENCODING.
core::Error not_encoding(std::string_view job_id, std::string_view status);

// InvalidInput when record_outputs is given an empty or repeated path, or a size past what a
// bigint column holds.
core::Status validate_outputs(std::string_view job_id, const std::vector<ports::OutputFile>& files);

}  // namespace ve::adapters::store
