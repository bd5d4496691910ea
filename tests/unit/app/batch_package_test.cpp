// SPDX-License-Identifier: Apache-2.0
#include "app/batch_package.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace ve::app {
namespace {

// Fails inputs whose name contains "bad"; tracks how many calls run at once. Each call waits until
// `expected_overlap` calls are in flight (or a deadline passes) so the test can observe overlap.
class FakePackager final : public ports::Packager {
 public:
  FakePackager(int expected_overlap, std::chrono::milliseconds wait = std::chrono::seconds(5))
      : expected_overlap_(expected_overlap), wait_(wait) {}

  core::Result<ports::PackageSummary> package(const std::filesystem::path& input, const std::filesystem::path& out,
                                              const ports::PackageOptions&, const ports::ProgressFn& progress) override {
    {
      std::unique_lock lock(mutex_);
      outputs_.insert(out.string());
      ++running_;
      max_running_ = std::max(max_running_, running_);
      cv_.notify_all();
      cv_.wait_for(lock, wait_, [&] { return running_ >= expected_overlap_ || done_waiting_; });
      done_waiting_ = true;  // once reached, later calls do not wait
    }
    progress({0.5});
    {
      std::lock_guard lock(mutex_);
      --running_;
    }
    if (input.string().find("bad") != std::string::npos) {
      return core::fail(core::Error::invalid_input(input.string() + ": broken"));
    }
    ports::PackageSummary s;
    s.tracks = 2;
    return s;
  }

  int max_running() {
    std::lock_guard lock(mutex_);
    return max_running_;
  }
  std::set<std::string> outputs() {
    std::lock_guard lock(mutex_);
    return outputs_;
  }

 private:
  int expected_overlap_;
  std::chrono::milliseconds wait_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int running_ = 0;
  int max_running_ = 0;
  bool done_waiting_ = false;
  std::set<std::string> outputs_;
};

class CountingObserver final : public BatchObserver {
 public:
  void started(size_t) override { ++started_; }
  void progressed(size_t, const ports::Progress&) override { ++progressed_; }
  void finished(size_t, const BatchResult&) override { ++finished_; }
  std::atomic<int> started_{0}, progressed_{0}, finished_{0};
};

TEST(PlanBatch, EachInputGetsItsOwnFolder) {
  const auto items = plan_batch({"a/one.mp4", "b/two.mp4"}, "out");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(*items[0].target, std::filesystem::path("out/one"));
  EXPECT_EQ(*items[1].target, std::filesystem::path("out/two"));
}

TEST(PlanBatch, ClashingNamesFailAfterTheFirst) {
  const auto items = plan_batch({"a/clip.mp4", "b/clip.mov", ".mp4"}, "out");
  EXPECT_TRUE(items[0].target);
  ASSERT_FALSE(items[1].target);
  EXPECT_NE(items[1].target.error().message.find("a/clip.mp4"), std::string::npos);
  EXPECT_FALSE(items[2].target);
}

TEST(RunBatch, OneFailureDoesNotStopTheOthersAndOrderIsKept) {
  FakePackager packager(1);
  CountingObserver observer;
  const auto items = plan_batch({"x/good1.mp4", "x/bad.mp4", "x/good2.mp4", "x/good2.mov"}, "out");
  const auto results = run_batch(items, packager, {}, 2, &observer);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0].outcome);
  ASSERT_FALSE(results[1].outcome);
  EXPECT_NE(results[1].outcome.error().message.find("broken"), std::string::npos);
  EXPECT_TRUE(results[2].outcome);
  EXPECT_FALSE(results[3].outcome);  // folder clash: never reaches the packager
  EXPECT_EQ(results[2].input, std::filesystem::path("x/good2.mp4"));
  EXPECT_EQ(packager.outputs(), (std::set<std::string>{"out/good1", "out/bad", "out/good2"}));
  EXPECT_EQ(observer.started_, 4);
  EXPECT_EQ(observer.finished_, 4);
  EXPECT_EQ(observer.progressed_, 3);
}

TEST(RunBatch, RunsJobsConcurrentlyUpToTheLimit) {
  FakePackager packager(3);
  const auto items = plan_batch({"1.mp4", "2.mp4", "3.mp4", "4.mp4", "5.mp4", "6.mp4"}, "out");
  const auto results = run_batch(items, packager, {}, 3, nullptr);
  EXPECT_EQ(packager.max_running(), 3);
  for (const auto& r : results) EXPECT_TRUE(r.outcome);
}

TEST(RunBatch, OneJobRunsOneAtATime) {
  FakePackager packager(2, std::chrono::milliseconds(20));  // a second concurrent call never comes
  const auto items = plan_batch({"1.mp4", "2.mp4", "3.mp4"}, "out");
  run_batch(items, packager, {}, 1, nullptr);
  EXPECT_EQ(packager.max_running(), 1);
}

}  // namespace
}  // namespace ve::app
