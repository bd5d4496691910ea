// SPDX-License-Identifier: Apache-2.0
// PostgreSQL only: outages, restarts and secrets, against the process's private server.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "adapters/store/postgres_job_store.hpp"
#include "store_backends.hpp"

namespace ve::adapters::store::test {
namespace {

using core::ErrorKind;
using core::JobStatus;
using ports::JobRecord;

// The service role's password, as the cluster's DSN carries it.
std::string cluster_password() {
  const std::string& dsn = shared_cluster().dsn();
  const size_t colon = dsn.find(':', dsn.find("://") + 3);
  return dsn.substr(colon + 1, dsn.find('@') - colon - 1);
}

// Starts the shared server again when a test that stopped it ends, however it ends.
class RestartOnExit {
 public:
  ~RestartOnExit() {
    if (!stopped_) return;
    try {
      shared_cluster().start();
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
  void stop() {
    shared_cluster().stop();
    stopped_ = true;
  }
  void start() {
    shared_cluster().start();
    stopped_ = false;
  }

 private:
  bool stopped_ = false;
};

TEST(PostgresJobStoreTest, OutageIsTransientAndTheFirstCallAfterRecoverySucceeds) {
  auto backend = make_backend("postgres");
  auto opened = backend->open(true);
  ASSERT_TRUE(opened) << opened.error().message;
  ports::JobStore& store = **opened;
  const JobRecord job = make_job("outage");
  ASSERT_TRUE(store.create_job(job));
  ASSERT_TRUE(store.find_job(job.id));  // leaves idle connections in the pool

  RestartOnExit server;
  server.stop();
  const auto start = std::chrono::steady_clock::now();
  auto during = store.record_status(job.id, JobStatus::Downloading, "");
  ASSERT_FALSE(during);
  EXPECT_EQ(during.error().kind, ErrorKind::Transient) << during.error().message;
  auto read = store.find_job(job.id);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().kind, ErrorKind::Transient) << read.error().message;
  auto reopen = backend->open(true);
  ASSERT_FALSE(reopen);
  EXPECT_EQ(reopen.error().kind, ErrorKind::Transient) << reopen.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
  const std::string password = cluster_password();
  for (const auto* e : {&during.error(), &read.error(), &reopen.error()}) {
    EXPECT_EQ(e->message.find(password), std::string::npos) << e->message;
  }

  server.start();
  auto after = store.record_status(job.id, JobStatus::Downloading, "");
  ASSERT_TRUE(after) << after.error().message;
  auto events = store.job_events(job.id);
  ASSERT_TRUE(events) << events.error().message;
  EXPECT_EQ(statuses(*events), (std::vector<JobStatus>{JobStatus::Starting, JobStatus::Downloading}));
}

// Connections that sat idle through a restart are replaced without the caller noticing.
TEST(PostgresJobStoreTest, IdleConnectionsSurviveARestart) {
  auto backend = make_backend("postgres");
  auto opened = backend->open(true);
  ASSERT_TRUE(opened) << opened.error().message;
  ports::JobStore& store = **opened;
  {
    std::vector<std::jthread> readers;  // several connections end up idle in the pool
    for (int i = 0; i < 4; ++i) readers.emplace_back([&] { (void)store.list_jobs(std::nullopt); });
  }
  RestartOnExit server;
  server.stop();
  server.start();
  const JobRecord job = make_job("after-restart");
  auto created = store.create_job(job);
  ASSERT_TRUE(created) << created.error().message;
  auto all = store.list_jobs(std::nullopt);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(ids(*all), std::vector<std::string>{job.id});
}

// A server that accepts the connection and never answers: the call gives up after connect_timeout.
TEST(PostgresJobStoreTest, SilentServerFailsWithinTheConnectTimeout) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ASSERT_EQ(::listen(listener, 8), 0);  // the kernel completes handshakes; nobody ever reads

  const auto start = std::chrono::steady_clock::now();
  auto store = PostgresJobStore::open(
      "postgresql://video_encoder:pw@127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/db?connect_timeout=1",
      true);
  const auto took = std::chrono::steady_clock::now() - start;
  ::close(listener);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().kind, ErrorKind::Transient) << store.error().message;
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(PostgresJobStoreTest, ErrorsNeverShowThePassword) {
  const std::string dsn = shared_cluster().dsn();
  const std::string password = cluster_password();
  ASSERT_GE(password.size(), 16u) << "unexpected DSN shape: the password is too short to search for";

  std::string wrong = dsn;
  wrong.replace(wrong.find(password), password.size(), "Wrong-Secret-42");
  auto denied = PostgresJobStore::open(wrong, true);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().message.find("Wrong-Secret-42"), std::string::npos) << denied.error().message;

  std::string elsewhere = dsn;
  elsewhere.replace(elsewhere.rfind(':'), std::string::npos, ":1/video_encoder");
  auto refused = PostgresJobStore::open(elsewhere, true);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::Transient);
  EXPECT_EQ(refused.error().message.find(password), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("video_encoder at 127.0.0.1:1"), std::string::npos) << refused.error().message;

  auto malformed = PostgresJobStore::open(dsn + "?no_such_option=1", true);
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().kind, ErrorKind::Internal) << malformed.error().message;
  EXPECT_EQ(malformed.error().message.find(password), std::string::npos) << malformed.error().message;
}

}  // namespace
}  // namespace ve::adapters::store::test
