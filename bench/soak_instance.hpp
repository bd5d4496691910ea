// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "process_stats.hpp"
#include "support/service_process.hpp"

namespace ve::soak {

// One `video-encoder serve` process of the soak, with what was seen of it: memory and CPU samples
// from /proc, and how it ended. Not thread-safe.
class Instance {
 public:
  // Starts the binary with `env` and its HTTP server on a free loopback port; stdout and stderr
  // go to `log`.
  Instance(std::string name, const std::string& binary, std::map<std::string, std::string> env,
           const std::filesystem::path& cwd, const std::filesystem::path& log);

  // Samples /proc; notices an exit nobody asked for (then running() turns false).
  void sample();
  bool running() const { return process_ != nullptr; }
  // SIGKILL, after a last sample.
  void kill();
  // SIGTERM after a last sample (VmHWM just before stopping), waits up to `grace`; the exit code
  // or -1 (killed by a signal, or still running after `grace`).
  int stop(std::chrono::seconds grace);

  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }
  const ProcessStats& stats() const { return stats_; }
  const std::filesystem::path& log_path() const { return log_; }
  // "running", "exit 0", "SIGKILLed", "exited on its own (code N)", ...
  const std::string& fate() const { return fate_; }
  // Log lines saying a job completed (a rough count of the jobs this instance did).
  size_t completed_in_log() const;
  // Jobs this instance finished (any status), as its /metrics said at the last scrape (once a
  // second while sampling, and just before it is stopped or killed); -1 before any answer.
  double finished_in_metrics() const { return finished_in_metrics_; }

 private:
  std::string name_;
  std::filesystem::path log_;
  int http_port_;  // before process_: the process is started with it
  std::unique_ptr<testing::ServiceProcess> process_;
  pid_t pid_ = -1;
  ProcessStats stats_;
  std::string fate_ = "running";
  double finished_in_metrics_ = -1;
  std::chrono::steady_clock::time_point next_scrape_{};

  void scrape_metrics();
};

}  // namespace ve::soak
