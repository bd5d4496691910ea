// SPDX-License-Identifier: Apache-2.0
// The liveness probe's view of running jobs: JobHeartbeats on its own, and what JobProcessor
// reports to it while a job runs.
#include "app/job_heartbeats.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "app/job_processor.hpp"
#include "fakes/fakes.hpp"
#include "support/test_support.hpp"

namespace ve::app {
namespace {

using namespace std::chrono_literals;
using Clock = JobHeartbeats::Clock;

TEST(JobHeartbeats, AJobIsStuckOnceItShowsNoProgressForTheLimit) {
  JobHeartbeats beats(60s);
  const Clock::time_point t0{};
  beats.started("j1", "DOWNLOADING", t0);
  EXPECT_EQ(beats.stuck(t0 + 59s), "");
  EXPECT_EQ(beats.stuck(t0 + 61s), "job j1 has shown no progress for 61 s (DOWNLOADING; limit 60 s)");
  beats.progressed("j1", "ENCODING", t0 + 61s);
  EXPECT_EQ(beats.stuck(t0 + 62s), "");
  beats.progressed("j1", "", t0 + 100s);  // progress without a new status keeps the old one
  EXPECT_EQ(beats.stuck(t0 + 170s), "job j1 has shown no progress for 70 s (ENCODING; limit 60 s)");
  beats.ended("j1");
  EXPECT_EQ(beats.stuck(t0 + 10h), "");
}

TEST(JobHeartbeats, ProgressOfAJobThatEndedOrNeverStartedIsIgnored) {
  JobHeartbeats beats(60s);
  const Clock::time_point t0{};
  beats.progressed("ghost", "ENCODING", t0);
  EXPECT_EQ(beats.stuck(t0 + 1h), "");
}

TEST(JobHeartbeats, AZeroLimitNeverReportsAStuckJob) {
  JobHeartbeats beats(0s);
  beats.started("j1", "ENCODING", Clock::time_point{});
  EXPECT_EQ(beats.stuck(Clock::time_point{} + 24h), "");
}

// A job processor's settings reporting to `beats`: bucket "in" to bucket "out".
JobSettings settings_with(JobHeartbeats& beats, const std::filesystem::path& work_root) {
  JobSettings settings;
  settings.input_bucket = "in";
  settings.output_bucket = "out";
  settings.work_root = work_root;
  settings.heartbeats = &beats;
  return settings;
}

// The fake packager, with the heartbeats read while the job encodes (at its 75 % report).
class ProbingPackager final : public ports::Packager {
 public:
  explicit ProbingPackager(const JobHeartbeats& beats) : beats_(beats) {}
  core::Result<ports::PackageSummary> package(const std::filesystem::path& input, const std::filesystem::path& output_dir,
                                              const ports::PackageOptions& options,
                                              const ports::ProgressFn& progress) override {
    const ports::ProgressFn probe = [&](const ports::Progress& p) {
      progress(p);
      if (p.fraction == 0.75) {
        soon = beats_.stuck(Clock::now() + 50s);
        later = beats_.stuck(Clock::now() + 70s);
      }
    };
    return inner_.package(input, output_dir, options, probe);
  }
  std::string soon, later;

 private:
  const JobHeartbeats& beats_;
  fakes::FakePackager inner_;
};

TEST(JobHeartbeats, JobProcessorReportsAJobFromItsStartToItsEnd) {
  JobHeartbeats beats(60s);
  ve::testing::TempDir work;
  const JobSettings settings = settings_with(beats, work.path());
  fakes::FakeJobStore store;
  fakes::FakeBlobStore blobs;
  blobs.put("in", "good.mp4", "video bytes");
  ProbingPackager packager(beats);
  fakes::FakePublisher publisher;
  std::atomic<int> ids{0};
  JobProcessor processor(store, blobs, packager, publisher, settings, [&] { return "id-" + std::to_string(++ids); });

  ASSERT_EQ(processor.process({1, R"({"resource_id": "r1", "file_path": "good.mp4"})", "m-1", false}), Disposition::Ack);
  EXPECT_EQ(packager.soon, "") << "the encoding report just made is progress";
  EXPECT_NE(packager.later.find("has shown no progress for 70 s (ENCODING; limit 60 s)"), std::string::npos) << packager.later;
  EXPECT_EQ(packager.later.rfind("job id-", 0), 0u) << packager.later;
  EXPECT_EQ(beats.stuck(Clock::now() + 1h), "") << "the job ended";
}

// A slow download: the fake store's pieces, each after 50 ms, and the heartbeats read when the
// last piece arrived. `forward` false keeps the pieces from the caller (a store reporting none).
class SlowBlobStore final : public ports::BlobStore {
 public:
  SlowBlobStore(const JobHeartbeats& beats, bool forward) : beats_(beats), forward_(forward) {}
  using ports::BlobStore::download;
  core::Status download(const std::string& bucket, const std::string& key, const std::filesystem::path& to,
                        std::stop_token cancel, const ports::DownloadProgress& progress) override {
    return inner.download(bucket, key, to, cancel, [&](uint64_t bytes) {
      std::this_thread::sleep_for(50ms);
      if (forward_) progress(bytes);
      ++pieces;
      at_last_piece = beats_.stuck();
    });
  }
  core::Status upload(const std::filesystem::path& from, const std::string& bucket, const std::string& key) override {
    return inner.upload(from, bucket, key);
  }
  core::Result<uint64_t> size(const std::string& bucket, const std::string& key) override { return inner.size(bucket, key); }
  core::Result<std::string> read(const std::string& bucket, const std::string& key, uint64_t offset,
                                 uint64_t length) override {
    return inner.read(bucket, key, offset, length);
  }
  core::Status remove(const std::string& bucket, const std::string& key) override { return inner.remove(bucket, key); }

  fakes::FakeBlobStore inner;
  int pieces = 0;
  std::string at_last_piece;

 private:
  const JobHeartbeats& beats_;
  bool forward_;
};

// 12 pieces 50 ms apart (600 ms) against a 300 ms limit: alive while the pieces are told, stuck
// in DOWNLOADING when they are not.
std::pair<int, std::string> slow_download(bool forward) {
  JobHeartbeats beats(300ms);
  ve::testing::TempDir work;
  const JobSettings settings = settings_with(beats, work.path());
  fakes::FakeJobStore store;
  SlowBlobStore blobs(beats, forward);
  blobs.inner.put("in", "big.mp4", std::string(12 * fakes::FakeBlobStore::kDownloadPiece, 'v'));
  fakes::FakePackager packager;
  fakes::FakePublisher publisher;
  JobProcessor processor(store, blobs, packager, publisher, settings, [] { return std::string("id-1"); });
  EXPECT_EQ(processor.process({1, R"({"resource_id": "r1", "file_path": "big.mp4"})", "m-1", false}), Disposition::Ack);
  return {blobs.pieces, blobs.at_last_piece};
}

TEST(JobHeartbeats, EveryPieceOfADownloadIsProgress) {
  const auto [pieces, told] = slow_download(true);
  EXPECT_EQ(pieces, 12);
  EXPECT_EQ(told, "") << "a download receiving bytes is not stuck";
  const auto [same_pieces, untold] = slow_download(false);
  EXPECT_EQ(same_pieces, 12);
  EXPECT_NE(untold.find("has shown no progress"), std::string::npos) << untold;
  EXPECT_NE(untold.find("(DOWNLOADING;"), std::string::npos) << untold;
}

}  // namespace
}  // namespace ve::app
