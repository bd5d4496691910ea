// SPDX-License-Identifier: Apache-2.0
#include "core/progress_throttle.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace ve::core {
namespace {

using namespace std::chrono_literals;
using Clock = ProgressThrottle::Clock;

TEST(ProgressThrottle, StoresTheFirstReportThenAtMostOnePerInterval) {
  ProgressThrottle throttle;
  const Clock::time_point t0{};
  EXPECT_EQ(throttle.admit(0.01, 30, t0), (ProgressUpdate{1, 30}));
  EXPECT_FALSE(throttle.admit(0.02, 31, t0 + 10ms));
  EXPECT_FALSE(throttle.admit(0.05, 32, t0 + 999ms));
  EXPECT_EQ(throttle.admit(0.06, 33, t0 + 1s), (ProgressUpdate{6, 33}));
  EXPECT_FALSE(throttle.admit(0.07, 33, t0 + 1500ms));
  // The interval counts from the last stored report, not from the first.
  EXPECT_EQ(throttle.admit(0.5, 40, t0 + 2100ms), (ProgressUpdate{50, 40}));
  EXPECT_FALSE(throttle.admit(0.6, 40, t0 + 3000ms));
  EXPECT_FALSE(throttle.finished());
}

TEST(ProgressThrottle, AlwaysStoresTheFirstCompleteReportAndNothingAfterIt) {
  ProgressThrottle throttle;
  const Clock::time_point t0{};
  ASSERT_TRUE(throttle.admit(0.9, 25, t0));
  // 100 % within the interval still counts, with the last known rate when it brings none.
  EXPECT_EQ(throttle.admit(1.0, 0, t0 + 1ms), (ProgressUpdate{100, 25}));
  EXPECT_TRUE(throttle.finished());
  EXPECT_FALSE(throttle.admit(1.0, 26, t0 + 5s));
  EXPECT_FALSE(throttle.admit(0.5, 26, t0 + 10s));
}

TEST(ProgressThrottle, ReportsThatAreAtOnceCompleteAreStored) {
  ProgressThrottle throttle;
  EXPECT_EQ(throttle.admit(1.0, 0, Clock::time_point{}), (ProgressUpdate{100, 0}));
}

TEST(ProgressThrottle, ClampsOutOfRangeAndNonFiniteValues) {
  const Clock::time_point t0{};
  ProgressThrottle a;
  EXPECT_EQ(a.admit(-0.5, -3, t0), (ProgressUpdate{0, 0}));
  EXPECT_EQ(a.admit(std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(), t0 + 1s),
            (ProgressUpdate{0, 0}));
  EXPECT_EQ(a.admit(1.7, 12, t0 + 1100ms), (ProgressUpdate{100, 12}));
}

TEST(ProgressThrottle, IntervalIsConfigurable) {
  ProgressThrottle throttle(250ms);
  const Clock::time_point t0{};
  ASSERT_TRUE(throttle.admit(0.1, 1, t0));
  EXPECT_FALSE(throttle.admit(0.2, 1, t0 + 249ms));
  EXPECT_TRUE(throttle.admit(0.3, 1, t0 + 250ms));
}

}  // namespace
}  // namespace ve::core
