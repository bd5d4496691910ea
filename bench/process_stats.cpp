// SPDX-License-Identifier: Apache-2.0
#include "process_stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

namespace ve::soak {
namespace {

// "VmRSS:	  123456 kB" -> 123456
long status_kib(const std::string& status, const std::string& key) {
  const auto at = status.find("\n" + key + ":");
  if (at == std::string::npos) return 0;
  return std::stol(status.substr(at + key.size() + 2));
}

}  // namespace

std::optional<ProcessSample> sample_process(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  std::ifstream status_file(proc + "/status"), stat_file(proc + "/stat");
  if (!status_file || !stat_file) return std::nullopt;
  std::stringstream status;
  status << "\n" << status_file.rdbuf();
  std::string stat;
  std::getline(stat_file, stat);
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are
  // fields 14 and 15, in clock ticks.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int n = 3; n <= 15 && fields >> field; ++n) {
    if (n == 14) utime = std::stol(field);
    if (n == 15) stime = std::stol(field);
  }
  ProcessSample s;
  s.rss_kib = status_kib(status.str(), "VmRSS");
  s.peak_rss_kib = status_kib(status.str(), "VmHWM");
  s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  // A zombie has no memory left to report: keep the figures of the last live sample.
  if (s.peak_rss_kib == 0) return std::nullopt;
  return s;
}

void ProcessStats::add(const ProcessSample& s) {
  max_sampled_rss_kib = std::max(max_sampled_rss_kib, s.rss_kib);
  peak_rss_kib = std::max(peak_rss_kib, s.peak_rss_kib);
  cpu_seconds = std::max(cpu_seconds, s.cpu_seconds);
  ++samples;
}

}  // namespace ve::soak
