// SPDX-License-Identifier: Apache-2.0
// libFuzzer: arbitrary bytes as an input video. The packager must fail cleanly or produce a
// presentation that passes its own verification; it must never crash, hang or leave files behind.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include "adapters/media/dash_packager.hpp"

namespace {

std::filesystem::path scratch() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("ve-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ve::adapters::media::route_libav_logs();  // libav's messages go to spdlog at debug level
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto input = scratch() / "input.mp4";
  const auto output = scratch() / "out";
  {
    std::ofstream(input, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  ve::adapters::media::DashPackager packager;
  ve::ports::PackageOptions options;
  options.segment_duration_seconds = 1.0;
  options.verify = true;
  auto result = packager.package(input, output, options, nullptr);
  if (!result && std::filesystem::exists(output)) __builtin_trap();  // a failure leaves nothing
  std::error_code ec;
  std::filesystem::remove_all(output, ec);
  return 0;
}
