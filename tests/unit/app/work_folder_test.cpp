// SPDX-License-Identifier: Apache-2.0
#include "app/work_folder.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/test_support.hpp"

namespace ve::app {
namespace {

constexpr const char* kLive = "0b0e2a36-2f6b-4c4e-9d1e-0d8c1a9b7f01";
constexpr const char* kOrphan = "6f7e0c55-3d3a-4bb0-8a55-2a3c4d5e6f70";

TEST(WorkFolder, IsRemovedWithItsContentWhenTheJobEnds) {
  ve::testing::TempDir root;
  {
    auto folder = WorkFolder::create(root / kLive);
    ASSERT_TRUE(folder) << folder.error().message;
    std::filesystem::create_directories(folder->path() / "dash");
    ve::testing::write_bytes(folder->path() / "dash/seg-1.m4s", "x");
    EXPECT_TRUE(std::filesystem::exists(root / kLive / "dash/seg-1.m4s"));
  }
  EXPECT_FALSE(std::filesystem::exists(root / kLive));
}

TEST(WorkFolder, OnlyFoldersOfDeadProcessesAreSwept) {
  ve::testing::TempDir root;
  auto live = WorkFolder::create(root / kLive);
  ASSERT_TRUE(live);
  // A process that made its folder and was killed mid-job (its lock died with it).
  const pid_t child = ::fork();
  if (child == 0) {
    auto folder = WorkFolder::create(root / kOrphan);
    if (folder) ve::testing::write_bytes(folder->path() / "input.mp4", "half a video");
    ::_exit(folder ? 0 : 1);  // no destructors: the folder stays, as after SIGKILL
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_TRUE(std::filesystem::exists(root / kOrphan / "input.mp4"));
  std::filesystem::create_directories(root / "not-a-job");
  ve::testing::write_bytes(root / "video-encoder.db", "");

  EXPECT_EQ(remove_orphaned_work_folders(root.path()), 1u);
  EXPECT_FALSE(std::filesystem::exists(root / kOrphan));
  EXPECT_TRUE(std::filesystem::exists(root / kLive / ".lock"));  // held by this process: kept
  EXPECT_TRUE(std::filesystem::exists(root / "not-a-job"));
  EXPECT_TRUE(std::filesystem::exists(root / "video-encoder.db"));
}

TEST(WorkFolder, AFreshFolderWithoutItsLockYetIsKept) {
  ve::testing::TempDir root;
  std::filesystem::create_directories(root / kOrphan);  // between mkdir and the lock
  EXPECT_EQ(remove_orphaned_work_folders(root.path()), 0u);
  EXPECT_TRUE(std::filesystem::exists(root / kOrphan));
  EXPECT_EQ(remove_orphaned_work_folders(root / "missing"), 0u);
}

}  // namespace
}  // namespace ve::app
