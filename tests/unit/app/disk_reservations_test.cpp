// SPDX-License-Identifier: Apache-2.0
#include "app/disk_reservations.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <optional>
#include <thread>
#include <vector>

namespace ve::app {
namespace {

constexpr uint64_t kMiB = 1ULL << 20;

// A disk whose free space the test sets; reading it counts the calls.
struct FakeDisk {
  std::atomic<uint64_t> free{0};
  std::atomic<int> readings{0};
  DiskReservations::FreeBytesFn fn() {
    return [this](const std::filesystem::path& folder) -> core::Result<uint64_t> {
      EXPECT_EQ(folder, "/work");
      ++readings;
      return free.load();
    };
  }
};

TEST(DiskReservations, HoldsTwiceTheObjectUntilReleased) {
  FakeDisk disk;
  disk.free = 1000 * kMiB;
  DiskReservations reservations("/work", 100 * kMiB, disk.fn());
  {
    auto r = reservations.reserve("in/a.mp4", 200 * kMiB);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->bytes(), 400 * kMiB);
    EXPECT_EQ(reservations.reserved_bytes(), 400 * kMiB);
    // 1000 free - 400 held = 600; 2 x 300 + 100 kept free = 700 does not fit now, but will.
    auto second = reservations.reserve("in/b.mp4", 300 * kMiB);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().kind, core::ErrorKind::Transient);
    EXPECT_NE(second.error().message.find("for in/b.mp4"), std::string::npos) << second.error().message;
    EXPECT_EQ(reservations.reserved_bytes(), 400 * kMiB);  // a refusal holds nothing
  }
  EXPECT_EQ(reservations.reserved_bytes(), 0u);
  EXPECT_TRUE(reservations.reserve("in/b.mp4", 300 * kMiB));
  EXPECT_EQ(reservations.reserved_bytes(), 0u);  // the temporary was destroyed at once
  EXPECT_EQ(disk.readings, 3);
}

TEST(DiskReservations, AnObjectTooBigForTheDiskFailsWhateverIsHeld) {
  FakeDisk disk;
  disk.free = 1000 * kMiB;
  DiskReservations reservations("/work", 100 * kMiB, disk.fn());
  auto held = reservations.reserve("in/a.mp4", 100 * kMiB);
  ASSERT_TRUE(held);
  const auto r = reservations.reserve("in/huge.mp4", 2000 * kMiB);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::Internal);
  EXPECT_NE(r.error().message.find("not enough disk space in /work for in/huge.mp4"), std::string::npos)
      << r.error().message;
}

TEST(DiskReservations, MovingHandsTheReservationOver) {
  FakeDisk disk;
  disk.free = 1000 * kMiB;
  DiskReservations reservations("/work", 0, disk.fn());
  std::optional<DiskReservation> kept;
  {
    auto r = reservations.reserve("in/a.mp4", 100 * kMiB);
    ASSERT_TRUE(r);
    kept.emplace(std::move(*r));
  }  // the moved-from reservation gives nothing back
  EXPECT_EQ(reservations.reserved_bytes(), 200 * kMiB);
  auto other = reservations.reserve("in/b.mp4", 50 * kMiB);
  ASSERT_TRUE(other);
  *kept = std::move(*other);  // releases a.mp4's 200, takes b.mp4's 100
  EXPECT_EQ(reservations.reserved_bytes(), 100 * kMiB);
  kept.reset();
  EXPECT_EQ(reservations.reserved_bytes(), 0u);
}

TEST(DiskReservations, AFailedReadingIsPassedOnAndHoldsNothing) {
  DiskReservations reservations("/work", 0, [](const std::filesystem::path&) -> core::Result<uint64_t> {
    return core::fail(core::Error::internal("cannot read the free disk space of /work: No such file or directory"));
  });
  const auto r = reservations.reserve("in/a.mp4", 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::Internal);
  EXPECT_EQ(r.error().message, "cannot read the free disk space of /work: No such file or directory");
  EXPECT_EQ(reservations.reserved_bytes(), 0u);
}

// 8 threads start jobs at the same moment on a disk with room for exactly 3 of them: exactly 3
// get space, the others are told to try later, and everything is given back at the end.
TEST(DiskReservations, JobsStartingTogetherNeverShareTheSameFreeBytes) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 200;
  FakeDisk disk;
  disk.free = 3 * 200 * kMiB + 50 * kMiB;  // room for 3 jobs of 100 MiB (200 each) and 50 kept free
  DiskReservations reservations("/work", 50 * kMiB, disk.fn());
  std::atomic<int> granted{0}, refused{0}, other_errors{0}, peak_holders{0}, holders{0};
  std::barrier start(kThreads), hold(kThreads), done(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int round = 0; round < kRounds; ++round) {
          start.arrive_and_wait();
          {
            auto r = reservations.reserve("in/v.mp4", 100 * kMiB);
            if (r) {
              ++granted;
              const int now = ++holders;
              for (int seen = peak_holders; now > seen && !peak_holders.compare_exchange_weak(seen, now);) {
              }
            } else if (r.error().kind == core::ErrorKind::Transient) {
              ++refused;
            } else {
              ++other_errors;
            }
            hold.arrive_and_wait();  // every reservation of this round is live at once here
            if (r) --holders;
          }
          done.arrive_and_wait();
        }
      });
    }
  }
  EXPECT_EQ(granted, 3 * kRounds);
  EXPECT_EQ(refused, (kThreads - 3) * kRounds);
  EXPECT_EQ(other_errors, 0);
  EXPECT_EQ(peak_holders, 3);
  EXPECT_EQ(reservations.reserved_bytes(), 0u);
  EXPECT_EQ(disk.readings, kThreads * kRounds);
}

// Threads reserving and releasing at random moments never leave bytes behind.
TEST(DiskReservations, ConcurrentReserveAndReleaseBalance) {
  FakeDisk disk;
  disk.free = 1ULL << 40;
  DiskReservations reservations("/work", 0, disk.fn());
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        std::vector<DiskReservation> held;
        for (int i = 0; i < 500; ++i) {
          auto r = reservations.reserve("in/" + std::to_string(t), static_cast<uint64_t>(i + 1) * kMiB);
          ASSERT_TRUE(r) << r.error().message;
          held.push_back(std::move(*r));
          if (i % 3 == 0) held.erase(held.begin());
        }
      });
    }
  }
  EXPECT_EQ(reservations.reserved_bytes(), 0u);
}

}  // namespace
}  // namespace ve::app
