// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ve::core {

// The Content-Type of what Registry::render() returns.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Prometheus metrics, rendered in the text exposition format 0.0.4 (what `GET /metrics` serves).
// Debian 12 packages no Prometheus client for C++, so this is a small one of our own: counters,
// gauges and histograms in families with fixed label names. Every instrument and family is
// thread-safe: many threads update them while another renders.

// Goes only up. A negative or NaN amount is ignored (a counter that went down would read to
// Prometheus as a restart of the process).
class Counter {
 public:
  void inc(double amount = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void inc(double amount = 1);
  void dec(double amount = 1) { inc(-amount); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts observations into buckets with fixed upper bounds (an observation v falls in every bucket
// whose bound is >= v, plus +Inf), and keeps their sum and count. A NaN observation is ignored.
// Observations are meant to be a few per job, so one mutex keeps each snapshot consistent (the
// +Inf bucket always equals the count).
class Histogram {
 public:
  // `upper_bounds` (strictly increasing, finite) must outlive the histogram: its family's.
  explicit Histogram(const std::vector<double>& upper_bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // per upper bound, then +Inf (equal to count)
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  const std::vector<double>& upper_bounds_;
  mutable std::mutex mutex_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

enum class MetricType { Counter, Gauge, Histogram };

const char* to_string(MetricType type);

// What every family has, whatever its instrument; the registry renders through it.
class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, MetricType type, std::vector<std::string> label_names);
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const { return name_; }
  MetricType type() const { return type_; }
  // Appends the family's # HELP and # TYPE lines and one line per sample.
  virtual void render(std::string& out) const = 0;

 protected:
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
};

// A metric with fixed label names: one child instrument per combination of label values, created
// at zero on first use and never removed. Thread-safe (one mutex per family, held only to find or
// create a child, and while rendering).
template <typename Metric>
class Family final : public MetricFamily {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> upper_bounds = {});

  // The child for `label_values`, one per label name in order, e.g. with({"completed"}); the
  // reference stays valid as long as the registry. Throws std::invalid_argument when the number of
  // values differs from the number of label names (a programming error).
  Metric& with(const std::vector<std::string>& label_values);
  // The only child of a family without labels (exists, at zero, from registration).
  Metric& get() { return with({}); }

  void render(std::string& out) const override;

 private:
  struct Child {
    Child(std::vector<std::string> values, const std::vector<double>& upper_bounds);
    std::vector<std::string> label_values;
    Metric metric;
  };

  std::vector<double> upper_bounds_;  // histograms only
  mutable std::mutex mutex_;
  std::deque<Child> children_;  // in creation order; a deque never moves its elements
  std::map<std::vector<std::string>, Metric*> index_;
};

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

// The families of one process, rendered in registration order. Registration is thread-safe but
// meant for start-up: it throws std::invalid_argument for a name or label name Prometheus rejects
// ([a-zA-Z_:][a-zA-Z0-9_:]* and [a-zA-Z_][a-zA-Z0-9_]* not starting with "__"), a name already used
// (a histogram also takes its name's _bucket, _sum and _count), a counter not named *_total (the
// convention promtool checks), a histogram labelled "le", or bucket bounds not strictly increasing
// and finite (a last +Inf is dropped: every histogram has it). Families live as long as the registry.
class Registry {
 public:
  Family<Counter>& counter(const std::string& name, const std::string& help,
                           std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(const std::string& name, const std::string& help, std::vector<std::string> label_names = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help, std::vector<double> upper_bounds,
                               std::vector<std::string> label_names = {});

  // Every family: "# HELP", "# TYPE", then its samples (a family with labels and no children yet
  // has only the first two lines), each line ending in "\n". Served as kMetricsContentType.
  std::string render() const;

 private:
  void check_new(const std::string& name, MetricType type, const std::vector<std::string>& label_names) const;

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<MetricFamily>> families_;
};

// A sample value or bucket bound as Prometheus parses it: integers without exponent or fraction
// while exact (|v| < 2^53), else the shortest text that reads back the same; "+Inf", "-Inf", "NaN".
std::string format_metric_value(double value);

// A label value inside its double quotes: backslash, double quote and newline escaped.
std::string escape_label_value(const std::string& value);

// HELP text: backslash and newline escaped.
std::string escape_help(const std::string& help);

}  // namespace ve::core
