// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>

#include "core/error.hpp"

namespace ve::app {

class DiskReservations;

// Space held for one running job, given back when it is destroyed (on every way out of the job).
// Move-only; must not outlive the DiskReservations that issued it.
class DiskReservation {
 public:
  DiskReservation(DiskReservation&& other) noexcept;
  DiskReservation& operator=(DiskReservation&& other) noexcept;
  DiskReservation(const DiskReservation&) = delete;
  DiskReservation& operator=(const DiskReservation&) = delete;
  ~DiskReservation();

  uint64_t bytes() const { return bytes_; }

 private:
  friend class DiskReservations;
  DiskReservation(DiskReservations* owner, uint64_t bytes) : owner_(owner), bytes_(bytes) {}
  void release() noexcept;

  DiskReservations* owner_ = nullptr;
  uint64_t bytes_ = 0;
};

// The disk of localStoragePath shared by the jobs of this process: before a download, reserve()
// checks the object against the free space (read through the injected function, statvfs in the
// service) minus what the jobs running now have reserved, and holds core::job_disk_bytes(object)
// for the job. The check and the reservation are one step, so jobs starting together cannot all
// count the same free bytes. Thread-safe; one instance serves every worker.
class DiskReservations {
 public:
  using FreeBytesFn = std::function<core::Result<uint64_t>(const std::filesystem::path& folder)>;

  DiskReservations(std::filesystem::path folder, uint64_t min_free_bytes, FreeBytesFn free_bytes);
  DiskReservations(const DiskReservations&) = delete;
  DiskReservations& operator=(const DiskReservations&) = delete;

  // `object` names the input in messages ("<bucket>/<key>"). Errors: those of
  // core::check_disk_budget (Internal: can never fit, fail the job; Transient: the running jobs
  // hold the space, requeue) and those of the free-space reading.
  core::Result<DiskReservation> reserve(const std::string& object, uint64_t object_bytes);

  // Bytes held by live reservations.
  uint64_t reserved_bytes() const;

  const std::filesystem::path& folder() const { return folder_; }

 private:
  friend class DiskReservation;
  void release(uint64_t bytes) noexcept;

  const std::filesystem::path folder_;
  const uint64_t min_free_bytes_;
  const FreeBytesFn free_bytes_;
  mutable std::mutex mutex_;
  uint64_t reserved_ = 0;  // guarded by mutex_
};

}  // namespace ve::app
