// SPDX-License-Identifier: Apache-2.0
#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ve::core {
namespace {

TEST(Metrics, ASmallRegistryRendersExactly) {
  Registry registry;
  auto& jobs = registry.counter("app_jobs_total", "Jobs finished, by status.", {"status"});
  auto& busy = registry.gauge("app_busy_workers", "Workers inside a job.");
  auto& latency = registry.histogram("app_latency_seconds", "Time per request.", {0.5, 1, 2.5}, {"route"});
  auto& empty = registry.gauge("app_queue_depth", "Messages waiting, by queue.", {"queue"});
  (void)empty;

  jobs.with({"completed"}).inc();
  jobs.with({"completed"}).inc(2);
  jobs.with({"failed"}).inc();
  busy.get().set(3);
  busy.get().dec();
  latency.with({"/metrics"}).observe(0.25);
  latency.with({"/metrics"}).observe(2);

  EXPECT_EQ(registry.render(),
            "# HELP app_jobs_total Jobs finished, by status.\n"
            "# TYPE app_jobs_total counter\n"
            "app_jobs_total{status=\"completed\"} 3\n"
            "app_jobs_total{status=\"failed\"} 1\n"
            "# HELP app_busy_workers Workers inside a job.\n"
            "# TYPE app_busy_workers gauge\n"
            "app_busy_workers 2\n"
            "# HELP app_latency_seconds Time per request.\n"
            "# TYPE app_latency_seconds histogram\n"
            "app_latency_seconds_bucket{route=\"/metrics\",le=\"0.5\"} 1\n"
            "app_latency_seconds_bucket{route=\"/metrics\",le=\"1\"} 1\n"
            "app_latency_seconds_bucket{route=\"/metrics\",le=\"2.5\"} 2\n"
            "app_latency_seconds_bucket{route=\"/metrics\",le=\"+Inf\"} 2\n"
            "app_latency_seconds_sum{route=\"/metrics\"} 2.25\n"
            "app_latency_seconds_count{route=\"/metrics\"} 2\n"
            "# HELP app_queue_depth Messages waiting, by queue.\n"
            "# TYPE app_queue_depth gauge\n");
}

TEST(Metrics, UnlabelledMetricsShowTheirZeroBeforeAnyUpdate) {
  Registry registry;
  registry.counter("a_total", "A.");
  registry.histogram("b_seconds", "B.", {1});
  EXPECT_EQ(registry.render(),
            "# HELP a_total A.\n"
            "# TYPE a_total counter\n"
            "a_total 0\n"
            "# HELP b_seconds B.\n"
            "# TYPE b_seconds histogram\n"
            "b_seconds_bucket{le=\"1\"} 0\n"
            "b_seconds_bucket{le=\"+Inf\"} 0\n"
            "b_seconds_sum 0\n"
            "b_seconds_count 0\n");
}

TEST(Metrics, HistogramBucketsAreCumulativeAndABoundaryValueFallsInItsBucket) {
  Registry registry;
  auto& h = registry.histogram("h", "H.", {0.5, 1, 5, std::numeric_limits<double>::infinity()});
  for (double v : {0.25, 0.5, 0.75, 3.0, 10.0, std::nan("")}) h.get().observe(v);  // NaN is ignored
  EXPECT_EQ(registry.render(),
            "# HELP h H.\n"
            "# TYPE h histogram\n"
            "h_bucket{le=\"0.5\"} 2\n"
            "h_bucket{le=\"1\"} 3\n"
            "h_bucket{le=\"5\"} 4\n"
            "h_bucket{le=\"+Inf\"} 5\n"
            "h_sum 14.5\n"
            "h_count 5\n");
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
  Registry registry;
  auto& c = registry.counter("e_total", "Back\\slash and\nnewline, \"quotes\" kept.", {"path", "note"});
  c.with({"C:\\dir\\\"x\"", "two\nlines"}).inc();
  EXPECT_EQ(registry.render(),
            "# HELP e_total Back\\\\slash and\\nnewline, \"quotes\" kept.\n"
            "# TYPE e_total counter\n"
            "e_total{path=\"C:\\\\dir\\\\\\\"x\\\"\",note=\"two\\nlines\"} 1\n");
}

TEST(Metrics, ValuesAreWrittenSoPrometheusParsesThem) {
  EXPECT_EQ(format_metric_value(0), "0");
  EXPECT_EQ(format_metric_value(-0.0), "0");
  EXPECT_EQ(format_metric_value(42), "42");
  EXPECT_EQ(format_metric_value(-7), "-7");
  EXPECT_EQ(format_metric_value(0.1), "0.1");
  EXPECT_EQ(format_metric_value(2.5), "2.5");
  EXPECT_EQ(format_metric_value(1712345678.25), "1712345678.25");
  EXPECT_EQ(format_metric_value(9007199254740991.0), "9007199254740991");  // 2^53 - 1, exact
  EXPECT_EQ(format_metric_value(1e20), "1e+20");
  EXPECT_EQ(format_metric_value(1.5e-7), "1.5e-07");
  EXPECT_EQ(format_metric_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_metric_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_metric_value(std::nan("")), "NaN");
}

TEST(Metrics, ACounterNeverGoesDown) {
  Registry registry;
  auto& c = registry.counter("c_total", "C.").get();
  c.inc(5);
  c.inc(-2);
  c.inc(std::nan(""));
  c.inc(0.5);
  EXPECT_EQ(c.value(), 5.5);
}

TEST(Metrics, AChildIsCreatedOnceAndItsReferenceStays) {
  Registry registry;
  auto& family = registry.gauge("g", "G.", {"k"});
  Gauge& first = family.with({"a"});
  for (int i = 0; i < 1000; ++i) family.with({std::to_string(i)}).set(i);
  EXPECT_EQ(&family.with({"a"}), &first);
  first.set(7);
  EXPECT_EQ(family.with({"a"}).value(), 7);
}

TEST(Metrics, RegistrationRejectsWhatPrometheusWouldNot) {
  Registry registry;
  registry.histogram("taken_seconds", "T.", {1});
  EXPECT_THROW(registry.gauge("9lives", "x"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("has-dash", "x"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("", "x"), std::invalid_argument);
  EXPECT_THROW(registry.counter("jobs", "no _total"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("taken_seconds", "again"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("taken_seconds_count", "a histogram's sample"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("g", "x", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(registry.gauge("g", "x", {"a:b"}), std::invalid_argument);
  EXPECT_THROW(registry.gauge("g", "x", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h", "x", {1}, {"le"}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h", "x", {2, 1}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h", "x", {1, 1}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h", "x", {std::nan("")}), std::invalid_argument);
  auto& labelled = registry.gauge("g", "x", {"a", "b"});
  EXPECT_THROW(labelled.with({"only one"}), std::invalid_argument);
  EXPECT_THROW(labelled.get(), std::invalid_argument);
  // Nothing rejected was registered.
  EXPECT_EQ(registry.render(),
            "# HELP taken_seconds T.\n"
            "# TYPE taken_seconds histogram\n"
            "taken_seconds_bucket{le=\"1\"} 0\n"
            "taken_seconds_bucket{le=\"+Inf\"} 0\n"
            "taken_seconds_sum 0\n"
            "taken_seconds_count 0\n"
            "# HELP g x\n"
            "# TYPE g gauge\n");
}

// Several threads update the same children (and create new ones) while another renders: the
// totals are exact. Run under ThreadSanitizer too.
TEST(Metrics, ConcurrentUpdatesAreAllCounted) {
  Registry registry;
  auto& counter = registry.counter("n_total", "N.", {"k"});
  auto& gauge = registry.gauge("busy", "B.");
  auto& histogram = registry.histogram("d_seconds", "D.", {1, 10});
  constexpr int kThreads = 8;
  constexpr int kRounds = 5000;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kRounds; ++i) {
          counter.with({"shared"}).inc();
          counter.with({"thread" + std::to_string(t)}).inc(2);
          gauge.get().inc();
          histogram.get().observe(i % 2 == 0 ? 0.5 : 5);
          gauge.get().dec();
        }
      });
    }
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) EXPECT_NE(registry.render().find("# TYPE d_seconds histogram\n"), std::string::npos);
    });
  }
  EXPECT_EQ(counter.with({"shared"}).value(), kThreads * kRounds);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(counter.with({"thread" + std::to_string(t)}).value(), 2 * kRounds);
  EXPECT_EQ(gauge.get().value(), 0);
  const std::string text = registry.render();
  EXPECT_NE(text.find("n_total{k=\"shared\"} 40000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"1\"} 20000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"10\"} 40000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"+Inf\"} 40000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_sum 110000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_count 40000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("busy 0\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace ve::core
