// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/file_io.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <span>
#include <vector>

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

// A segment's encoded samples go out as they are, one part each: more parts than one writev takes
// (IOV_MAX), empty ones among them, and big ones.
TEST(WriteParts, WritesEveryPartInOrderWhateverTheirNumberAndSize) {
  ve::testing::TempDir tmp;
  const std::string data = pattern(6 << 20);
  std::vector<std::span<const uint8_t>> parts;
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  size_t at = 0;
  for (int i = 0; i < 3000; ++i) {
    const size_t size = i % 7 == 0 ? 0 : static_cast<size_t>(i % 5) * 11;
    parts.emplace_back(bytes + at, size);
    at += size;
  }
  parts.emplace_back(bytes + at, data.size() - at);
  auto out = create_for_writing(tmp / "out");
  ASSERT_TRUE(out);
  const auto status = write_parts(out->get(), parts, tmp / "out");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_TRUE(ve::testing::read_text(tmp / "out") == data);
  auto empty = create_for_writing(tmp / "empty");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(write_parts(empty->get(), {}, tmp / "empty"));
  EXPECT_EQ(std::filesystem::file_size(tmp / "empty"), 0u);
}

TEST(WriteParts, AFailedWriteIsInternalNamingTheFile) {
  ve::testing::TempDir tmp;
  const std::string data = pattern(100);
  const std::vector<std::span<const uint8_t>> parts = {
      {reinterpret_cast<const uint8_t*>(data.data()), data.size()}};
  auto in = open_for_reading([&] {
    ve::testing::write_bytes(tmp / "ro", data);
    return tmp / "ro";
  }());
  ASSERT_TRUE(in);
  const auto status = write_parts(in->get(), parts, tmp / "ro");  // opened for reading only
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().kind, core::ErrorKind::Internal);
  EXPECT_NE(status.error().message.find("ro"), std::string::npos) << status.error().message;
}

}  // namespace
}  // namespace ve::adapters::media
