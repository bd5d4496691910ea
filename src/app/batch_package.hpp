// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <vector>

#include "core/error.hpp"
#include "ports/packager.hpp"

namespace ve::app {

// One input of a batch and where its presentation goes; target holds the reason when the input
// cannot be given a folder of its own.
struct BatchItem {
  std::filesystem::path input;
  core::Result<std::filesystem::path> target;
};

struct BatchResult {
  std::filesystem::path input;
  core::Result<ports::PackageSummary> outcome = core::fail(core::Error::internal("not run"));
  double seconds = 0;
};

// Receives progress from the worker threads; implementations must be thread-safe.
class BatchObserver {
 public:
  virtual ~BatchObserver() = default;
  virtual void started(size_t index) = 0;
  virtual void progressed(size_t index, const ports::Progress& progress) = 0;
  virtual void finished(size_t index, const BatchResult& result) = 0;
};

// Each input goes to out_dir/<file name without extension>; when two inputs would share a folder,
// every one after the first gets an InvalidInput naming the clash.
std::vector<BatchItem> plan_batch(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& out_dir);

// Packages every item with `jobs` worker threads (at least 1). A failed item does not stop the
// others. Results come back in input order. observer may be null.
std::vector<BatchResult> run_batch(const std::vector<BatchItem>& items, ports::Packager& packager,
                                   const ports::PackageOptions& options, unsigned jobs, BatchObserver* observer);

}  // namespace ve::app
