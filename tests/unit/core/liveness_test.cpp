// SPDX-License-Identifier: Apache-2.0
#include "core/liveness.hpp"

#include <gtest/gtest.h>

namespace ve::core {
namespace {

using namespace std::chrono_literals;
const std::chrono::steady_clock::time_point t0{};

TEST(Liveness, JobsThatShowedProgressWithinTheLimitAreLive) {
  EXPECT_EQ(stuck_jobs({{"a", "ENCODING", t0}, {"b", "DOWNLOADING", t0 + 50s}}, t0 + 59s, 60s), "");
  EXPECT_EQ(stuck_jobs({}, t0 + 1h, 60s), "");
}

TEST(Liveness, SilentJobsAreNamedLongestSilenceFirst) {
  EXPECT_EQ(stuck_jobs({{"a", "ENCODING", t0 + 30s}, {"b", "DOWNLOADING", t0 + 40s}, {"c", "UPLOADING", t0 + 5s}},
                       t0 + 95s, 60s),
            "job c has shown no progress for 90 s (UPLOADING; limit 60 s); "
            "job a has shown no progress for 65 s (ENCODING; limit 60 s)");
}

TEST(Liveness, ExactlyTheLimitIsStuck) {
  EXPECT_EQ(stuck_jobs({{"a", "ENCODING", t0}}, t0 + 60s, 60s), "job a has shown no progress for 60 s (ENCODING; limit 60 s)");
}

TEST(Liveness, AZeroOrNegativeLimitTurnsTheCheckOff) {
  EXPECT_EQ(stuck_jobs({{"a", "ENCODING", t0}}, t0 + 10h, 0s), "");
  EXPECT_EQ(stuck_jobs({{"a", "ENCODING", t0}}, t0 + 10h, -5s), "");
}

}  // namespace
}  // namespace ve::core
