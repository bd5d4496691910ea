// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "app/batch_package.hpp"

namespace ve::main {

// Shows batch progress on a stream: a bar per file redrawn in place on a terminal, with frames
// per second and the time left while encoding; plain lines (start, every 10%, end) otherwise.
// Thread-safe.
class ConsoleProgress final : public app::BatchObserver {
 public:
  ConsoleProgress(std::FILE* out, bool terminal, std::vector<std::string> names);
  void started(size_t index) override;
  void progressed(size_t index, const ports::Progress& progress) override;
  void finished(size_t index, const app::BatchResult& result) override;

 private:
  enum class State { Waiting, Running, Done, Failed };
  void redraw_locked();
  std::string rate_and_eta_locked(size_t index) const;

  std::FILE* out_;
  bool terminal_;
  std::mutex mutex_;
  std::vector<std::string> names_;
  std::vector<int> percent_;
  std::vector<double> fps_;
  std::vector<std::chrono::steady_clock::time_point> started_at_;
  std::vector<State> state_;
  bool drawn_ = false;
};

// The end-of-run table: file, tracks, duration, segments, bytes, seconds, status.
std::string summary_table(const std::vector<app::BatchResult>& results);

// What a person does next: where each successful presentation is and how to play or serve it.
// Empty when nothing succeeded. items and results are in the same (input) order.
std::string where_to_play(const std::vector<app::BatchItem>& items, const std::vector<app::BatchResult>& results,
                          const core::OutputFormats& formats);

}  // namespace ve::main
