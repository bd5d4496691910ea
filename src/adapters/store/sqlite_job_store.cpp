// SPDX-License-Identifier: Apache-2.0
#include "adapters/store/sqlite_job_store.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <charconv>
#include <cstdlib>
#include <thread>

#include "adapters/store/migrations.hpp"
#include "core/time_format.hpp"
#include "adapters/store/sqlite_statement.hpp"
#include "adapters/store/store_records.hpp"

namespace ve::adapters::store {
namespace {

constexpr int kBusyTimeoutMs = 5000;

constexpr std::string_view kSqliteSelectJobs =
    "SELECT j.id, j.output_bucket_path, j.status, j.error, j.created_at, j.updated_at,"
    " v.id, v.resource_id, v.file_path, v.created_at, j.message_key, j.progress_percent, j.frames_per_second"
    " FROM jobs j JOIN videos v ON v.id = j.video_id";

std::string text(const std::optional<std::string>& column) { return column.value_or(""); }

// REAL columns arrive as SQLite's text rendering of the number.
std::optional<double> real(const std::optional<std::string>& column) {
  if (!column) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(column->c_str(), &end);
  if (end == column->c_str()) return std::nullopt;
  return value;
}

core::Result<std::uint64_t> read_count(const std::optional<std::string>& column, std::string_view what) {
  std::uint64_t value = 0;
  const std::string t = text(column);
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc() || end != t.data() + t.size()) {
    return core::fail(core::Error::internal(std::string(what) + ": unreadable size '" + t + "'"));
  }
  return value;
}

core::Result<ports::TimePoint> read_time(const std::optional<std::string>& column, std::string_view what) {
  const auto t = core::parse_rfc3339(text(column));
  if (!t) return core::fail(core::Error::internal(std::string(what) + ": unreadable time '" + text(column) + "'"));
  return *t;
}

core::Result<core::JobStatus> read_status(const std::optional<std::string>& column, std::string_view what) {
  const auto status = core::parse_job_status(text(column));
  if (!status) return core::fail(core::Error::internal(std::string(what) + ": unknown status '" + text(column) + "'"));
  return *status;
}

core::Result<ports::JobRecord> to_record(const SqlRow& row, std::string_view what) {
  ports::JobRecord job;
  job.id = text(row[0]);
  job.output_bucket_path = text(row[1]);
  job.error = text(row[3]);
  job.video.id = text(row[6]);
  job.video.resource_id = text(row[7]);
  job.video.file_path = text(row[8]);
  job.message_key = text(row[10]);
  job.progress_percent = real(row[11]);
  job.frames_per_second = real(row[12]).value_or(0);
  const std::string context = std::string(what) + ", job " + job.id;
  auto status = read_status(row[2], context);
  if (!status) return core::fail(status.error());
  job.status = *status;
  const std::pair<int, ports::TimePoint*> times[] = {{4, &job.created_at}, {5, &job.updated_at}, {9, &job.video.created_at}};
  for (const auto& [column, field] : times) {
    auto t = read_time(row[column], context);
    if (!t) return core::fail(t.error());
    *field = *t;
  }
  return job;
}

core::Result<int> schema_version(sqlite3* db, std::string_view what) {
  auto tables = sqlite_query(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
                             {}, what);
  if (!tables) return core::fail(tables.error());
  if (text(tables->at(0)[0]) == "0") return 0;
  auto version = sqlite_query(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", {}, what);
  if (!version) return core::fail(version.error());
  return std::stoi(text(version->at(0)[0]));
}

// WAL lets readers in other processes run during a write; NORMAL sync is durable enough in WAL (a
// power cut may lose the last commits, never corrupt the file). Switching a new file to WAL needs a
// moment of exclusive access, and when another connection is opening the same file SQLite answers
// SQLITE_BUSY at once instead of calling the busy handler: retry for as long as busy_timeout.
core::Status configure(sqlite3* db, const std::string& what) {
  if (auto ok = sqlite_exec_script(db, "PRAGMA foreign_keys = ON", what); !ok) return ok;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    auto ok = sqlite_exec_script(db, "PRAGMA journal_mode = WAL", what);
    if (ok) break;
    if (ok.error().kind != core::ErrorKind::Transient || std::chrono::steady_clock::now() > deadline) return ok;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return sqlite_exec_script(db, "PRAGMA synchronous = NORMAL", what);
}

// In one IMMEDIATE transaction, so a second process opening the same file waits, then finds
// nothing left to do. Foreign keys are off meanwhile (they cannot change inside a transaction) so a
// migration can rebuild a table, and checked before the commit.
core::Status migrate_in_transaction(sqlite3* db, const std::string& where);

core::Status migrate(sqlite3* db, const std::string& where) {
  const std::string what = "migrating the schema of " + where;
  if (auto ok = sqlite_exec_script(db, "PRAGMA foreign_keys = OFF", what); !ok) return ok;
  auto ok = migrate_in_transaction(db, where);
  if (auto on = sqlite_exec_script(db, "PRAGMA foreign_keys = ON", what); ok && !on) return on;
  return ok;
}

core::Status migrate_in_transaction(sqlite3* db, const std::string& where) {
  const std::string what = "migrating the schema of " + where;
  auto tx = SqliteTransaction::begin(db, true, what);
  if (!tx) return core::fail(tx.error());
  auto ok = sqlite_exec_script(db,
                               "CREATE TABLE IF NOT EXISTS schema_migrations ("
                               " version INTEGER PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL)",
                               what);
  if (!ok) return ok;
  auto current = schema_version(db, what);
  if (!current) return core::fail(current.error());
  for (const Migration& m : migrations()) {
    if (m.version <= *current) continue;
    if (ok = sqlite_exec_script(db, std::string(m.sqlite), what); !ok) return ok;
    const std::string now = core::format_rfc3339(std::chrono::system_clock::now());
    ok = sqlite_exec(db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                     {std::int64_t{m.version}, now}, what);
    if (!ok) return ok;
    spdlog::info("{}: applied migration {} ({})", where, m.version, m.description);
  }
  auto dangling = sqlite_query(db, "PRAGMA foreign_key_check", {}, what);
  if (!dangling) return core::fail(dangling.error());
  if (!dangling->empty()) {
    return core::fail(core::Error::internal(what + ": " + std::to_string(dangling->size()) +
                                            " rows would break foreign keys; nothing was changed"));
  }
  return tx->commit(what);
}

}  // namespace

SqliteJobStore::SqliteJobStore(std::filesystem::path file, SqliteDb db) : file_(std::move(file)), db_(std::move(db)) {}

std::string SqliteJobStore::where() const { return "SQLite database " + file_.string(); }

core::Result<std::unique_ptr<SqliteJobStore>> SqliteJobStore::open(const std::filesystem::path& file, bool migrate) {
  const std::string where = "SQLite database " + file.string();
  std::error_code ec;
  if (!migrate && !std::filesystem::exists(file, ec)) {
    return core::fail(core::Error::internal(where + " does not exist and AUTO_MIGRATE_DB is false; "
                                            "set AUTO_MIGRATE_DB=true to create it"));
  }
  if (migrate && file.has_parent_path()) {
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) {
      return core::fail(core::Error::internal("cannot create folder " + file.parent_path().string() + " for " +
                                              where + ": " + ec.message()));
    }
  }

  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (migrate ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  SqliteDb db(raw);
  if (rc != SQLITE_OK) return core::fail(sqlite_error(raw, rc, "opening " + where));
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  auto ok = configure(db.get(), "configuring " + where);
  if (!ok) return core::fail(ok.error());
  if (migrate) {
    if (ok = store::migrate(db.get(), where); !ok) return core::fail(ok.error());
  }
  auto version = schema_version(db.get(), "reading the schema version of " + where);
  if (!version) return core::fail(version.error());
  if (*version < latest_schema_version()) return core::fail(core::Error::internal(missing_schema_message(where, *version)));
  if (*version > latest_schema_version()) {
    spdlog::warn("{} has schema version {}, newer than this build's {}", where, *version, latest_schema_version());
  }
  return std::unique_ptr<SqliteJobStore>(new SqliteJobStore(file, std::move(db)));
}

namespace {

// Inserts the video (unless recorded already) and the job with its first event; the caller holds
// the transaction.
core::Status insert_job(sqlite3* db, const ports::JobRecord& job, const std::string& what) {
  const std::string id = normalize_id(job.id);
  const std::string video_id = normalize_id(job.video.id);
  const std::string created = core::format_rfc3339(stamp_or_now(job.created_at));
  const std::string video_created = core::format_rfc3339(stamp_or_now(job.video.created_at));
  auto existing = sqlite_query(db, "SELECT 1 FROM jobs WHERE id = ?1", {id}, what);
  if (!existing) return core::fail(existing.error());
  if (!existing->empty()) return core::fail(job_exists(id));
  // A video already recorded (a job retried under a new id) keeps its first description.
  auto ok = sqlite_exec(db,
                        "INSERT INTO videos (id, resource_id, file_path, created_at) VALUES (?1, ?2, ?3, ?4)"
                        " ON CONFLICT (id) DO NOTHING",
                        {video_id, job.video.resource_id, job.video.file_path, video_created}, what);
  if (!ok) return ok;
  const SqlValue key = job.message_key.empty() ? SqlValue{nullptr} : SqlValue{job.message_key};
  ok = sqlite_exec(db,
                   "INSERT INTO jobs (id, output_bucket_path, status, video_id, error, created_at, updated_at, message_key)"
                   " VALUES (?1, ?2, 'STARTING', ?3, NULL, ?4, ?4, ?5)",
                   {id, job.output_bucket_path, video_id, created, key}, what);
  if (!ok) return ok;
  return sqlite_exec(db, "INSERT INTO job_events (job_id, status, at) VALUES (?1, 'STARTING', ?2)", {id, created}, what);
}

}  // namespace

core::Status SqliteJobStore::create_job(const ports::JobRecord& job) {
  if (auto ok = validate_new_job(job); !ok) return ok;
  const std::string what = "creating job " + normalize_id(job.id) + " in " + where();
  std::lock_guard lock(mutex_);
  auto tx = SqliteTransaction::begin(db_.get(), true, what);
  if (!tx) return core::fail(tx.error());
  if (auto ok = insert_job(db_.get(), job, what); !ok) return ok;
  return tx->commit(what);
}

core::Result<ports::RedeliveryClaim> SqliteJobStore::claim_redelivered(const ports::JobRecord& job,
                                                                      const std::string& abandon_reason) {
  if (auto ok = validate_new_job(job); !ok) return core::fail(ok.error());
  if (job.message_key.empty()) return core::fail(core::Error::internal("claim_redelivered needs a message key"));
  const std::string what = "claiming message " + job.message_key + " for job " + normalize_id(job.id) + " in " + where();
  std::lock_guard lock(mutex_);
  sqlite3* db = db_.get();
  auto tx = SqliteTransaction::begin(db, true, what);
  if (!tx) return core::fail(tx.error());
  auto rows = sqlite_query(db, std::string(kSqliteSelectJobs) + " WHERE j.message_key = ?1 ORDER BY j.created_at, j.rowid",
                           {job.message_key}, what);
  if (!rows) return core::fail(rows.error());
  ports::RedeliveryClaim claim;
  for (const auto& row : *rows) {
    auto earlier = to_record(row, what);
    if (!earlier) return core::fail(earlier.error());
    if (earlier->status == core::JobStatus::Completed) {
      claim.completed = std::move(*earlier);
      claim.abandoned.clear();
      return claim;  // the transaction rolls back: nothing changes
    }
    if (core::is_final(earlier->status)) continue;
    const std::string at = core::format_rfc3339(next_event_time(earlier->updated_at));
    auto ok = sqlite_exec(db, "UPDATE jobs SET status = 'ABANDONED', error = ?2, updated_at = ?3 WHERE id = ?1",
                          {earlier->id, abandon_reason, at}, what);
    if (ok) ok = sqlite_exec(db, "INSERT INTO job_events (job_id, status, at, note) VALUES (?1, 'ABANDONED', ?2, ?3)",
                             {earlier->id, at, abandon_reason}, what);
    if (!ok) return core::fail(ok.error());
    claim.abandoned.push_back(earlier->id);
  }
  if (auto ok = insert_job(db, job, what); !ok) return core::fail(ok.error());
  if (auto ok = tx->commit(what); !ok) return core::fail(ok.error());
  return claim;
}

core::Status SqliteJobStore::record_status(const std::string& job_id, core::JobStatus status, const std::string& note) {
  if (!is_uuid(job_id)) return core::fail(unknown_job(job_id));
  const std::string id = normalize_id(job_id);
  const std::string what = std::string("recording status ") + core::to_string(status) + " of job " + id + " in " + where();

  std::lock_guard lock(mutex_);
  sqlite3* db = db_.get();
  auto tx = SqliteTransaction::begin(db, true, what);
  if (!tx) return core::fail(tx.error());
  auto rows = sqlite_query(db, "SELECT status, updated_at FROM jobs WHERE id = ?1", {id}, what);
  if (!rows) return core::fail(rows.error());
  if (rows->empty()) return core::fail(unknown_job(id));
  auto from = read_status(rows->front()[0], what);
  if (!from) return core::fail(from.error());
  if (!core::can_transition(*from, status)) return core::fail(forbidden_transition(id, *from, status));
  auto previous = read_time(rows->front()[1], what);
  if (!previous) return core::fail(previous.error());

  const std::string at = core::format_rfc3339(next_event_time(*previous));
  const bool has_error = status == core::JobStatus::Failed || status == core::JobStatus::Abandoned;
  const SqlValue error_value = has_error ? SqlValue{note} : SqlValue{nullptr};
  const SqlValue note_value = note.empty() ? SqlValue{nullptr} : SqlValue{note};
  auto ok = sqlite_exec(db, "UPDATE jobs SET status = ?2, error = ?3, updated_at = ?4 WHERE id = ?1",
                        {id, core::to_string(status), error_value, at}, what);
  if (!ok) return ok;
  ok = sqlite_exec(db, "INSERT INTO job_events (job_id, status, at, note) VALUES (?1, ?2, ?3, ?4)",
                   {id, core::to_string(status), at, note_value}, what);
  if (!ok) return ok;
  return tx->commit(what);
}

core::Status SqliteJobStore::record_progress(const std::string& job_id, double percent, double frames_per_second) {
  if (!is_uuid(job_id)) return core::fail(unknown_job(job_id));
  const std::string id = normalize_id(job_id);
  const std::string what = "recording the progress of job " + id + " in " + where();
  std::lock_guard lock(mutex_);
  sqlite3* db = db_.get();
  // One statement that changes the row only while it is ENCODING; the status is read afterwards
  // only to say why nothing changed.
  auto ok = sqlite_exec(db,
                        "UPDATE jobs SET progress_percent = ?2, frames_per_second = ?3 WHERE id = ?1 AND status = 'ENCODING'",
                        {id, stored_percent(percent), stored_rate(frames_per_second)}, what);
  if (!ok) return ok;
  if (sqlite3_changes(db) > 0) return {};
  auto rows = sqlite_query(db, "SELECT status FROM jobs WHERE id = ?1", {id}, what);
  if (!rows) return core::fail(rows.error());
  if (rows->empty()) return core::fail(unknown_job(id));
  return core::fail(not_encoding(id, text(rows->front()[0])));
}

core::Result<std::optional<ports::JobRecord>> SqliteJobStore::find_job(const std::string& job_id) {
  if (!is_uuid(job_id)) return std::optional<ports::JobRecord>{};
  const std::string id = normalize_id(job_id);
  const std::string what = "reading job " + id + " from " + where();
  std::lock_guard lock(mutex_);
  auto rows = sqlite_query(db_.get(), std::string(kSqliteSelectJobs) + " WHERE j.id = ?1", {id}, what);
  if (!rows) return core::fail(rows.error());
  if (rows->empty()) return std::optional<ports::JobRecord>{};
  auto job = to_record(rows->front(), what);
  if (!job) return core::fail(job.error());
  return std::optional<ports::JobRecord>(std::move(*job));
}

core::Result<std::vector<ports::JobRecord>> SqliteJobStore::list_jobs(const ports::JobQuery& query) {
  const std::string what = "listing jobs in " + where();
  if (!query.before_id.empty() && !is_uuid(query.before_id)) return std::vector<ports::JobRecord>{};
  const std::string before = query.before_id.empty() ? std::string() : normalize_id(query.before_id);
  // Absent filters are NULL parameters (and LIMIT -1 is none), so one statement serves every query.
  const SqlValue status = query.status ? SqlValue(std::string_view(core::to_string(*query.status))) : SqlValue(nullptr);
  const SqlValue before_id = before.empty() ? SqlValue(nullptr) : SqlValue(std::string_view(before));
  const SqlValue limit = query.limit > 0 ? SqlValue(static_cast<long>(query.limit)) : SqlValue(-1L);
  std::lock_guard lock(mutex_);
  auto rows = sqlite_query(db_.get(),
                           std::string(kSqliteSelectJobs) +
                               " WHERE (?1 IS NULL OR j.status = ?1)"
                               " AND (?2 IS NULL OR (j.created_at, j.rowid) < (SELECT created_at, rowid FROM jobs WHERE id = ?2))"
                               " ORDER BY j.created_at DESC, j.rowid DESC LIMIT ?3",
                           {status, before_id, limit}, what);
  if (!rows) return core::fail(rows.error());
  std::vector<ports::JobRecord> jobs;
  jobs.reserve(rows->size());
  for (const auto& row : *rows) {
    auto job = to_record(row, what);
    if (!job) return core::fail(job.error());
    jobs.push_back(std::move(*job));
  }
  return jobs;
}

core::Status SqliteJobStore::ping() {
  std::lock_guard lock(mutex_);
  auto rows = sqlite_query(db_.get(), "SELECT count(*) FROM jobs", {}, "reaching " + where());
  if (!rows) return core::fail(rows.error());
  return {};
}

core::Result<std::vector<ports::JobEvent>> SqliteJobStore::job_events(const std::string& job_id) {
  if (!is_uuid(job_id)) return core::fail(unknown_job(job_id));
  const std::string id = normalize_id(job_id);
  const std::string what = "reading the history of job " + id + " from " + where();
  std::lock_guard lock(mutex_);
  // One statement, so the job's existence and its events come from the same snapshot.
  auto rows = sqlite_query(db_.get(),
                           "SELECT e.status, e.at, e.note FROM jobs j LEFT JOIN job_events e ON e.job_id = j.id"
                           " WHERE j.id = ?1 ORDER BY e.id",
                           {id}, what);
  if (!rows) return core::fail(rows.error());
  if (rows->empty()) return core::fail(unknown_job(id));
  std::vector<ports::JobEvent> events;
  for (const auto& row : *rows) {
    if (!row[0]) continue;  // the job has no events (LEFT JOIN)
    auto status = read_status(row[0], what);
    if (!status) return core::fail(status.error());
    auto at = read_time(row[1], what);
    if (!at) return core::fail(at.error());
    events.push_back({*status, *at, text(row[2])});
  }
  return events;
}

core::Status SqliteJobStore::record_outputs(const std::string& job_id, const std::vector<ports::OutputFile>& files) {
  if (!is_uuid(job_id)) return core::fail(unknown_job(job_id));
  const std::string id = normalize_id(job_id);
  if (auto ok = validate_outputs(id, files); !ok) return ok;
  const std::string what = "recording the " + std::to_string(files.size()) + " output files of job " + id + " in " + where();
  std::lock_guard lock(mutex_);
  sqlite3* db = db_.get();
  auto tx = SqliteTransaction::begin(db, true, what);
  if (!tx) return core::fail(tx.error());
  auto rows = sqlite_query(db, "SELECT 1 FROM jobs WHERE id = ?1", {id}, what);
  if (!rows) return core::fail(rows.error());
  if (rows->empty()) return core::fail(unknown_job(id));
  if (auto ok = sqlite_exec(db, "DELETE FROM job_outputs WHERE job_id = ?1", {id}, what); !ok) return ok;
  for (const auto& f : files) {
    auto ok = sqlite_exec(db, "INSERT INTO job_outputs (job_id, path, bytes) VALUES (?1, ?2, ?3)",
                          {id, f.path, static_cast<std::int64_t>(f.bytes)}, what);
    if (!ok) return ok;
  }
  return tx->commit(what);
}

core::Result<std::vector<ports::OutputFile>> SqliteJobStore::job_outputs(const std::string& job_id) {
  if (!is_uuid(job_id)) return core::fail(unknown_job(job_id));
  const std::string id = normalize_id(job_id);
  const std::string what = "reading the output files of job " + id + " from " + where();
  std::lock_guard lock(mutex_);
  // One statement, so the job's existence and its files come from the same snapshot; paths
  // compare as bytes (SQLite's BINARY collation).
  auto rows = sqlite_query(db_.get(),
                           "SELECT o.path, o.bytes FROM jobs j LEFT JOIN job_outputs o ON o.job_id = j.id"
                           " WHERE j.id = ?1 ORDER BY o.path",
                           {id}, what);
  if (!rows) return core::fail(rows.error());
  if (rows->empty()) return core::fail(unknown_job(id));
  std::vector<ports::OutputFile> files;
  for (const auto& row : *rows) {
    if (!row[0]) continue;  // the job has no files (LEFT JOIN)
    auto bytes = read_count(row[1], what);
    if (!bytes) return core::fail(bytes.error());
    files.push_back({*row[0], *bytes});
  }
  return files;
}

}  // namespace ve::adapters::store
