// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/error.hpp"

namespace ve::adapters::fs {

// Bytes an unprivileged process can still write on the filesystem holding `folder` (statvfs:
// f_bavail * f_frsize; the root-only reserve is not counted). Internal naming the folder when it
// cannot be read (missing folder, permissions). Thread-safe.
core::Result<uint64_t> free_bytes(const std::filesystem::path& folder);

}  // namespace ve::adapters::fs
