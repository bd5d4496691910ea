// SPDX-License-Identifier: Apache-2.0
// Faults injected for real into `video-encoder serve`: SIGTERM with jobs in progress, SIGKILL in the
// middle of a job, RabbitMQ, PostgreSQL and the S3 server stopped and restarted under a running
// job. Each test checks from the outside that no message is lost, none yields two COMPLETED jobs
// or two different results, and the database tells what happened.
//
// A job is caught mid-way by holding the S3 server's object downloads (S3Server::hold_downloads):
// the service has recorded DOWNLOADING and waits for bytes until the test lets them go.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <chrono>
#include <functional>
#include <thread>

#include "adapters/blob/s3_blob_store.hpp"
#include "adapters/store/postgres_job_store.hpp"
#include "adapters/store/sqlite_job_store.hpp"
#include "support/postgres_fixture.hpp"
#include "support/rabbitmq_fixture.hpp"
#include "support/s3_fixture.hpp"
#include "support/service_process.hpp"
#include "support/test_support.hpp"

namespace {

using namespace std::chrono_literals;
using ve::core::JobStatus;
using ve::ports::JobRecord;
using ve::testing::ServiceProcess;
using ve::testing::eventually;

std::string body(const std::string& resource_id) {
  return nlohmann::json{{"resource_id", resource_id}, {"file_path", "video.mp4"}}.dump();
}

// A private broker, an S3 server with the input uploaded, and SQLite or PostgreSQL.
class Stack {
 public:
  // `own_broker` for a test that stops or restarts it; the others share the suite's node, each in
  // a virtual host of its own (RabbitMqNode::for_test).
  explicit Stack(bool postgres, bool own_broker = false)
      : broker_(own_broker ? ve::testing::RabbitMqNode::start_new() : ve::testing::RabbitMqNode::for_test()),
        s3_(std::vector<std::string>{"in-bucket", "out-bucket"}) {
    if (postgres) {
      postgres_ = std::make_unique<ve::testing::PostgresCluster>();
      dsn_ = postgres_->dsn();
    } else {
      dsn_ = (root_ / "jobs.db").string();
    }
    ve::adapters::blob::S3BlobStore client(s3_.settings());
    auto ok = client.upload(ve::testing::shared_media("video.mp4"), "in-bucket", "uploads/video.mp4");
    if (!ok) throw std::runtime_error(ok.error().message);
  }

  // An instance with its own working folder and log; `extra` overrides the defaults.
  std::unique_ptr<ServiceProcess> start(const std::string& name, const std::map<std::string, std::string>& extra = {}) {
    std::map<std::string, std::string> env = {
        {"DB_TYPE", postgres_ ? "postgres" : "sqlite3"},
        {"DSN", dsn_},
        {"AUTO_MIGRATE_DB", "true"},
        {"localStoragePath", (root_ / ("work-" + name)).string()},
        {"inputBucketName", "s3://in-bucket/uploads"},
        {"outputBucketName", "s3://out-bucket/dash"},
        {"CONCURRENCY_WORKERS", "1"},
        {"RABBITMQ_DEFAULT_HOST", "127.0.0.1"},
        {"RABBITMQ_DEFAULT_PORT", std::to_string(broker_->port())},
        {"RABBITMQ_DEFAULT_VHOST", broker_->settings().vhost}};
    env.merge(ve::testing::s3_service_env(s3_.settings()));
    for (const auto& [k, v] : extra) env[k] = v;
    auto service = std::make_unique<ServiceProcess>(VE_BINARY, std::vector<std::string>{"serve"}, env, root_.path(),
                                                    root_ / (name + ".log"));
    return service;
  }

  // Waits until `n` consumers are on the job queue (the instances are ready).
  void wait_consumers(uint32_t n, const ServiceProcess& service) {
    ASSERT_TRUE(eventually([&] { return probe().consumer_count("videos").value_or(0) >= n; }, 60s))
        << "no consumer on the job queue\n" << service.log();
  }

  ve::testing::BrokerProbe& probe() {
    if (!probe_) probe_ = std::make_unique<ve::testing::BrokerProbe>(broker_->settings());
    return *probe_;
  }

  void stop_broker() {
    probe_.reset();
    broker_->stop();
  }
  void start_broker() { broker_->start(); }

  std::vector<JobRecord> jobs() {
    std::unique_ptr<ve::ports::JobStore> store;
    if (postgres_) {
      auto s = ve::adapters::store::PostgresJobStore::open(dsn_, false);
      if (!s) return {};
      store = std::move(*s);
    } else {
      auto s = ve::adapters::store::SqliteJobStore::open(dsn_, false);
      if (!s) return {};
      store = std::move(*s);
    }
    auto all = store->list_jobs(std::nullopt);
    return all ? *all : std::vector<JobRecord>{};
  }

  std::vector<JobRecord> jobs_in(JobStatus status) {
    std::vector<JobRecord> out;
    for (auto& j : jobs()) {
      if (j.status == status) out.push_back(j);
    }
    return out;
  }

  void wait_job_in(JobStatus status, const ServiceProcess& service, std::chrono::seconds timeout = 60s) {
    ASSERT_TRUE(eventually([&] { return !jobs_in(status).empty(); }, timeout))
        << "no job reached " << ve::core::to_string(status) << "\n" << service.log();
  }

  // Everything on videos-result until `expected` arrived and then nothing more for `quiet`.
  std::vector<nlohmann::json> results(size_t expected, std::chrono::seconds timeout = 120s,
                                      std::chrono::seconds quiet = 3s) {
    std::vector<nlohmann::json> out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < expected && std::chrono::steady_clock::now() < deadline) {
      if (auto m = probe().wait_get("videos-result", 1s)) out.push_back(nlohmann::json::parse(m->body));
    }
    const auto settle = std::chrono::steady_clock::now() + quiet;
    while (std::chrono::steady_clock::now() < settle) {
      if (auto m = probe().wait_get("videos-result", 500ms)) out.push_back(nlohmann::json::parse(m->body));
    }
    return out;
  }

  ve::testing::S3Server& s3() { return s3_; }
  ve::testing::PostgresCluster& postgres() { return *postgres_; }
  const std::filesystem::path& root() const { return root_.path(); }

 private:
  ve::testing::TempDir root_;
  std::unique_ptr<ve::testing::RabbitMqNode> broker_;
  ve::testing::S3Server s3_;
  std::unique_ptr<ve::testing::PostgresCluster> postgres_;
  std::string dsn_;
  std::unique_ptr<ve::testing::BrokerProbe> probe_;
};

// GET `path` from a service's HTTP server on 127.0.0.1:`port`: status (0 when no answer) and body.
std::pair<int, std::string> http_get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  auto r = client.Get(path);
  return r ? std::pair{r->status, r->body} : std::pair{0, std::string()};
}

std::vector<std::string> job_ids(const std::vector<nlohmann::json>& results) {
  std::vector<std::string> ids;
  for (const auto& r : results) ids.push_back(r.value("job_id", "(failure: " + r.dump() + ")"));
  return ids;
}

// Also the liveness probe: a job whose download shows no progress for STUCK_JOB_SECONDS makes
// /healthz answer 503 naming it, and 200 again once the job moves on.
TEST(Faults, SigtermLetsTheJobInProgressFinishAndTakesNoNewMessage) {
  Stack stack(false);
  stack.s3().hold_downloads(true);
  const int port = ve::testing::free_local_port();
  auto service = stack.start("a", {{"CONCURRENCY_WORKERS", "2"},
                                   {"SHUTDOWN_GRACE_SECONDS", "60"},
                                   {"STUCK_JOB_SECONDS", "2"},
                                   {"HTTP_ADDR", "127.0.0.1:" + std::to_string(port)}});
  stack.wait_consumers(1, *service);
  EXPECT_EQ(http_get(port, "/healthz").first, 200) << service->log();
  stack.probe().publish("", "videos", body("in-progress"), "m-1");
  stack.wait_job_in(JobStatus::Downloading, *service);
  std::pair<int, std::string> health;
  EXPECT_TRUE(eventually([&] { return (health = http_get(port, "/healthz")).first == 503; }, 20s)) << health.second;
  const auto stuck = nlohmann::json::parse(health.second, nullptr, false);
  EXPECT_EQ(stuck.value("status", ""), "stuck") << health.second;
  EXPECT_NE(stuck.value("error", "").find("has shown no progress for"), std::string::npos) << health.second;
  EXPECT_NE(stuck.value("error", "").find("(DOWNLOADING; limit 2 s)"), std::string::npos) << health.second;

  service->signal(SIGTERM);
  ASSERT_TRUE(eventually([&] { return stack.probe().consumer_count("videos") == 0u; }, 10s))
      << "the consumer was not cancelled\n" << service->log();
  stack.probe().publish("", "videos", body("after-sigterm"), "m-2");
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(stack.probe().message_count("videos"), 1u) << "a message published after SIGTERM was taken";
  EXPECT_TRUE(service->running()) << "exited without waiting for its job\n" << service->log();

  stack.s3().hold_downloads(false);
  // Live again once the download is done and the job encodes (the server answers until the end).
  EXPECT_TRUE(eventually([&] { return (health = http_get(port, "/healthz")).first == 200; }, 30s)) << health.second;
  EXPECT_EQ(service->wait_exit(60s), 0) << service->log();
  const auto results = stack.results(1);
  ASSERT_EQ(results.size(), 1u) << service->log();
  EXPECT_EQ(results[0]["status"], "COMPLETED");
  EXPECT_EQ(results[0]["video"]["resource_id"], "in-progress");
  EXPECT_EQ(stack.probe().message_count("videos"), 1u);  // the later message waits for the next instance
  const auto jobs = stack.jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].status, JobStatus::Completed);
  EXPECT_NE(service->log().find("waiting up to 60 s for 1 job(s) in progress"), std::string::npos) << service->log();
}

TEST(Faults, JobOutlivingTheGraceIsAbandonedRequeuedAndDoneByTheNextInstance) {
  Stack stack(false);
  stack.s3().hold_downloads(true);
  auto first = stack.start("a", {{"SHUTDOWN_GRACE_SECONDS", "1"}});
  stack.wait_consumers(1, *first);
  stack.probe().publish("", "videos", body("slow"), "m-1");
  stack.wait_job_in(JobStatus::Downloading, *first);

  const auto stopping = std::chrono::steady_clock::now();
  first->signal(SIGTERM);
  EXPECT_EQ(first->wait_exit(40s), 0) << first->log();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 30s);  // 1 s grace + 10 s for cancellation + closing
  auto abandoned = stack.jobs_in(JobStatus::Abandoned);
  ASSERT_EQ(abandoned.size(), 1u) << first->log();
  EXPECT_NE(abandoned[0].error.find("SHUTDOWN_GRACE_SECONDS=1"), std::string::npos) << abandoned[0].error;
  // The held download was aborted when the grace ran out: the job ended by itself, the process
  // did not have to leave a stuck thread behind.
  EXPECT_EQ(first->log().find("did not react to cancellation"), std::string::npos) << first->log();
  EXPECT_NE(first->log().find("cancelled after 0 bytes"), std::string::npos) << first->log();
  EXPECT_TRUE(eventually([&] { return stack.probe().message_count("videos") == 1u; }, 10s)) << "not requeued";

  stack.s3().hold_downloads(false);
  auto second = stack.start("b");
  const auto results = stack.results(1);
  ASSERT_EQ(results.size(), 1u) << second->log();
  EXPECT_EQ(results[0]["status"], "COMPLETED");
  const auto completed = stack.jobs_in(JobStatus::Completed);
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(results[0]["job_id"], completed[0].id);
  EXPECT_EQ(stack.jobs().size(), 2u);
  EXPECT_EQ(second->stop(), 0) << second->log();
  EXPECT_EQ(stack.probe().message_count("videos"), 0u);
}

TEST(Faults, ASecondSigtermCancelsTheJobsInProgressAtOnce) {
  Stack stack(false);
  stack.s3().hold_downloads(true);
  auto service = stack.start("a", {{"SHUTDOWN_GRACE_SECONDS", "3600"}});
  stack.wait_consumers(1, *service);
  stack.probe().publish("", "videos", body("impatient"), "m-1");
  stack.wait_job_in(JobStatus::Downloading, *service);
  service->signal(SIGTERM);
  ASSERT_TRUE(eventually([&] { return stack.probe().consumer_count("videos") == 0u; }, 10s)) << service->log();
  const auto second = std::chrono::steady_clock::now();
  service->signal(SIGTERM);
  EXPECT_EQ(service->wait_exit(40s), 0) << service->log();
  EXPECT_LT(std::chrono::steady_clock::now() - second, 30s);  // not the hour of grace
  EXPECT_EQ(stack.jobs_in(JobStatus::Abandoned).size(), 1u) << service->log();
  EXPECT_TRUE(eventually([&] { return stack.probe().message_count("videos") == 1u; }, 10s)) << "not requeued";
  EXPECT_NE(service->log().find("received again: cancelling the jobs in progress"), std::string::npos) << service->log();
  EXPECT_EQ(service->log().find("did not react to cancellation"), std::string::npos) << service->log();
  stack.s3().hold_downloads(false);
}

// SIGTERM while a long input is being encoded, with a grace of 1 s: the packager gives up at its
// next packet once the grace is over, so the process is gone soon after; the job is ABANDONED (not
// COMPLETED), its message is back on the queue and nothing was uploaded. Meanwhile the job's
// ENCODING progress could be watched growing in the database.
TEST(Faults, SigtermMidEncodingStopsWithinTheGraceAndRequeuesTheMessage) {
  Stack stack(false);
  const auto long_input = stack.root() / "long.mp4";
  ve::testing::ffmpeg_generate("-f lavfi -i testsrc2=size=1280x720:rate=25:duration=16 -c:v libx265 -preset ultrafast "
                               "-x265-params log-level=error -tag:v hvc1",
                               long_input);
  ASSERT_FALSE(HasFailure());
  ve::adapters::blob::S3BlobStore client(stack.s3().settings());
  ASSERT_TRUE(client.upload(long_input, "in-bucket", "uploads/long.mp4"));
  auto service = stack.start("a", {{"SHUTDOWN_GRACE_SECONDS", "1"}, {"X264_PRESET", "veryfast"}});
  stack.wait_consumers(1, *service);
  stack.probe().publish("", "videos", nlohmann::json{{"resource_id", "long"}, {"file_path", "long.mp4"}}.dump(), "m-1");

  // Progress is stored while encoding, and moves on (at most one write a second).
  double first = -1, later = -1;
  ASSERT_TRUE(eventually([&] {
    const auto encoding = stack.jobs_in(JobStatus::Encoding);
    if (encoding.empty() || !encoding[0].progress_percent) return false;
    if (first < 0) first = *encoding[0].progress_percent;
    later = *encoding[0].progress_percent;
    return later > first;
  }, 90s)) << "no growing progress (first " << first << "%, later " << later << "%)\n" << service->log();
  ASSERT_LT(later, 60) << "the encode is too quick for this test: it may finish within the grace";

  const auto stopping = std::chrono::steady_clock::now();
  service->signal(SIGTERM);
  EXPECT_EQ(service->wait_exit(40s), 0) << service->log();
  const auto took = std::chrono::steady_clock::now() - stopping;
  RecordProperty("stop_seconds", std::to_string(std::chrono::duration<double>(took).count()));
  RecordProperty("progress_seen", std::to_string(first) + "% then " + std::to_string(later) + "%");
  // 1 s of grace, then the encode stops at its next packet; the rest is closing connections.
  EXPECT_LT(took, 5s) << std::chrono::duration<double>(took).count() << " s\n" << service->log();

  const auto abandoned = stack.jobs_in(JobStatus::Abandoned);
  ASSERT_EQ(abandoned.size(), 1u) << service->log();
  EXPECT_NE(abandoned[0].error.find("SHUTDOWN_GRACE_SECONDS=1"), std::string::npos) << abandoned[0].error;
  EXPECT_LT(abandoned[0].progress_percent.value_or(0), 100);
  EXPECT_TRUE(stack.jobs_in(JobStatus::Completed).empty());
  EXPECT_EQ(service->log().find("did not react to cancellation"), std::string::npos) << service->log();
  EXPECT_TRUE(eventually([&] { return stack.probe().message_count("videos") == 1u; }, 10s)) << "not requeued";
  EXPECT_EQ(stack.probe().message_count("videos-failed"), 0u);
  EXPECT_TRUE(stack.results(0, 1s, 1s).empty()) << "a result or failure was published";
  auto uploaded = client.list("out-bucket", "dash/");
  ASSERT_TRUE(uploaded) << uploaded.error().message;
  EXPECT_TRUE(uploaded->empty()) << uploaded->size() << " object(s) uploaded, e.g. " << uploaded->front();
}

// Two instances share the broker and the database; the one running the job is killed with SIGKILL.
TEST(Faults, SigkillMidJobLosesNothingAndTheOtherInstanceCompletesIt) {
  Stack stack(true);
  stack.s3().hold_downloads(true);
  auto a = stack.start("a");
  auto b = stack.start("b");
  stack.wait_consumers(2, *b);
  stack.probe().publish("", "videos", body("crash"), "m-1");
  stack.wait_job_in(JobStatus::Downloading, *a);
  const auto crashed = stack.jobs_in(JobStatus::Downloading).at(0);

  // The instance whose working folder holds the job is the one to kill.
  const bool in_a = std::filesystem::exists(stack.root() / "work-a" / crashed.video.id);
  auto& victim = in_a ? a : b;
  auto& survivor = in_a ? b : a;
  victim->kill9();
  stack.s3().hold_downloads(false);

  const auto results = stack.results(1);
  ASSERT_EQ(results.size(), 1u) << "results: " << nlohmann::json(job_ids(results)).dump() << "\n" << survivor->log();
  EXPECT_EQ(results[0]["status"], "COMPLETED");
  const auto completed = stack.jobs_in(JobStatus::Completed);
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(results[0]["job_id"], completed[0].id);
  EXPECT_NE(completed[0].id, crashed.id);
  const auto abandoned = stack.jobs_in(JobStatus::Abandoned);
  ASSERT_EQ(abandoned.size(), 1u);
  EXPECT_EQ(abandoned[0].id, crashed.id);
  EXPECT_NE(abandoned[0].error.find("continued as job " + completed[0].id), std::string::npos) << abandoned[0].error;
  EXPECT_EQ(stack.jobs().size(), 2u);
  EXPECT_EQ(survivor->stop(), 0) << survivor->log();
  EXPECT_EQ(stack.probe().message_count("videos"), 0u);

  // The killed instance left its job's working folder; its replacement removes it at start-up.
  const std::string victim_name = in_a ? "a" : "b";
  const auto left = stack.root() / ("work-" + victim_name) / crashed.video.id;
  EXPECT_TRUE(std::filesystem::exists(left));
  auto replacement = stack.start(victim_name);
  stack.wait_consumers(1, *replacement);
  EXPECT_FALSE(std::filesystem::exists(left)) << replacement->log();
  EXPECT_EQ(replacement->stop(), 0) << replacement->log();
}

// The broker goes away while a job runs: the job finishes, its result cannot be published, and the
// message (never acknowledged) comes back after the restart marked redelivered: the stored result is
// published, nothing is packaged twice.
TEST(Faults, BrokerRestartMidJobPublishesTheResultOnceAfterReconnecting) {
  Stack stack(false, /*own_broker=*/true);
  stack.s3().hold_downloads(true);
  auto service = stack.start("a");
  stack.wait_consumers(1, *service);
  stack.probe().publish("", "videos", body("through-restart"), "m-1");
  stack.wait_job_in(JobStatus::Downloading, *service);

  stack.stop_broker();
  stack.s3().hold_downloads(false);
  stack.wait_job_in(JobStatus::Completed, *service);
  std::this_thread::sleep_for(1s);
  EXPECT_TRUE(service->running()) << service->log();
  stack.start_broker();

  const auto results = stack.results(1);
  ASSERT_EQ(results.size(), 1u) << "results: " << nlohmann::json(job_ids(results)).dump() << "\n" << service->log();
  const auto jobs = stack.jobs();
  ASSERT_EQ(jobs.size(), 1u) << service->log();
  EXPECT_EQ(jobs[0].status, JobStatus::Completed);
  EXPECT_EQ(results[0]["job_id"], jobs[0].id);
  EXPECT_NE(service->log().find("published its result again"), std::string::npos) << service->log();

  // The service redeclared its topology and goes on serving.
  stack.probe().publish("", "videos", body("after-restart"), "m-2");
  const auto later = stack.results(1);
  ASSERT_EQ(later.size(), 1u) << service->log();
  EXPECT_EQ(later[0]["video"]["resource_id"], "after-restart");
  EXPECT_EQ(service->stop(), 0) << service->log();
  EXPECT_EQ(stack.probe().message_count("videos"), 0u);
}

// PostgreSQL stops while a job runs: nothing is acknowledged or published while the job's state
// cannot be recorded; when the database is back the message is processed to one COMPLETED job.
TEST(Faults, DatabaseOutageAcknowledgesNothingAndTheServiceRecovers) {
  Stack stack(true);
  stack.s3().hold_downloads(true);
  auto service = stack.start("a");
  stack.wait_consumers(1, *service);
  stack.probe().publish("", "videos", body("db-outage"), "m-1");
  stack.wait_job_in(JobStatus::Downloading, *service);
  const auto interrupted = stack.jobs_in(JobStatus::Downloading).at(0);

  stack.postgres().stop();
  stack.s3().hold_downloads(false);
  // For a while: no result, no dead letter, the service alive and the message still with the broker.
  EXPECT_FALSE(stack.probe().wait_get("videos-result", 8s)) << service->log();
  EXPECT_EQ(stack.probe().message_count("videos-failed"), 0u);
  EXPECT_TRUE(service->running()) << service->log();

  stack.postgres().start();
  const auto results = stack.results(1, 120s);
  ASSERT_EQ(results.size(), 1u) << "results: " << nlohmann::json(job_ids(results)).dump() << "\n" << service->log();
  EXPECT_EQ(results[0]["status"], "COMPLETED");
  const auto completed = stack.jobs_in(JobStatus::Completed);
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(results[0]["job_id"], completed[0].id);
  bool first_abandoned = false;
  for (const auto& j : stack.jobs_in(JobStatus::Abandoned)) first_abandoned = first_abandoned || j.id == interrupted.id;
  EXPECT_TRUE(first_abandoned) << "the interrupted attempt is not recorded ABANDONED";
  EXPECT_TRUE(stack.jobs_in(JobStatus::Failed).empty());
  EXPECT_EQ(service->stop(), 0) << service->log();
  EXPECT_EQ(stack.probe().message_count("videos"), 0u);
  EXPECT_EQ(stack.probe().message_count("videos-failed"), 0u);
}

// The object store is down: the download is retried, then the attempt is abandoned and the message
// requeued (with a pause), again and again, until the store is back.
TEST(Faults, StorageOutageIsRetriedAndTheJobCompletesWhenTheStoreReturns) {
  Stack stack(false);
  auto service = stack.start("a");
  stack.wait_consumers(1, *service);
  stack.s3().stop();
  stack.probe().publish("", "videos", body("storage-outage"), "m-1");
  stack.wait_job_in(JobStatus::Abandoned, *service, 90s);
  const auto abandoned = stack.jobs_in(JobStatus::Abandoned).at(0);
  EXPECT_NE(abandoned.error.find("message requeued"), std::string::npos) << abandoned.error;
  EXPECT_EQ(stack.probe().message_count("videos-failed"), 0u);

  stack.s3().start();
  const auto results = stack.results(1, 120s);
  ASSERT_EQ(results.size(), 1u) << service->log();
  EXPECT_EQ(results[0]["status"], "COMPLETED");
  EXPECT_EQ(stack.jobs_in(JobStatus::Completed).size(), 1u);
  EXPECT_TRUE(stack.jobs_in(JobStatus::Failed).empty());
  EXPECT_EQ(service->stop(), 0) << service->log();
}

// The disk of localStoragePath cannot hold the video (and its presentation): the job fails before
// downloading a byte, with a reason saying what is needed, and the message is dead-lettered.
TEST(Faults, AnInputTooBigForTheDiskFailsBeforeTheDownload) {
  Stack stack(false);
  auto service = stack.start("a", {{"LOCAL_STORAGE_MIN_FREE_MB", "1073741824"}});  // keep 1 PiB free
  stack.wait_consumers(1, *service);
  const std::string request = body("too-big");
  stack.probe().publish("", "videos", request, "m-1");
  const auto results = stack.results(1);
  ASSERT_EQ(results.size(), 1u) << service->log();
  EXPECT_EQ(results[0]["message"], request);
  const std::string error = results[0]["error"];
  EXPECT_EQ(error.rfind("not enough disk space in " + (stack.root() / "work-a").string() +
                            " for s3://in-bucket/uploads/video.mp4: needs ",
                        0),
            0u)
      << error;
  EXPECT_NE(error.find("(twice the 1.9 MiB object plus 1.0 PiB kept free)"), std::string::npos) << error;
  EXPECT_NE(error.find("LOCAL_STORAGE_MIN_FREE_MB"), std::string::npos) << error;
  auto dead = stack.probe().wait_get("videos-failed", 10s);
  ASSERT_TRUE(dead);
  EXPECT_EQ(dead->body, request);
  const auto failed = stack.jobs_in(JobStatus::Failed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].error, error);
  EXPECT_EQ(ve::testing::list_names(stack.root() / "work-a"), std::vector<std::string>{});
  EXPECT_EQ(service->stop(), 0) << service->log();
}

}  // namespace
