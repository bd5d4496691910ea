// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>

#include "core/error.hpp"

namespace ve::app {

// A job's working folder. While the job runs, the folder's `.lock` file is held with flock(2), so
// another process can tell a live job's folder from one left by a process that died; the folder
// and everything in it is removed on destruction.
class WorkFolder {
 public:
  static core::Result<WorkFolder> create(const std::filesystem::path& path);
  ~WorkFolder();
  WorkFolder(WorkFolder&& other) noexcept;
  WorkFolder& operator=(WorkFolder&&) = delete;
  WorkFolder(const WorkFolder&) = delete;
  WorkFolder& operator=(const WorkFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  WorkFolder(std::filesystem::path path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::filesystem::path path_;
  int lock_fd_ = -1;
};

// Removes the working folders under `root` (sub-folders named by a UUID) whose lock nobody holds:
// left by a process that was killed mid-job. Folders of live jobs, in this process or another, are
// kept. Returns how many were removed.
size_t remove_orphaned_work_folders(const std::filesystem::path& root);

}  // namespace ve::app
