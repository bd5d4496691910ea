// SPDX-License-Identifier: Apache-2.0
#include "core/disk_budget.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace ve::core {
namespace {

constexpr uint64_t kMiB = 1ULL << 20;
constexpr uint64_t kGiB = 1ULL << 30;

DiskBudget budget(uint64_t object, uint64_t free, uint64_t reserved = 0, uint64_t min_free = 256 * kMiB) {
  return {"videos-input/in/video.mp4", "/var/lib/video-encoder", object, free, reserved, min_free};
}

TEST(FormatBytes, BinaryUnitsForPeople) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1024), "1.0 KiB");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(256 * kMiB), "256 MiB");
  EXPECT_EQ(format_bytes(kGiB), "1.0 GiB");
  EXPECT_EQ(format_bytes(kGiB + kGiB / 4), "1.3 GiB");  // 1.25 rounds half away from zero
  EXPECT_EQ(format_bytes(1023 * kMiB + 1000 * 1024), "1.0 GiB");  // rounding carries into the next unit
  EXPECT_EQ(format_bytes(5ULL << 40), "5.0 TiB");
  EXPECT_EQ(format_bytes(std::numeric_limits<uint64_t>::max()), "16.0 EiB");
}

TEST(FormatBytes, DirectedRoundingForLimits) {
  const uint64_t a_bit_over_2_gib = 2 * kGiB + kGiB / 100;  // 2.01 GiB
  EXPECT_EQ(format_bytes(a_bit_over_2_gib, Rounding::Up), "2.1 GiB");
  EXPECT_EQ(format_bytes(a_bit_over_2_gib, Rounding::Down), "2.0 GiB");
  EXPECT_EQ(format_bytes(2 * kGiB, Rounding::Up), "2.0 GiB");  // exact values stay exact
  EXPECT_EQ(format_bytes(2 * kGiB, Rounding::Down), "2.0 GiB");
}

TEST(DiskBudget, AJobNeedsTwiceItsInput) {
  EXPECT_EQ(job_disk_bytes(0), 0u);
  EXPECT_EQ(job_disk_bytes(kGiB), 2 * kGiB);
  EXPECT_EQ(job_disk_bytes(std::numeric_limits<uint64_t>::max()), std::numeric_limits<uint64_t>::max());
}

TEST(DiskBudget, FitsWhenTwiceTheObjectPlusTheReserveIsFree) {
  const uint64_t needed = 2 * kGiB + 256 * kMiB;
  EXPECT_TRUE(check_disk_budget(budget(kGiB, needed)));
  EXPECT_TRUE(check_disk_budget(budget(kGiB, needed + 3 * kGiB, 3 * kGiB)));
  EXPECT_TRUE(check_disk_budget(budget(0, 256 * kMiB)));
  EXPECT_TRUE(check_disk_budget(budget(0, 0, 0, 0)));
}

TEST(DiskBudget, AnObjectThatCanNeverFitFailsTheJobWithTheNumbers) {
  const auto r = check_disk_budget(budget(kGiB, kGiB + 300 * kMiB));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::Internal);  // not retried: FAILED and dead-lettered
  EXPECT_EQ(r.error().message,
            "not enough disk space in /var/lib/video-encoder for videos-input/in/video.mp4: needs 2.3 GiB (twice the "
            "1.0 GiB object plus 256 MiB kept free), 1.2 GiB free; free space there (or lower "
            "LOCAL_STORAGE_MIN_FREE_MB) and re-drive the message from the dead-letter queue");
}

TEST(DiskBudget, OneByteShortIsNotEnough) {
  const uint64_t needed = 2 * kGiB + 256 * kMiB;
  const auto r = check_disk_budget(budget(kGiB, needed - 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::Internal);
  // Needs rounded up and free rounded down, so the message never reads "needs X, X free".
  EXPECT_NE(r.error().message.find("needs 2.3 GiB"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("2.2 GiB free"), std::string::npos) << r.error().message;
}

TEST(DiskBudget, TheReserveAloneCanBeTooMuch) {
  const auto r = check_disk_budget(budget(10 * kMiB, 100 * kGiB, 0, 200 * kGiB));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::Internal);
  EXPECT_NE(r.error().message.find("needs 201 GiB (twice the 10.0 MiB object plus 200 GiB kept free), 100 GiB free"),
            std::string::npos)
      << r.error().message;
}

TEST(DiskBudget, SpaceHeldByRunningJobsMeansTryAgainLater) {
  // 3 GiB free, of which 2 GiB is promised to running jobs: 1 GiB of input would fit once they end.
  const auto r = check_disk_budget(budget(kGiB, 3 * kGiB, 2 * kGiB));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::Transient);  // requeued
  EXPECT_EQ(r.error().message,
            "not enough disk space in /var/lib/video-encoder for videos-input/in/video.mp4: needs 2.3 GiB (twice the "
            "1.0 GiB object plus 256 MiB kept free), 3.0 GiB free of which 2.0 GiB is held by jobs running now; try "
            "again when they finish");
}

TEST(DiskBudget, ReservationsLargerThanTheFreeSpaceLeaveNothing) {
  // Running jobs have already written part of what they reserved, so reserved can exceed free.
  const auto r = check_disk_budget(budget(kMiB, kGiB, 5 * kGiB));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::Transient);
}

TEST(DiskBudget, HugeNumbersSaturateInsteadOfWrapping) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  const auto r = check_disk_budget(budget(kMax / 2 + 1, kMax - 1));  // 2x the object saturates at kMax
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::Internal);
  EXPECT_FALSE(check_disk_budget(budget(kMax, kMax, kMax)));
  EXPECT_TRUE(check_disk_budget(budget(1, kMax, kMax / 2)));
}

}  // namespace
}  // namespace ve::core
