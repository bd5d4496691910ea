// SPDX-License-Identifier: Apache-2.0
#include "app/worker_pool.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>
#include <vector>

namespace ve::app {
namespace {

void settle(ports::JobSource& source, const ports::Delivery& delivery, Disposition disposition) {
  core::Status ok;
  switch (disposition) {
    case Disposition::Ack: ok = source.ack(delivery.tag); break;
    case Disposition::DeadLetter: ok = source.reject(delivery.tag, /*requeue=*/false); break;
    case Disposition::Requeue: ok = source.reject(delivery.tag, /*requeue=*/true); break;
  }
  if (!ok) {
    // The broker will deliver the message again, since it was not settled.
    spdlog::warn("cannot {} message {}: {}", to_string(disposition), delivery.message_id, ok.error().message);
  }
}

void worker_loop(ports::JobSource& source, const JobProcessor& processor, std::stop_token stop) {
  auto backoff = std::chrono::milliseconds(100);
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
    settle(source, **delivery, processor.process(**delivery));
  }
}

}  // namespace

void run_workers(ports::JobSource& source, const JobProcessor& processor, int workers, std::stop_token stop) {
  std::vector<std::jthread> threads;
  for (int i = 0; i < std::max(1, workers); ++i) {
    threads.emplace_back([&source, &processor, stop] { worker_loop(source, processor, stop); });
  }
}

}  // namespace ve::app
