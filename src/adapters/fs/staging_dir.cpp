// SPDX-License-Identifier: Apache-2.0
#include "adapters/fs/staging_dir.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <system_error>

namespace ve::adapters::fs {
namespace {

std::filesystem::path sibling(const std::filesystem::path& target, const char* tag) {
  static std::atomic<unsigned> counter{0};
  // A stream rather than string operator+: GCC 12 at -O3 warns falsely (-Wrestrict) on the latter.
  std::ostringstream name;
  name << '.' << target.filename().string() << '.' << tag << '-' << ::getpid() << '-' << counter.fetch_add(1);
  return target.parent_path() / name.str();
}

}  // namespace

StagingDir::StagingDir(std::filesystem::path path, std::filesystem::path target)
    : path_(std::move(path)), target_(std::move(target)) {}

StagingDir::StagingDir(StagingDir&& other) noexcept
    : path_(std::move(other.path_)), target_(std::move(other.target_)), active_(other.active_) {
  other.active_ = false;
}

StagingDir::~StagingDir() {
  if (!active_) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

core::Result<StagingDir> StagingDir::create(const std::filesystem::path& target) {
  std::error_code ec;
  std::filesystem::create_directories(target.parent_path().empty() ? "." : target.parent_path(), ec);
  if (ec) {
    return core::fail(core::Error::internal("cannot create output folder " + target.parent_path().string() + ": " +
                                            ec.message()));
  }
  std::filesystem::path path = sibling(target, "partial");
  if (!std::filesystem::create_directory(path, ec) || ec) {
    return core::fail(core::Error::internal("cannot create staging folder " + path.string() + ": " +
                                            (ec ? ec.message() : "already exists")));
  }
  return StagingDir(std::move(path), target);
}

core::Status StagingDir::commit() {
  std::error_code ec;
  std::filesystem::path old;
  if (std::filesystem::exists(target_, ec)) {
    old = sibling(target_, "old");
    std::filesystem::rename(target_, old, ec);
    if (ec) return core::fail(core::Error::internal("cannot move aside " + target_.string() + ": " + ec.message()));
  }
  std::filesystem::rename(path_, target_, ec);
  if (ec) {
    std::error_code ignored;
    if (!old.empty()) std::filesystem::rename(old, target_, ignored);
    return core::fail(core::Error::internal("cannot rename " + path_.string() + " to " + target_.string() + ": " +
                                            ec.message()));
  }
  active_ = false;
  if (!old.empty()) std::filesystem::remove_all(old, ec);
  return {};
}

}  // namespace ve::adapters::fs
