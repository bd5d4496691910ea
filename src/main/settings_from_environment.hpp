// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>

#include "core/config.hpp"

namespace ve::main {

// The service's settings: a .env file (if present) overlaid by the process environment, which wins.
// The only place that reads the environment. InvalidInput for an unreadable or malformed .env.
core::Result<core::Settings> settings_from_environment(const std::filesystem::path& dotenv = ".env");

}  // namespace ve::main
