// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <functional>
#include <stop_token>

#include "app/job_processor.hpp"
#include "app/service_metrics.hpp"
#include "ports/job_source.hpp"

namespace ve::app {

struct ShutdownPolicy {
  // After the stop request, jobs in progress may finish within this time.
  std::chrono::milliseconds grace{std::chrono::seconds(60)};
  // Then they are cancelled (abandoned and requeued at their next step); this is how long the
  // pool waits for them to notice.
  std::chrono::milliseconds cancel_wait{std::chrono::seconds(10)};
  // Called once when the stop is requested, before waiting (e.g. to stop the broker's deliveries).
  std::function<void()> on_stop;
  // Requested (e.g. by a second signal): the jobs in progress are cancelled without waiting for the
  // rest of the grace period.
  std::stop_token cancel_now;
};

// `workers` threads that each take a delivery, process it and settle it (ack, dead-letter or
// requeue) until a stop is requested; then jobs in progress get policy.grace to finish, and are
// cancelled after that. Returns the number of workers still busy after policy.cancel_wait (stuck
// in a call that does not look at the cancellation, e.g. a blocked read): their deliveries are
// unsettled and their threads are detached, so the caller must close the broker connection (which
// requeues those deliveries) and end the process without running destructors (std::_Exit).
// Deliveries received and their settlements are counted in `metrics` unless it is null (it must
// outlive the workers, detached ones too).
size_t run_workers(ports::JobSource& source, const JobProcessor& processor, int workers, std::stop_token stop,
                   const ShutdownPolicy& policy = {}, ServiceMetrics* metrics = nullptr);

}  // namespace ve::app
