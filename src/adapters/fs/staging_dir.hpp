// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>

#include "core/error.hpp"

namespace ve::adapters::fs {

// A temporary folder next to a target folder that becomes the target on commit() and is removed
// otherwise (destructor). Move-only.
class StagingDir {
 public:
  static core::Result<StagingDir> create(const std::filesystem::path& target);
  StagingDir(StagingDir&& other) noexcept;
  StagingDir& operator=(StagingDir&&) = delete;
  StagingDir(const StagingDir&) = delete;
  ~StagingDir();

  const std::filesystem::path& path() const { return path_; }

  // Renames the staging folder to the target, replacing an existing target folder.
  core::Status commit();

 private:
  StagingDir(std::filesystem::path path, std::filesystem::path target);
  std::filesystem::path path_;
  std::filesystem::path target_;
  bool active_ = true;
};

}  // namespace ve::adapters::fs
