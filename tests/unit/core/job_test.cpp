// SPDX-License-Identifier: Apache-2.0
#include "core/job.hpp"

#include <gtest/gtest.h>

namespace ve::core {
namespace {

TEST(JobStatus, NamesRoundTrip) {
  for (auto s : {JobStatus::Starting, JobStatus::Downloading, JobStatus::Fragmenting, JobStatus::Encoding,
                 JobStatus::Uploading, JobStatus::Finishing, JobStatus::Completed, JobStatus::Failed,
                 JobStatus::Abandoned}) {
    EXPECT_EQ(parse_job_status(to_string(s)), s);
  }
  EXPECT_STREQ(to_string(JobStatus::Uploading), "UPLOADING");
  EXPECT_FALSE(parse_job_status("uploading"));
  EXPECT_FALSE(parse_job_status(""));
}

TEST(JobStatus, MovesOneStepForwardOrFails) {
  EXPECT_TRUE(can_transition(JobStatus::Starting, JobStatus::Downloading));
  EXPECT_TRUE(can_transition(JobStatus::Finishing, JobStatus::Completed));
  EXPECT_TRUE(can_transition(JobStatus::Encoding, JobStatus::Failed));
  EXPECT_FALSE(can_transition(JobStatus::Starting, JobStatus::Uploading));
  EXPECT_FALSE(can_transition(JobStatus::Uploading, JobStatus::Downloading));
  EXPECT_FALSE(can_transition(JobStatus::Completed, JobStatus::Failed));
  EXPECT_FALSE(can_transition(JobStatus::Failed, JobStatus::Starting));
  EXPECT_TRUE(is_final(JobStatus::Completed));
  EXPECT_FALSE(is_final(JobStatus::Finishing));
}

TEST(JobStatus, AnUnfinishedAttemptCanBeAbandonedAndThenNeverMoves) {
  EXPECT_STREQ(to_string(JobStatus::Abandoned), "ABANDONED");
  EXPECT_TRUE(can_transition(JobStatus::Starting, JobStatus::Abandoned));
  EXPECT_TRUE(can_transition(JobStatus::Uploading, JobStatus::Abandoned));
  EXPECT_FALSE(can_transition(JobStatus::Completed, JobStatus::Abandoned));
  EXPECT_FALSE(can_transition(JobStatus::Failed, JobStatus::Abandoned));
  EXPECT_TRUE(is_final(JobStatus::Abandoned));
  for (auto s : {JobStatus::Downloading, JobStatus::Completed, JobStatus::Failed}) {
    EXPECT_FALSE(can_transition(JobStatus::Abandoned, s));
  }
}

}  // namespace
}  // namespace ve::core
