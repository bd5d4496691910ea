// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <optional>

namespace ve::soak {

// One look at a running process in /proc (Linux).
struct ProcessSample {
  long rss_kib = 0;       // VmRSS: resident now
  long peak_rss_kib = 0;  // VmHWM: the highest resident set since the process started
  double cpu_seconds = 0;  // user + system time so far
};

// nullopt when the process is gone (or /proc cannot be read).
std::optional<ProcessSample> sample_process(pid_t pid);

// What the samples of one process showed over its life.
struct ProcessStats {
  long max_sampled_rss_kib = 0;  // highest VmRSS among the samples
  long peak_rss_kib = 0;         // last VmHWM seen (the kernel's own peak; taken just before stopping)
  double cpu_seconds = 0;        // last CPU time seen
  int samples = 0;

  void add(const ProcessSample& s);
};

}  // namespace ve::soak
