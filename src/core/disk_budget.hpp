// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace ve::core {

// The disk of localStoragePath as a job about to download an object sees it.
struct DiskBudget {
  std::string object;            // "<bucket>/<key>", named in messages
  std::filesystem::path folder;  // localStoragePath
  uint64_t object_bytes = 0;     // the input object's size
  uint64_t free_bytes = 0;       // free space of the folder's filesystem now (for unprivileged users)
  uint64_t reserved_bytes = 0;   // held by the other jobs of this process running now (see job_disk_bytes)
  uint64_t min_free_bytes = 0;   // LOCAL_STORAGE_MIN_FREE_MB: always left free, for everything else on the disk
};

// What a job holds in its working folder at its peak: the downloaded input and the DASH
// presentation packaged next to it, which carries the same packets (so about the input's size).
// Saturates instead of overflowing.
uint64_t job_disk_bytes(uint64_t object_bytes);

// Whether the job may start: it needs job_disk_bytes(object) + min_free_bytes, and the space the
// other running jobs reserved is not available to it. Their reservations are counted in full even
// though part of them is already written (and so already missing from free_bytes): cautious, the
// excess is short-lived. Errors name the object, the folder, what is needed and what is free:
//  Internal  when it cannot fit even with every other job finished (free + reserved): the job
//            fails and its message goes to the dead-letter queue, to be re-driven once space is made;
//  Transient when it would fit but the other running jobs hold the space: requeue, try later.
Status check_disk_budget(const DiskBudget& budget);

enum class Rounding { Nearest, Up, Down };

// Bytes in binary units for people: "512 B", "1.5 KiB", "256 MiB", "2.1 GiB" (one decimal below
// 100 of the unit, none above). Rounding::Up/Down keep "needs X, Y free" truthful near the edge.
std::string format_bytes(uint64_t bytes, Rounding rounding = Rounding::Nearest);

}  // namespace ve::core
