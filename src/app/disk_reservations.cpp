// SPDX-License-Identifier: Apache-2.0
#include "app/disk_reservations.hpp"

#include <cassert>
#include <utility>

#include "core/disk_budget.hpp"

namespace ve::app {

DiskReservation::DiskReservation(DiskReservation&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DiskReservation& DiskReservation::operator=(DiskReservation&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

DiskReservation::~DiskReservation() { release(); }

void DiskReservation::release() noexcept {
  if (owner_) owner_->release(bytes_);
  owner_ = nullptr;
  bytes_ = 0;
}

DiskReservations::DiskReservations(std::filesystem::path folder, uint64_t min_free_bytes, FreeBytesFn free_bytes)
    : folder_(std::move(folder)), min_free_bytes_(min_free_bytes), free_bytes_(std::move(free_bytes)) {}

core::Result<DiskReservation> DiskReservations::reserve(const std::string& object, uint64_t object_bytes) {
  // The free space is read under the lock: a reading taken before another job's reservation
  // would not know that job's bytes are promised.
  std::lock_guard lock(mutex_);
  auto free_now = free_bytes_(folder_);
  if (!free_now) return core::fail(free_now.error());
  const core::DiskBudget budget{object, folder_, object_bytes, *free_now, reserved_, min_free_bytes_};
  if (auto ok = core::check_disk_budget(budget); !ok) return core::fail(ok.error());
  const uint64_t bytes = core::job_disk_bytes(object_bytes);
  reserved_ += bytes;  // no overflow: check_disk_budget passed, so reserved_ + bytes <= free
  return DiskReservation(this, bytes);
}

uint64_t DiskReservations::reserved_bytes() const {
  std::lock_guard lock(mutex_);
  return reserved_;
}

void DiskReservations::release(uint64_t bytes) noexcept {
  std::lock_guard lock(mutex_);
  assert(bytes <= reserved_);
  reserved_ -= bytes;
}

}  // namespace ve::app
