// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <stop_token>

#include "app/job_processor.hpp"
#include "ports/job_source.hpp"

namespace ve::app {

// `workers` threads that each take a delivery, process it and settle it (ack, dead-letter or
// requeue) until a stop is requested. A job in progress is finished before its thread leaves.
void run_workers(ports::JobSource& source, const JobProcessor& processor, int workers, std::stop_token stop);

}  // namespace ve::app
