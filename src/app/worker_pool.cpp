// SPDX-License-Identifier: Apache-2.0
#include "app/worker_pool.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ve::app {
namespace {

void settle(ports::JobSource& source, const ports::Delivery& delivery, Disposition disposition,
            ServiceMetrics* metrics) {
  core::Status ok;
  MessageOutcome outcome = MessageOutcome::Acked;
  switch (disposition) {
    case Disposition::Ack: ok = source.ack(delivery.tag); break;
    case Disposition::DeadLetter:
      ok = source.reject(delivery.tag, /*requeue=*/false);
      outcome = MessageOutcome::DeadLettered;
      break;
    case Disposition::Requeue:
      ok = source.reject(delivery.tag, /*requeue=*/true);
      outcome = MessageOutcome::Requeued;
      break;
  }
  if (!ok) {
    // The broker will deliver the message again, since it was not settled.
    spdlog::warn("cannot {} message {}: {}", to_string(disposition), delivery.message_id, ok.error().message);
  } else if (metrics) {
    metrics->message(outcome);
  }
}

// What the workers and the thread waiting for them share; owned jointly, so that a worker that
// outlives run_workers() (detached, stuck) still finds it.
struct Crew {
  std::mutex mutex;
  std::condition_variable_any changed;
  int running = 0;  // worker threads not yet returned
  int busy = 0;     // of those, the ones inside a job
  std::stop_source cancel;
};

constexpr auto kFirstRequeuePause = std::chrono::milliseconds(500);
constexpr auto kMaxRequeuePause = std::chrono::milliseconds(15000);

void worker_loop(ports::JobSource& source, const JobProcessor& processor, std::stop_token stop, Crew& crew,
                 ServiceMetrics* metrics) {
  auto backoff = std::chrono::milliseconds(100);
  auto requeue_pause = std::chrono::milliseconds(kFirstRequeuePause);
  while (!stop.stop_requested()) {
    auto delivery = source.next(std::chrono::milliseconds(250));
    if (!delivery) {
      spdlog::warn("waiting for the broker: {}", delivery.error().message);
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    backoff = std::chrono::milliseconds(100);
    if (!*delivery) continue;
    if (metrics) metrics->message(MessageOutcome::Received);
    {
      std::lock_guard lock(crew.mutex);
      ++crew.busy;
    }
    const Disposition disposition = processor.process(**delivery, crew.cancel.get_token());
    settle(source, **delivery, disposition, metrics);
    {
      std::lock_guard lock(crew.mutex);
      --crew.busy;
    }
    // A requeue means an outage (database, storage, broker): pause before the next message, longer
    // while it lasts, instead of spinning through the queue.
    if (disposition == Disposition::Requeue && !stop.stop_requested()) {
      std::unique_lock lock(crew.mutex);
      crew.changed.wait_for(lock, stop, requeue_pause, [] { return false; });
      requeue_pause = std::min(requeue_pause * 2, kMaxRequeuePause);
    } else if (disposition != Disposition::Requeue) {
      requeue_pause = kFirstRequeuePause;
    }
  }
}

}  // namespace

size_t run_workers(ports::JobSource& source, const JobProcessor& processor, int workers, std::stop_token stop,
                   const ShutdownPolicy& policy, ServiceMetrics* metrics) {
  auto crew = std::make_shared<Crew>();
  std::vector<std::thread> threads;
  // The count is read from a local: the threads decrement crew->running (under the mutex) as soon
  // as they end, which may be before this loop has started them all.
  const int count = std::max(1, workers);
  crew->running = count;
  for (int i = 0; i < count; ++i) {
    threads.emplace_back([&source, &processor, stop, crew, metrics] {
      worker_loop(source, processor, stop, *crew, metrics);
      std::lock_guard lock(crew->mutex);
      --crew->running;
      crew->changed.notify_all();
    });
  }

  std::unique_lock lock(crew->mutex);
  crew->changed.wait(lock, stop, [] { return false; });  // until the stop request
  lock.unlock();
  if (policy.on_stop) policy.on_stop();
  lock.lock();
  if (crew->busy > 0) {
    spdlog::info("stopping: waiting up to {} s for {} job(s) in progress",
                 std::chrono::duration_cast<std::chrono::seconds>(policy.grace).count(), crew->busy);
  }
  bool done = crew->changed.wait_for(lock, policy.cancel_now, policy.grace, [&] { return crew->running == 0; });
  if (!done) {
    spdlog::warn("stopping: {} job(s) still running {}; cancelling them (they are recorded ABANDONED and their "
                 "messages requeued)", crew->busy, policy.cancel_now.stop_requested() ? "at a second stop request" : "after the grace period");
    crew->cancel.request_stop();
    done = crew->changed.wait_for(lock, policy.cancel_wait, [&] { return crew->running == 0; });
  }
  const size_t stuck = static_cast<size_t>(crew->running);
  lock.unlock();
  for (auto& t : threads) {
    if (done) {
      t.join();
    } else {
      t.detach();
    }
  }
  if (stuck > 0) spdlog::error("stopping: {} job(s) did not react to cancellation; leaving them to the broker", stuck);
  return stuck;
}

}  // namespace ve::app
