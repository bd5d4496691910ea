// SPDX-License-Identifier: Apache-2.0
#include "adapters/fs/free_space.hpp"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

namespace ve::adapters::fs {

core::Result<uint64_t> free_bytes(const std::filesystem::path& folder) {
  struct statvfs info {};
  int rc;
  do {
    rc = ::statvfs(folder.c_str(), &info);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    return core::fail(core::Error::internal("cannot read the free disk space of " + folder.string() + ": " +
                                            std::strerror(errno) + "; check that localStoragePath exists"));
  }
  return static_cast<uint64_t>(info.f_bavail) * static_cast<uint64_t>(info.f_frsize);
}

}  // namespace ve::adapters::fs
