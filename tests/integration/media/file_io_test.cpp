// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/file_io.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace ve::adapters::media {
namespace {

std::string pattern(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 7;
  for (char& c : s) c = static_cast<char>((x = x * 1664525 + 1013904223) >> 24);
  return s;
}

std::string copy(const std::filesystem::path& in, const std::vector<ByteRange>& ranges,
                 const std::filesystem::path& out_path, core::Status* status) {
  auto in_fd = open_for_reading(in);
  auto out_fd = create_for_writing(out_path);
  EXPECT_TRUE(in_fd && out_fd);
  *status = copy_ranges(in_fd->get(), ranges, out_fd->get(), out_path);
  return ve::testing::read_text(out_path);
}

TEST(CopyRanges, CopiesEveryKindOfLayoutInOrder) {
  ve::testing::TempDir tmp;
  const std::string data = pattern(12 << 20);
  ve::testing::write_bytes(tmp / "in", data);
  // Back to back, small gaps (one window), a big gap, a run longer than a window, and many tiny
  // ranges to exceed IOV_MAX in one window.
  std::vector<ByteRange> ranges = {{0, 100}, {100, 50}, {1000, 10}, {2000, 300}, {3 << 20, 5000}, {4 << 20, 6 << 20}};
  for (int64_t at = (10 << 20) + 100; at < (10 << 20) + 100 + 3000 * 20; at += 20) ranges.push_back({at, 7});
  std::string expected;
  for (const auto& r : ranges) expected += data.substr(static_cast<size_t>(r.offset), static_cast<size_t>(r.length));
  core::Status status;
  const std::string out = copy(tmp / "in", ranges, tmp / "out", &status);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(out.size(), expected.size());
  EXPECT_TRUE(out == expected);
}

TEST(CopyRanges, RangePastTheEndIsInvalidInput) {
  ve::testing::TempDir tmp;
  ve::testing::write_bytes(tmp / "in", pattern(1000));
  for (const std::vector<ByteRange>& ranges :
       {std::vector<ByteRange>{{900, 200}}, std::vector<ByteRange>{{0, 10}, {20, 10}, {990, 50}}}) {
    core::Status status;
    copy(tmp / "in", ranges, tmp / "out", &status);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().kind, core::ErrorKind::InvalidInput);
  }
}

}  // namespace
}  // namespace ve::adapters::media
