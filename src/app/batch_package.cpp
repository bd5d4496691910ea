// SPDX-License-Identifier: Apache-2.0
#include "app/batch_package.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "core/output_naming.hpp"

namespace ve::app {

std::vector<BatchItem> plan_batch(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& out_dir) {
  std::vector<BatchItem> items;
  std::map<std::string, std::filesystem::path> claimed;
  for (const auto& input : inputs) {
    BatchItem item{input, core::fail(core::Error::internal("unplanned"))};
    auto name = core::presentation_name(input.string());
    if (!name) {
      item.target = core::fail(name.error());
    } else if (auto [it, fresh] = claimed.emplace(*name, input); !fresh) {
      item.target = core::fail(core::Error::invalid_input(input.string() + ": output folder '" + *name +
                                                          "' is already the target of " + it->second.string() +
                                                          "; rename one of the inputs"));
    } else {
      item.target = out_dir / *name;
    }
    items.push_back(std::move(item));
  }
  return items;
}

std::vector<BatchResult> run_batch(const std::vector<BatchItem>& items, ports::Packager& packager,
                                   const ports::PackageOptions& options, unsigned jobs, BatchObserver* observer) {
  std::vector<BatchResult> results(items.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < items.size(); i = next.fetch_add(1)) {
      const BatchItem& item = items[i];
      BatchResult& result = results[i];
      result.input = item.input;
      if (observer) observer->started(i);
      const auto begin = std::chrono::steady_clock::now();
      if (!item.target) {
        result.outcome = core::fail(item.target.error());
      } else {
        auto progress = [observer, i](const ports::Progress& p) {
          if (observer) observer->progressed(i, p);
        };
        result.outcome = packager.package(item.input, *item.target, options, progress);
      }
      result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
      if (observer) observer->finished(i, result);
    }
  };
  const unsigned threads = std::clamp<unsigned>(jobs, 1, static_cast<unsigned>(std::max<size_t>(1, items.size())));
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
  }
  return results;
}

}  // namespace ve::app
