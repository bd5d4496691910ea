// SPDX-License-Identifier: Apache-2.0
// run_workers' shutdown: a stop lets jobs in progress finish within the grace period, cancels them
// after it (or at once on cancel_now), and hands back the ones that ignore cancellation.
#include "app/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <thread>

#include "fakes/fakes.hpp"
#include "support/test_support.hpp"

namespace ve::app {
namespace {

using namespace std::chrono_literals;
using core::JobStatus;

// Deliveries from a list; records how each was settled.
class ListJobSource final : public ports::JobSource {
 public:
  explicit ListJobSource(std::deque<ports::Delivery> deliveries) : deliveries_(std::move(deliveries)) {}
  core::Result<std::optional<ports::Delivery>> next(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mutex_);
    if (deliveries_.empty()) {
      lock.unlock();
      std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(20)));
      return std::optional<ports::Delivery>();
    }
    auto d = deliveries_.front();
    deliveries_.pop_front();
    return std::optional<ports::Delivery>(d);
  }
  core::Status ack(uint64_t tag) override { return settle(tag, "ack"); }
  core::Status reject(uint64_t tag, bool requeue) override { return settle(tag, requeue ? "requeue" : "dead-letter"); }
  std::map<uint64_t, std::string> settled() {
    std::lock_guard lock(mutex_);
    return settled_;
  }

 private:
  core::Status settle(uint64_t tag, const std::string& how) {
    std::lock_guard lock(mutex_);
    settled_[tag] = how;
    return {};
  }
  std::mutex mutex_;
  std::deque<ports::Delivery> deliveries_;
  std::map<uint64_t, std::string> settled_;
};

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

class WorkerPoolTest : public ::testing::Test {
 protected:
  WorkerPoolTest() {
    blobs_.put("in", "slow.mp4", "slow");
    blobs_.put("in", "stuck.mp4", "stuck");
  }

  static JobSettings job_settings(const std::filesystem::path& work) {
    JobSettings settings;
    settings.input_bucket = "in";
    settings.output_bucket = "out";
    settings.work_root = work;
    return settings;
  }

  static ports::Delivery delivery(uint64_t tag, const std::string& file) {
    return {tag, R"({"resource_id": "r", "file_path": ")" + file + R"("})", "m-" + std::to_string(tag), false};
  }

  ve::testing::TempDir work_;
  JobSettings settings_ = job_settings(work_.path());
  fakes::FakeJobStore store_;
  fakes::FakeBlobStore blobs_;
  fakes::FakePackager packager_;
  fakes::FakePublisher publisher_;
  std::atomic<int> ids_{0};
  JobProcessor processor_{store_, blobs_, packager_, publisher_, settings_, [this] { return "id-" + std::to_string(++ids_); }};
};

TEST_F(WorkerPoolTest, AJobInProgressFinishesWithinTheGrace) {
  ListJobSource source({delivery(1, "slow.mp4")});
  std::stop_source stop;
  std::atomic<int> on_stop_calls{0};
  ShutdownPolicy policy;
  policy.grace = 30s;
  policy.on_stop = [&] { ++on_stop_calls; };
  std::jthread stopper([&] {
    EXPECT_TRUE(eventually([&] { return packager_.waiting() == 1; }));
    stop.request_stop();
    std::this_thread::sleep_for(200ms);  // still inside the grace period
    packager_.release();
  });
  EXPECT_EQ(run_workers(source, processor_, 2, stop.get_token(), policy), 0u);
  EXPECT_EQ(on_stop_calls, 1);
  EXPECT_EQ(source.settled(), (std::map<uint64_t, std::string>{{1, "ack"}}));
  EXPECT_EQ(store_.list_jobs(std::nullopt)->at(0).status, JobStatus::Completed);
}

TEST_F(WorkerPoolTest, AfterTheGraceJobsAreCancelledAbandonedAndRequeued) {
  ListJobSource source({delivery(1, "slow.mp4"), delivery(2, "slow.mp4")});
  std::stop_source stop;
  ShutdownPolicy policy;
  policy.grace = 100ms;
  std::jthread stopper([&] {
    EXPECT_TRUE(eventually([&] { return packager_.waiting() == 2; }));
    stop.request_stop();
  });
  EXPECT_EQ(run_workers(source, processor_, 2, stop.get_token(), policy), 0u);
  EXPECT_EQ(source.settled(), (std::map<uint64_t, std::string>{{1, "requeue"}, {2, "requeue"}}));
  const auto jobs = *store_.list_jobs(std::nullopt);
  ASSERT_EQ(jobs.size(), 2u);
  for (const auto& job : jobs) {
    EXPECT_EQ(job.status, JobStatus::Abandoned);
    EXPECT_NE(job.error.find("shut down"), std::string::npos) << job.error;
  }
  EXPECT_TRUE(publisher_.published().empty());
}

TEST_F(WorkerPoolTest, CancelNowSkipsTheRestOfTheGrace) {
  ListJobSource source({delivery(1, "slow.mp4")});
  std::stop_source stop, cancel_now;
  ShutdownPolicy policy;
  policy.grace = 3600s;
  policy.cancel_now = cancel_now.get_token();
  std::jthread stopper([&] {
    EXPECT_TRUE(eventually([&] { return packager_.waiting() == 1; }));
    stop.request_stop();
    std::this_thread::sleep_for(100ms);
    cancel_now.request_stop();
  });
  EXPECT_EQ(run_workers(source, processor_, 1, stop.get_token(), policy), 0u);
  EXPECT_EQ(source.settled(), (std::map<uint64_t, std::string>{{1, "requeue"}}));
}

TEST_F(WorkerPoolTest, AJobIgnoringCancellationIsHandedBackAndCanBeAbandoned) {
  ListJobSource source({delivery(1, "stuck.mp4")});
  std::stop_source stop;
  ShutdownPolicy policy;
  policy.grace = 50ms;
  policy.cancel_wait = 100ms;
  std::jthread stopper([&] {
    EXPECT_TRUE(eventually([&] { return packager_.waiting() == 1; }));
    stop.request_stop();
  });
  EXPECT_EQ(run_workers(source, processor_, 1, stop.get_token(), policy), 1u);
  EXPECT_TRUE(source.settled().empty());  // the broker gets it back when the connection closes
  processor_.abandon_unfinished("abandoned: shut down");
  EXPECT_EQ(store_.list_jobs(std::nullopt)->at(0).status, JobStatus::Abandoned);

  // The detached worker wakes up later: its job was abandoned, so it neither publishes nor fails.
  packager_.release();
  ASSERT_TRUE(eventually([&] { return !source.settled().empty(); }));
  EXPECT_TRUE(publisher_.published().empty());
  EXPECT_EQ(store_.list_jobs(std::nullopt)->at(0).status, JobStatus::Abandoned);
  std::this_thread::sleep_for(200ms);  // lets the detached thread leave the source before it is destroyed
}

TEST_F(WorkerPoolTest, MessagesAndTheirSettlementsAreCounted) {
  blobs_.put("in", "good.mp4", "video bytes");
  ServiceMetrics metrics("test");
  JobSettings settings = job_settings(work_.path());
  settings.metrics = &metrics;
  JobProcessor processor(store_, blobs_, packager_, publisher_, settings, [this] { return "id-" + std::to_string(++ids_); });
  ListJobSource source({delivery(1, "good.mp4"), {2, "not a job request", "m-2", false}});
  std::stop_source stop;
  std::jthread stopper([&] {
    EXPECT_TRUE(eventually([&] { return source.settled().size() == 2; }));
    stop.request_stop();
  });
  EXPECT_EQ(run_workers(source, processor, 2, stop.get_token(), {}, &metrics), 0u);
  ASSERT_EQ(source.settled(), (std::map<uint64_t, std::string>{{1, "ack"}, {2, "dead-letter"}}));
  const std::string text = metrics.render();
  using ve::testing::metric_sample;
  EXPECT_EQ(metric_sample(text, R"(video_encoder_messages_total{outcome="received"})"), "2") << text;
  EXPECT_EQ(metric_sample(text, R"(video_encoder_messages_total{outcome="acked"})"), "1");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_messages_total{outcome="dead_lettered"})"), "1");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_messages_total{outcome="requeued"})"), "0");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_finished_total{status="completed"})"), "1");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_finished_total{status="failed"})"), "1");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_in_progress{stage="starting"})"), "0");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_in_progress{stage="encoding"})"), "0");
}

TEST_F(WorkerPoolTest, ARequeuedMessageIsCounted) {
  ServiceMetrics metrics("test");
  JobSettings settings = job_settings(work_.path());
  settings.metrics = &metrics;
  JobProcessor processor(store_, blobs_, packager_, publisher_, settings, [this] { return "id-" + std::to_string(++ids_); });
  store_.failures.fail_call(1, core::Error::transient("database is down"));
  ListJobSource source({delivery(1, "good.mp4")});
  std::stop_source stop;
  std::jthread stopper([&] {
    EXPECT_TRUE(eventually([&] { return source.settled().size() == 1; }));
    stop.request_stop();
  });
  EXPECT_EQ(run_workers(source, processor, 1, stop.get_token(), {}, &metrics), 0u);
  ASSERT_EQ(source.settled(), (std::map<uint64_t, std::string>{{1, "requeue"}}));
  const std::string text = metrics.render();
  EXPECT_EQ(ve::testing::metric_sample(text, R"(video_encoder_messages_total{outcome="received"})"), "1") << text;
  EXPECT_EQ(ve::testing::metric_sample(text, R"(video_encoder_messages_total{outcome="requeued"})"), "1");
  // No job was recorded, so none finished.
  EXPECT_EQ(ve::testing::metric_sample(text, R"(video_encoder_jobs_finished_total{status="abandoned"})"), "0");
}

}  // namespace
}  // namespace ve::app
