// SPDX-License-Identifier: Apache-2.0
#include "app/work_folder.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>

#include "core/uuid.hpp"

namespace ve::app {
namespace {

constexpr const char* kLockName = ".lock";

// A folder without its lock file was either just made (the lock comes next) or made by a process
// that died in between: only old ones are taken for orphans.
constexpr auto kUnlockedFolderAge = std::chrono::minutes(10);

void remove_folder(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) spdlog::warn("cannot remove working folder {}: {}", path.string(), ec.message());
}

}  // namespace

core::Result<WorkFolder> WorkFolder::create(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return core::fail(core::Error::internal("cannot create working folder " + path.string() + ": " + ec.message()));
  const int fd = ::open((path / kLockName).c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    remove_folder(path);
    return core::fail(core::Error::internal("cannot lock working folder " + path.string() + ": " + why));
  }
  return WorkFolder(path, fd);
}

WorkFolder::WorkFolder(WorkFolder&& other) noexcept : path_(std::move(other.path_)), lock_fd_(other.lock_fd_) {
  other.lock_fd_ = -1;
}

WorkFolder::~WorkFolder() {
  if (lock_fd_ < 0) return;
  remove_folder(path_);  // still locked, so no sweeper takes it meanwhile
  ::close(lock_fd_);
}

size_t remove_orphaned_work_folders(const std::filesystem::path& root) {
  size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    if (!entry.is_directory() || !core::is_uuid(entry.path().filename().string())) continue;
    const int fd = ::open((entry.path() / kLockName).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::error_code age_ec;
      const auto modified = std::filesystem::last_write_time(entry.path(), age_ec);
      if (age_ec || std::filesystem::file_time_type::clock::now() - modified < kUnlockedFolderAge) continue;
      remove_folder(entry.path());
      ++removed;
      continue;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {  // nobody holds it: its process is gone
      remove_folder(entry.path());
      ++removed;
    }
    ::close(fd);
  }
  return removed;
}

}  // namespace ve::app
