// SPDX-License-Identifier: Apache-2.0
#include "core/time_format.hpp"

#include <gtest/gtest.h>

#include "core/uuid.hpp"

namespace ve::core {
namespace {

TEST(TimeFormat, Rfc3339RoundTrip) {
  using namespace std::chrono;
  const auto t = sys_days{2024y / 2 / 29} + 23h + 59min + 58s + 7ms;
  EXPECT_EQ(format_rfc3339(t), "2024-02-29T23:59:58.007000Z");
  EXPECT_EQ(parse_rfc3339("2024-02-29T23:59:58.007Z"), t);
  EXPECT_EQ(parse_rfc3339("2024-02-29T23:59:58+00:00"), t - 7ms);
  EXPECT_EQ(parse_rfc3339("2024-02-29T23:59:58.0071234Z"), t + 123400ns);
  EXPECT_FALSE(parse_rfc3339("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("yesterday"));
  EXPECT_FALSE(parse_rfc3339("2024-01-01T00:00:00"));
  EXPECT_EQ(parse_rfc3339("2024-03-01T01:59:58.007+02:00"), t);
}

TEST(Uuid, Version4Layout) {
  std::array<uint8_t, 16> bytes;
  bytes.fill(0xff);
  EXPECT_EQ(uuid_v4(bytes), "ffffffff-ffff-4fff-bfff-ffffffffffff");
  bytes.fill(0);
  EXPECT_EQ(uuid_v4(bytes), "00000000-0000-4000-8000-000000000000");
}

TEST(Uuid, RecognisesTheCanonicalFormInEitherCase) {
  EXPECT_TRUE(is_uuid("0b0e2a36-2f6b-4c4e-9d1e-0d8c1a9b7f01"));
  EXPECT_TRUE(is_uuid("0B0E2A36-2F6B-4C4E-9D1E-0D8C1A9B7F01"));
  EXPECT_FALSE(is_uuid("0b0e2a36-2f6b-4c4e-9d1e-0d8c1a9b7f0"));    // short
  EXPECT_FALSE(is_uuid("0b0e2a362f6b-4c4e-9d1e-0d8c1a9b7f01-"));   // dashes misplaced
  EXPECT_FALSE(is_uuid("0b0e2a36-2f6b-4c4e-9d1e-0d8c1a9b7fzz"));   // not hex
  EXPECT_FALSE(is_uuid("video-encoder.db"));
}

}  // namespace
}  // namespace ve::core
