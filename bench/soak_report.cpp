// SPDX-License-Identifier: Apache-2.0
#include "soak_report.hpp"

#include <cstdio>
#include <deque>
#include <fstream>
#include <map>

namespace ve::soak {
namespace {

double mib(long kib) { return static_cast<double>(kib) / 1024.0; }

void add_run_checks(const RunFacts& f, Verdict& v) {
  Check& in_time = v.check("every outcome arrived within --timeout");
  if (f.timed_out) {
    in_time.fail(std::to_string(f.plan.size() - f.settled) + " of " + std::to_string(f.plan.size()) +
                 " messages still without their outcome" + (f.interrupted ? " (interrupted)" : ""));
  }
  Check& db = v.check("database readable");
  if (!f.database_error.empty()) db.fail(f.database_error);
  Check& folders = v.check("no job folder left in any localStoragePath");
  for (const auto& entry : f.left_behind) folders.fail(entry);
  if (f.options.kill_one) {
    v.notes.push_back(std::to_string(f.left_at_kill) +
                      " job folders were in the SIGKILLed instance's localStoragePath right after the kill; its "
                      "replacement used the same folder, " +
                      (f.left_behind.empty() ? "which is empty now" : "which still holds some"));
  }
  Check& stopped = v.check("every instance exits 0 on SIGTERM");
  for (const auto& s : f.stop_failures) stopped.fail(s);
}

void print_plan(const RunFacts& f) {
  std::map<std::string, size_t> kinds;
  size_t good = 0;
  for (const auto& m : f.plan) {
    if (m.bad) ++kinds[to_string(*m.bad)];
    else ++good;
  }
  std::string bad_kinds;
  for (const auto& [kind, n] : kinds) bad_kinds += (bad_kinds.empty() ? "" : ", ") + std::to_string(n) + " " + kind;
  const auto& o = f.options;
  std::printf("\n== video-encoder soak ==\n");
  std::printf("binary      %s\n", o.binary.c_str());
  std::printf("setup       %d instances x %d workers, one RabbitMQ, one PostgreSQL, local buckets%s\n", o.instances,
              o.workers, o.kill_one ? ", --kill-one" : "");
  std::printf("jobs        %zu: %zu good, %zu bad (%s)\n", f.plan.size(), good, f.plan.size() - good,
              bad_kinds.c_str());
}

void print_figures(const RunFacts& f, const std::vector<std::unique_ptr<Instance>>& instances) {
  const double per_minute = f.wall_seconds > 0 ? 60.0 * static_cast<double>(f.settled) / f.wall_seconds : 0;
  std::printf("wall        %.1f s from the first publish to the last outcome (publishing took %.1f s)\n",
              f.wall_seconds, f.publish_seconds);
  std::printf("throughput  %.1f jobs/min (%zu settled)\n", per_minute, f.settled);
  // The same from the services' own /metrics: each instance's video_encoder_jobs_finished_total
  // at its last scrape, summed (an instance killed mid-run counts what it said before the kill).
  double finished = 0;
  bool every_instance = true;
  for (const auto& i : instances) {
    every_instance = every_instance && i->finished_in_metrics() >= 0;
    finished += std::max(i->finished_in_metrics(), 0.0);
  }
  std::printf("metrics     %.1f jobs/min (%.0f finished by video_encoder_jobs_finished_total%s)\n",
              f.wall_seconds > 0 ? 60.0 * finished / f.wall_seconds : 0, finished,
              every_instance ? "" : "; an instance never answered /metrics");
  std::printf("arrived     %zu results, %zu failure notifications, %zu dead letters; %zu in the %d s quiet period\n",
              f.got.results.size(), f.got.failures.size(), f.got.dead_letters.size(), f.late_messages,
              f.options.quiet_seconds);
  std::printf("database    %zu jobs\n\n", f.jobs.size());
  std::printf("%-30s %8s %14s %14s %8s %9s  %s\n", "instance", "pid", "peak RSS MiB", "max VmRSS MiB", "CPU s",
              "completed", "end");
  for (const auto& i : instances) {
    const auto& s = i->stats();
    std::printf("%-30s %8d %14.1f %14.1f %8.1f %9zu  %s\n", i->name().c_str(), i->pid(), mib(s.peak_rss_kib),
                mib(s.max_sampled_rss_kib), s.cpu_seconds, i->completed_in_log(), i->fate().c_str());
  }
  std::printf("(peak RSS = VmHWM read just before the instance was stopped; max VmRSS = highest of %s samples "
              "every 250 ms; completed = 'job ... completed' log lines)\n\n",
              instances.empty() ? "0" : std::to_string(instances.front()->stats().samples).c_str());
}

void print_checks(const Verdict& v) {
  for (const auto& c : v.checks) {
    std::printf("[%s] %s", c.failures ? "FAIL" : " ok ", c.name.c_str());
    if (c.failures) std::printf(" (%zu)", c.failures);
    std::printf("\n");
    for (const auto& e : c.examples) std::printf("         %s\n", e.c_str());
    if (c.failures > c.examples.size()) std::printf("         ... and %zu more\n", c.failures - c.examples.size());
  }
  for (const auto& n : v.notes) std::printf("note: %s\n", n.c_str());
}

}  // namespace

std::string log_tail(const std::filesystem::path& file, size_t lines) {
  std::ifstream in(file);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string text;
  for (const auto& l : last) text += l + "\n";
  return text;
}

int print_report(const RunFacts& f, const std::vector<std::unique_ptr<Instance>>& instances, Verdict verdict) {
  add_run_checks(f, verdict);
  print_plan(f);
  print_figures(f, instances);
  print_checks(verdict);
  std::printf("missing %zu, duplicates %zu\n", verdict.missing, verdict.duplicates);
  const bool pass = verdict.pass();
  if (!pass) {
    for (const auto& i : instances) {
      std::printf("\n--- last lines of %s (%s):\n%s", i->name().c_str(), i->log_path().c_str(),
                  log_tail(i->log_path(), 15).c_str());
    }
    if (!f.options.keep) std::printf("\n(run again with --keep to keep %s)\n", f.folder.c_str());
  }
  std::printf("\n%s\n", pass ? "PASS" : "FAIL");
  std::fflush(stdout);
  return pass ? 0 : 1;
}

}  // namespace ve::soak
