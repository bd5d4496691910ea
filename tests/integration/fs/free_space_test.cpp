// SPDX-License-Identifier: Apache-2.0
// adapters::fs::free_bytes against df (coreutils), an independent reading of the same filesystem.
#include "adapters/fs/free_space.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "support/test_support.hpp"

namespace ve::testing {
namespace {

// Bytes available to unprivileged users on the filesystem of `folder`, as df reports them.
uint64_t df_available(const std::filesystem::path& folder) {
  const auto r = run("df -B1 --output=avail " + quote(folder.string()) + " | tail -n 1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return std::strtoull(r.output.c_str(), nullptr, 10);
}

TEST(FreeSpace, AgreesWithDf) {
  TempDir dir;
  const uint64_t before = df_available(dir.path());
  const auto got = adapters::fs::free_bytes(dir.path());
  const uint64_t after = df_available(dir.path());
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_GT(before, 0u);
  // Others may write to the disk meanwhile: allow 64 MiB of drift around df's two readings.
  constexpr uint64_t kDrift = 64ULL << 20;
  EXPECT_GE(*got + kDrift, std::min(before, after)) << "df said " << before << " then " << after;
  EXPECT_LE(*got, std::max(before, after) + kDrift) << "df said " << before << " then " << after;
}

TEST(FreeSpace, AMissingFolderIsInternalAndNamed) {
  TempDir dir;
  const auto got = adapters::fs::free_bytes(dir / "not-there");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, core::ErrorKind::Internal);
  EXPECT_EQ(got.error().message, "cannot read the free disk space of " + (dir / "not-there").string() +
                                     ": No such file or directory; check that localStoragePath exists");
}

}  // namespace
}  // namespace ve::testing
