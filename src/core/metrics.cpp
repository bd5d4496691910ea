// SPDX-License-Identifier: Apache-2.0
#include "core/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <type_traits>

namespace ve::core {
namespace {

bool valid_metric_name(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool valid_label_name(const std::string& name) {
  return valid_metric_name(name) && name.find(':') == std::string::npos && name.rfind("__", 0) != 0;
}

// The sample names a family writes (a histogram's are its name with suffixes).
std::vector<std::string> sample_names(const std::string& name, MetricType type) {
  if (type != MetricType::Histogram) return {name};
  return {name, name + "_bucket", name + "_sum", name + "_count"};
}

// `{a="x",b="y"}` (with `le` last when given), or nothing for a sample without labels.
void append_labels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                   const std::string* le = nullptr) {
  if (names.empty() && !le) return;
  out += '{';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i] + "=\"" + escape_label_value(values[i]) + '"';
  }
  if (le) out += std::string(names.empty() ? "" : ",") + "le=\"" + *le + '"';
  out += '}';
}

void append_sample(std::string& out, const std::string& name, const std::vector<std::string>& label_names,
                   const std::vector<std::string>& label_values, double value, const std::string* le = nullptr) {
  out += name;
  append_labels(out, label_names, label_values, le);
  out += ' ' + format_metric_value(value) + '\n';
}

template <typename Metric>
Metric make_metric(const std::vector<double>& upper_bounds) {
  if constexpr (std::is_same_v<Metric, Histogram>) {
    return Histogram(upper_bounds);
  } else {
    return Metric();
  }
}

template <typename Metric>
Family<Metric>& adopt(std::vector<std::unique_ptr<MetricFamily>>& families, std::unique_ptr<Family<Metric>> family) {
  Family<Metric>& added = *family;
  families.push_back(std::move(family));
  return added;
}

template <typename Metric>
constexpr MetricType type_of() {
  if constexpr (std::is_same_v<Metric, Counter>) return MetricType::Counter;
  if constexpr (std::is_same_v<Metric, Gauge>) return MetricType::Gauge;
  return MetricType::Histogram;
}

}  // namespace

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  constexpr double kLargestExactInteger = 9007199254740992.0;  // 2^53
  if (value == std::trunc(value) && std::fabs(value) < kLargestExactInteger) {
    return std::to_string(static_cast<int64_t>(value));  // also turns -0 into 0
  }
  char text[64];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;  // shortest that reads back exactly
  return std::string(text, end);
}

std::string escape_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(const std::string& help) {
  std::string out;
  out.reserve(help.size());
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Counter::inc(double amount) {
  if (!(amount >= 0)) return;  // also NaN
  value_.fetch_add(amount, std::memory_order_relaxed);
}

void Gauge::inc(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }

Histogram::Histogram(const std::vector<double>& upper_bounds)
    : upper_bounds_(upper_bounds), counts_(upper_bounds.size() + 1, 0) {}

void Histogram::observe(double value) {
  if (std::isnan(value)) return;
  // The first bucket whose bound is >= value; past the last bound, +Inf.
  const auto bucket = static_cast<size_t>(
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin());
  std::lock_guard lock(mutex_);
  ++counts_[bucket];
  sum_ += value;
  ++count_;
}

Histogram::Snapshot Histogram::snapshot() const {
  std::lock_guard lock(mutex_);
  Snapshot s;
  s.cumulative.reserve(counts_.size());
  uint64_t running = 0;
  for (const uint64_t c : counts_) s.cumulative.push_back(running += c);
  s.sum = sum_;
  s.count = count_;
  return s;
}

const char* to_string(MetricType type) {
  switch (type) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Histogram: return "histogram";
  }
  return "untyped";
}

MetricFamily::MetricFamily(std::string name, std::string help, MetricType type, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), type_(type), label_names_(std::move(label_names)) {}

template <typename Metric>
Family<Metric>::Child::Child(std::vector<std::string> values, const std::vector<double>& upper_bounds)
    : label_values(std::move(values)), metric(make_metric<Metric>(upper_bounds)) {}

template <typename Metric>
Family<Metric>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                       std::vector<double> upper_bounds)
    : MetricFamily(std::move(name), std::move(help), type_of<Metric>(), std::move(label_names)),
      upper_bounds_(std::move(upper_bounds)) {
  if (label_names_.empty()) with({});  // an unlabelled metric shows its zero from the start
}

template <typename Metric>
Metric& Family<Metric>::with(const std::vector<std::string>& label_values) {
  if (label_values.size() != label_names_.size()) {
    throw std::invalid_argument(name_ + " takes " + std::to_string(label_names_.size()) + " label value(s), not " +
                                std::to_string(label_values.size()));
  }
  std::lock_guard lock(mutex_);
  if (const auto it = index_.find(label_values); it != index_.end()) return *it->second;
  Child& child = children_.emplace_back(label_values, upper_bounds_);
  index_.emplace(label_values, &child.metric);
  return child.metric;
}

template <typename Metric>
void Family<Metric>::render(std::string& out) const {
  out += "# HELP " + name_ + (help_.empty() ? "" : " " + escape_help(help_)) + '\n';
  out += "# TYPE " + name_ + ' ' + to_string(type_) + '\n';
  std::lock_guard lock(mutex_);
  for (const Child& child : children_) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      const Histogram::Snapshot s = child.metric.snapshot();
      for (size_t i = 0; i < s.cumulative.size(); ++i) {
        const std::string le = i < upper_bounds_.size() ? format_metric_value(upper_bounds_[i]) : "+Inf";
        append_sample(out, name_ + "_bucket", label_names_, child.label_values, static_cast<double>(s.cumulative[i]), &le);
      }
      append_sample(out, name_ + "_sum", label_names_, child.label_values, s.sum);
      append_sample(out, name_ + "_count", label_names_, child.label_values, static_cast<double>(s.count));
    } else {
      append_sample(out, name_, label_names_, child.label_values, child.metric.value());
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

void Registry::check_new(const std::string& name, MetricType type, const std::vector<std::string>& label_names) const {
  if (!valid_metric_name(name)) throw std::invalid_argument("not a valid metric name: \"" + name + "\"");
  if (type == MetricType::Counter && !name.ends_with("_total")) {
    throw std::invalid_argument("a counter's name ends in _total: " + name);
  }
  std::set<std::string> seen;
  for (const auto& label : label_names) {
    if (!valid_label_name(label)) throw std::invalid_argument(name + ": not a valid label name: \"" + label + "\"");
    if (type == MetricType::Histogram && label == "le") throw std::invalid_argument(name + ": a histogram's label \"le\" is its own");
    if (!seen.insert(label).second) throw std::invalid_argument(name + ": label \"" + label + "\" given twice");
  }
  const auto wanted = sample_names(name, type);
  for (const auto& family : families_) {
    for (const auto& taken : sample_names(family->name(), family->type())) {
      if (std::find(wanted.begin(), wanted.end(), taken) != wanted.end()) {
        throw std::invalid_argument("metric name " + taken + " is already registered");
      }
    }
  }
}

Family<Counter>& Registry::counter(const std::string& name, const std::string& help,
                                   std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  check_new(name, MetricType::Counter, label_names);
  return adopt(families_, std::make_unique<Family<Counter>>(name, help, std::move(label_names)));
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  check_new(name, MetricType::Gauge, label_names);
  return adopt(families_, std::make_unique<Family<Gauge>>(name, help, std::move(label_names)));
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       std::vector<double> upper_bounds, std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  check_new(name, MetricType::Histogram, label_names);
  if (!upper_bounds.empty() && upper_bounds.back() == std::numeric_limits<double>::infinity()) upper_bounds.pop_back();
  for (size_t i = 0; i < upper_bounds.size(); ++i) {
    if (!std::isfinite(upper_bounds[i]) || (i > 0 && !(upper_bounds[i - 1] < upper_bounds[i]))) {
      throw std::invalid_argument(name + ": bucket bounds must be finite and strictly increasing");
    }
  }
  return adopt(families_, std::make_unique<Family<Histogram>>(name, help, std::move(label_names), std::move(upper_bounds)));
}

std::string Registry::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& family : families_) family->render(out);
  return out;
}

}  // namespace ve::core
