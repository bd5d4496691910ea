// SPDX-License-Identifier: Apache-2.0
#include "store_backends.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <pqxx/pqxx>
#include <random>
#include <stdexcept>

#include "adapters/store/migrations.hpp"
#include "adapters/store/postgres_job_store.hpp"
#include "adapters/store/sqlite_job_store.hpp"

namespace ve::adapters::store::test {
namespace {

class PostgresEnvironment : public ::testing::Environment {
 public:
  static ve::testing::PostgresCluster& cluster() {
    if (!cluster_) cluster_ = std::make_unique<ve::testing::PostgresCluster>();
    return *cluster_;
  }
  void TearDown() override { cluster_.reset(); }

 private:
  static inline std::unique_ptr<ve::testing::PostgresCluster> cluster_;
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresEnvironment);

template <typename T>
core::Result<std::unique_ptr<ports::JobStore>> as_port(core::Result<std::unique_ptr<T>> store) {
  if (!store) return core::fail(store.error());
  return std::unique_ptr<ports::JobStore>(std::move(*store));
}

class SqliteBackend final : public Backend {
 public:
  core::Result<std::unique_ptr<ports::JobStore>> open(bool migrate) override {
    return as_port(SqliteJobStore::open(file_, migrate));
  }

  void sql(const std::string& statements) override { query(statements); }

  std::string scalar(const std::string& q) override { return query(q); }

  std::string name() const override { return "sqlite"; }

 private:
  std::string query(const std::string& statements) {
    std::filesystem::create_directories(file_.parent_path());
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open(file_.c_str(), &raw);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
    if (rc != SQLITE_OK) throw std::runtime_error("cannot open " + file_.string());
    sqlite3_busy_timeout(db.get(), 5000);
    std::string first;
    const auto keep_first = [](void* out, int columns, char** values, char**) {
      auto* text = static_cast<std::string*>(out);
      if (text->empty() && columns > 0 && values[0]) *text = values[0];
      return 0;
    };
    const std::string all = "PRAGMA foreign_keys = ON; " + statements;
    char* error = nullptr;
    if (sqlite3_exec(db.get(), all.c_str(), keep_first, &first, &error) != SQLITE_OK) {
      const std::string message = error ? error : "unknown error";
      sqlite3_free(error);
      throw std::runtime_error("SQLite: " + statements + ": " + message);
    }
    return first;
  }

  ve::testing::TempDir dir_;
  std::filesystem::path file_ = dir_ / "not-yet/jobs.db";
};

class PostgresBackend final : public Backend {
 public:
  PostgresBackend() {
    static std::atomic<int> counter{0};
    dsn_ = shared_cluster().create_database("jobs_" + std::to_string(counter++));
  }

  core::Result<std::unique_ptr<ports::JobStore>> open(bool migrate) override {
    return as_port(PostgresJobStore::open(dsn_, migrate));
  }

  void sql(const std::string& statements) override { query(statements); }

  std::string scalar(const std::string& q) override { return query(q); }

  std::string name() const override { return "postgres"; }

  const std::string& dsn() const { return dsn_; }

 private:
  std::string query(const std::string& statements) {
    pqxx::connection connection(dsn_);
    pqxx::work tx(connection);
    const auto rows = tx.exec(statements);
    tx.commit();
    return rows.empty() || rows[0].empty() || rows[0][0].is_null() ? "" : rows[0][0].c_str();
  }

  std::string dsn_;
};

}  // namespace

ve::testing::PostgresCluster& shared_cluster() { return PostgresEnvironment::cluster(); }

std::string random_uuid() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  const uint64_t a = random(), b = random();
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return text;
}

ports::JobRecord make_job(const std::string& resource, const std::string& video_id) {
  ports::JobRecord job;
  job.id = random_uuid();
  job.video.id = video_id;
  job.video.resource_id = resource;
  job.video.file_path = "uploads/" + resource + ".mp4";
  job.output_bucket_path = "videos-output/" + resource;
  job.created_at = job.updated_at = job.video.created_at = std::chrono::system_clock::now();
  return job;
}

std::vector<std::string> ids(const std::vector<ports::JobRecord>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs) out.push_back(j.id);
  return out;
}

std::vector<core::JobStatus> statuses(const std::vector<ports::JobEvent>& events) {
  std::vector<core::JobStatus> out;
  for (const auto& e : events) out.push_back(e.status);
  return out;
}

const std::vector<core::JobStatus> kFullLife = {
    core::JobStatus::Starting, core::JobStatus::Downloading, core::JobStatus::Fragmenting, core::JobStatus::Encoding,
    core::JobStatus::Uploading, core::JobStatus::Finishing, core::JobStatus::Completed};

void StoreTest::SetUp() {
  backend_ = make_backend(GetParam());
  auto store = backend_->open(true);
  ASSERT_TRUE(store) << store.error().message;
  store_ = std::move(*store);
}

void StoreTest::walk(const std::string& job_id, core::JobStatus to, const std::string& note) {
  for (size_t i = 1; i < kFullLife.size() && kFullLife[i - 1] != to; ++i) {
    auto ok = store_->record_status(job_id, kFullLife[i], note);
    ASSERT_TRUE(ok) << ok.error().message;
  }
}

ports::JobRecord StoreTest::find(const std::string& id) {
  auto found = store_->find_job(id);
  EXPECT_TRUE(found && found->has_value()) << id;
  return found && *found ? **found : ports::JobRecord{};
}

void create_schema(Backend& backend, int version) {
  const bool sqlite = backend.name() == "sqlite";
  backend.sql(sqlite ? "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL)"
                     : "CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
  for (const auto& m : migrations().first(static_cast<size_t>(version))) {
    backend.sql(std::string(sqlite ? m.sqlite : m.postgres));
    backend.sql(sqlite ? "INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", '2026-01-01T00:00:00.000000Z')"
                       : "INSERT INTO schema_migrations (version) VALUES (" + std::to_string(m.version) + ")");
  }
}

std::unique_ptr<Backend> make_backend(const std::string& kind) {
  if (kind == "sqlite") return std::make_unique<SqliteBackend>();
  if (kind == "postgres") return std::make_unique<PostgresBackend>();
  throw std::invalid_argument("unknown backend " + kind);
}

}  // namespace ve::adapters::store::test
