// SPDX-License-Identifier: Apache-2.0
#include "adapters/store/postgres_job_store.hpp"

#include <libpq-fe.h>

#include "adapters/store/migrations.hpp"
#include "adapters/store/postgres_dsn.hpp"
#include "adapters/store/postgres_pool.hpp"
#include "core/time_format.hpp"
#include "adapters/store/store_records.hpp"

namespace ve::adapters::store {
namespace {

constexpr int kConnectTimeoutSeconds = 5;
constexpr long long kMigrationLockKey = 0x76652d736368656dLL;  // "ve-schem"

// Times travel as RFC 3339 text on the way in and as whole microseconds on the way out, both exact.
constexpr std::string_view kPostgresSelectJobs =
    "SELECT j.id::text, j.output_bucket_path, j.status, coalesce(j.error, ''),"
    " (extract(epoch FROM j.created_at) * 1000000)::bigint, (extract(epoch FROM j.updated_at) * 1000000)::bigint,"
    " v.id::text, v.resource_id, v.file_path, (extract(epoch FROM v.created_at) * 1000000)::bigint,"
    " coalesce(j.message_key, ''), j.progress_percent, coalesce(j.frames_per_second, 0)"
    " FROM jobs j JOIN videos v ON v.id = j.video_id";

constexpr std::string_view kNewestFirst = " ORDER BY j.created_at DESC, j.id DESC";

ports::TimePoint from_micros(const pqxx::field& field) {
  return ports::TimePoint(std::chrono::microseconds(field.as<long long>()));
}

core::Result<core::JobStatus> read_status(const pqxx::field& field, std::string_view what) {
  const auto status = core::parse_job_status(field.c_str());
  if (!status) return core::fail(core::Error::internal(std::string(what) + ": unknown status '" + field.c_str() + "'"));
  return *status;
}

core::Result<ports::JobRecord> to_record(const pqxx::row& row, std::string_view what) {
  ports::JobRecord job;
  job.id = row[0].c_str();
  job.output_bucket_path = row[1].c_str();
  auto status = read_status(row[2], std::string(what) + ", job " + job.id);
  if (!status) return core::fail(status.error());
  job.status = *status;
  job.error = row[3].c_str();
  job.created_at = from_micros(row[4]);
  job.updated_at = from_micros(row[5]);
  job.video.id = row[6].c_str();
  job.video.resource_id = row[7].c_str();
  job.video.file_path = row[8].c_str();
  job.video.created_at = from_micros(row[9]);
  job.message_key = row[10].c_str();
  if (!row[11].is_null()) job.progress_percent = row[11].as<double>();
  job.frames_per_second = row[12].as<double>();
  return job;
}

// A PostgreSQL array literal of `text(item)` for each item, every element quoted with '"' and '\'
// escaped: libpqxx 6 binds no arrays, and as one text parameter a job's thousands of files are
// stored in one round trip.
template <typename T, typename Text>
std::string array_literal(const std::vector<T>& items, Text text) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char c : text(item)) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

core::Result<std::vector<ports::JobRecord>> to_records(const pqxx::result& rows, std::string_view what) {
  std::vector<ports::JobRecord> jobs;
  jobs.reserve(rows.size());
  for (const auto& row : rows) {
    auto job = to_record(row, what);
    if (!job) return core::fail(job.error());
    jobs.push_back(std::move(*job));
  }
  return jobs;
}

// Applies missing migrations (when `migrate`) and returns the schema version. The advisory lock
// makes a second process starting at the same time wait, then find nothing left to do.
core::Result<int> prepare_schema(pqxx::work& tx, bool migrate, const std::string& where) {
  if (migrate) {
    tx.exec("SET LOCAL client_min_messages = warning");
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
    tx.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
  }
  if (tx.exec1("SELECT to_regclass('schema_migrations') IS NULL")[0].as<bool>()) return 0;
  int current = tx.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int>();
  if (!migrate) return current;
  for (const Migration& m : migrations()) {
    if (m.version <= current) continue;
    tx.exec(std::string(m.postgres));
    tx.exec_params("INSERT INTO schema_migrations (version) VALUES ($1)", m.version);
    spdlog::info("{}: applied migration {} ({})", where, m.version, m.description);
    current = m.version;
  }
  return current;
}

// Names the database for messages from the DSN's parts, so no password can slip in. A malformed
// DSN is a configuration mistake, not an outage: Internal, where connecting would say Transient.
core::Result<std::string> describe(const std::string& dsn) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &parse_error);
  if (!options) {
    std::string reason = parse_error ? parse_error : "out of memory";
    PQfreemem(parse_error);
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    return core::fail(core::Error::internal("the PostgreSQL DSN is malformed: " + scrub(reason, dsn_secrets(dsn)) +
                                            "; fix the DSN setting"));
  }
  std::string database, host, port, user;
  for (const PQconninfoOption* o = options; o->keyword; ++o) {
    const std::string_view keyword = o->keyword;
    const std::string value = o->val ? o->val : "";
    if (keyword == "dbname") database = value;
    if (keyword == "host" || (keyword == "hostaddr" && host.empty())) host = value;
    if (keyword == "port") port = value;
    if (keyword == "user") user = value;
  }
  PQconninfoFree(options);
  // libpq's default database is the user's name.
  const std::string name = !database.empty() ? database : !user.empty() ? user : "(default)";
  std::string where = "PostgreSQL database " + name;
  if (!host.empty()) where += " at " + host + (port.empty() ? "" : ":" + port);
  if (!user.empty()) where += " as " + user;
  return scrub(where, dsn_secrets(dsn));
}

}  // namespace

PostgresJobStore::PostgresJobStore(std::unique_ptr<PostgresPool> pool) : pool_(std::move(pool)) {}

PostgresJobStore::~PostgresJobStore() = default;

core::Result<std::unique_ptr<PostgresJobStore>> PostgresJobStore::open(const std::string& dsn, bool migrate) {
  auto where = describe(dsn);
  if (!where) return core::fail(where.error());
  auto pool = std::make_unique<PostgresPool>(with_connect_timeout(dsn, kConnectTimeoutSeconds), *where);
  auto version = pool->transact<int>(migrate ? "migrating the schema of " + *where : "checking the schema of " + *where,
                                     [&](pqxx::work& tx) { return prepare_schema(tx, migrate, *where); });
  if (!version) return core::fail(version.error());
  if (*version < latest_schema_version()) {
    return core::fail(core::Error::internal(missing_schema_message(*where, *version)));
  }
  if (*version > latest_schema_version()) {
    spdlog::warn("{} has schema version {}, newer than this build's {}", *where, *version, latest_schema_version());
  }
  return std::unique_ptr<PostgresJobStore>(new PostgresJobStore(std::move(pool)));
}

namespace {

// Inserts the video (unless recorded already) and the job with its first event, in `tx`.
core::Status insert_job(pqxx::work& tx, const ports::JobRecord& job) {
  const std::string id = normalize_id(job.id);
  const std::string video_id = normalize_id(job.video.id);
  const std::string created = core::format_rfc3339(stamp_or_now(job.created_at));
  const std::string video_created = core::format_rfc3339(stamp_or_now(job.video.created_at));
  if (!tx.exec_params("SELECT 1 FROM jobs WHERE id = $1", id).empty()) return core::fail(job_exists(id));
  // A video already recorded (a job retried under a new id) keeps its first description.
  tx.exec_params("INSERT INTO videos (id, resource_id, file_path, created_at) VALUES ($1, $2, $3, $4::timestamptz)"
                 " ON CONFLICT (id) DO NOTHING",
                 video_id, job.video.resource_id, job.video.file_path, video_created);
  tx.exec_params("INSERT INTO jobs (id, output_bucket_path, status, video_id, error, created_at, updated_at, message_key)"
                 " VALUES ($1, $2, 'STARTING', $3, NULL, $4::timestamptz, $4::timestamptz, NULLIF($5, ''))",
                 id, job.output_bucket_path, video_id, created, job.message_key);
  tx.exec_params("INSERT INTO job_events (job_id, status, at) VALUES ($1, 'STARTING', $2::timestamptz)", id, created);
  return {};
}

}  // namespace

core::Status PostgresJobStore::create_job(const ports::JobRecord& job) {
  if (auto ok = validate_new_job(job); !ok) return ok;
  return pool_->transact<void>("creating job " + normalize_id(job.id) + " in " + pool_->where(),
                               [&](pqxx::work& tx) { return insert_job(tx, job); });
}

core::Result<ports::RedeliveryClaim> PostgresJobStore::claim_redelivered(const ports::JobRecord& job,
                                                                        const std::string& abandon_reason) {
  using Claim = ports::RedeliveryClaim;
  if (auto ok = validate_new_job(job); !ok) return core::fail(ok.error());
  if (job.message_key.empty()) return core::fail(core::Error::internal("claim_redelivered needs a message key"));
  const std::string what =
      "claiming message " + job.message_key + " for job " + normalize_id(job.id) + " in " + pool_->where();
  return pool_->transact<Claim>(what, [&](pqxx::work& tx) -> core::Result<Claim> {
    // FOR UPDATE: a worker moving one of these jobs waits for us and then finds it ABANDONED, or
    // we wait for it and find it COMPLETED.
    const auto rows = tx.exec_params(std::string(kPostgresSelectJobs) +
                                         " WHERE j.message_key = $1 ORDER BY j.created_at, j.id FOR UPDATE OF j",
                                     job.message_key);
    Claim claim;
    std::vector<ports::JobRecord> unfinished;
    for (const auto& row : rows) {
      auto earlier = to_record(row, what);
      if (!earlier) return core::fail(earlier.error());
      if (earlier->status == core::JobStatus::Completed) {
        claim.completed = std::move(*earlier);
        return claim;  // nothing written: committing changes nothing
      }
      if (!core::is_final(earlier->status)) unfinished.push_back(std::move(*earlier));
    }
    for (const auto& earlier : unfinished) {
      const std::string at = core::format_rfc3339(next_event_time(earlier.updated_at));
      tx.exec_params("UPDATE jobs SET status = 'ABANDONED', error = $2, updated_at = $3::timestamptz WHERE id = $1",
                     earlier.id, abandon_reason, at);
      tx.exec_params("INSERT INTO job_events (job_id, status, at, note) VALUES ($1, 'ABANDONED', $2::timestamptz, $3)",
                     earlier.id, at, abandon_reason);
      claim.abandoned.push_back(earlier.id);
    }
    if (auto ok = insert_job(tx, job); !ok) return core::fail(ok.error());
    return claim;
  });
}

core::Status PostgresJobStore::record_status(const std::string& job_id, core::JobStatus status, const std::string& note) {
  if (!is_uuid(job_id)) return core::fail(unknown_job(job_id));
  const std::string id = normalize_id(job_id);
  const std::string what = std::string("recording status ") + core::to_string(status) + " of job " + id + " in " +
                           pool_->where();
  return pool_->transact<void>(what, [&](pqxx::work& tx) -> core::Status {
    // FOR UPDATE: concurrent changes to one job queue here, each checking the state the last left.
    const auto rows = tx.exec_params(
        "SELECT status, (extract(epoch FROM updated_at) * 1000000)::bigint FROM jobs WHERE id = $1 FOR UPDATE", id);
    if (rows.empty()) return core::fail(unknown_job(id));
    auto from = read_status(rows[0][0], what);
    if (!from) return core::fail(from.error());
    if (!core::can_transition(*from, status)) return core::fail(forbidden_transition(id, *from, status));

    const std::string at = core::format_rfc3339(next_event_time(from_micros(rows[0][1])));
    const bool has_error = status == core::JobStatus::Failed || status == core::JobStatus::Abandoned;
    const std::string& error_text = has_error ? note : std::string();
    tx.exec_params("UPDATE jobs SET status = $2, error = NULLIF($3, ''), updated_at = $4::timestamptz WHERE id = $1",
                   id, core::to_string(status), error_text, at);
    tx.exec_params("INSERT INTO job_events (job_id, status, at, note) VALUES ($1, $2, $3::timestamptz, NULLIF($4, ''))",
                   id, core::to_string(status), at, note);
    return {};
  });
}

core::Status PostgresJobStore::record_progress(const std::string& job_id, double percent, double frames_per_second) {
  if (!is_uuid(job_id)) return core::fail(unknown_job(job_id));
  const std::string id = normalize_id(job_id);
  const std::string what = "recording the progress of job " + id + " in " + pool_->where();
  return pool_->transact<void>(what, [&](pqxx::work& tx) -> core::Status {
    // One statement that changes the row only while it is ENCODING (a concurrent status change
    // holds the row lock, so this sees the status it committed).
    const auto updated = tx.exec_params(
        "UPDATE jobs SET progress_percent = $2, frames_per_second = $3 WHERE id = $1 AND status = 'ENCODING'", id,
        stored_percent(percent), stored_rate(frames_per_second));
    if (updated.affected_rows() > 0) return {};
    const auto rows = tx.exec_params("SELECT status FROM jobs WHERE id = $1", id);
    if (rows.empty()) return core::fail(unknown_job(id));
    return core::fail(not_encoding(id, rows[0][0].c_str()));
  });
}

core::Result<std::optional<ports::JobRecord>> PostgresJobStore::find_job(const std::string& job_id) {
  using Found = std::optional<ports::JobRecord>;
  if (!is_uuid(job_id)) return Found{};
  const std::string id = normalize_id(job_id);
  const std::string what = "reading job " + id + " from " + pool_->where();
  return pool_->transact<Found>(what, [&](pqxx::work& tx) -> core::Result<Found> {
    const auto rows = tx.exec_params(std::string(kPostgresSelectJobs) + " WHERE j.id = $1", id);
    if (rows.empty()) return Found{};
    auto job = to_record(rows[0], what);
    if (!job) return core::fail(job.error());
    return Found(std::move(*job));
  });
}

core::Result<std::vector<ports::JobRecord>> PostgresJobStore::list_jobs(const ports::JobQuery& query) {
  const std::string what = "listing jobs in " + pool_->where();
  if (!query.before_id.empty() && !is_uuid(query.before_id)) return std::vector<ports::JobRecord>{};
  return pool_->transact<std::vector<ports::JobRecord>>(what, [&](pqxx::work& tx) {
    // Absent filters are NULL parameters, so one statement serves every query.
    std::optional<std::string> status;
    if (query.status) status = core::to_string(*query.status);
    std::optional<std::string> before;
    if (!query.before_id.empty()) before = normalize_id(query.before_id);
    std::optional<long long> limit;
    if (query.limit > 0) limit = static_cast<long long>(query.limit);
    const auto rows = tx.exec_params(
        std::string(kPostgresSelectJobs) +
            " WHERE ($1::text IS NULL OR j.status = $1)"
            " AND ($2::uuid IS NULL OR (j.created_at, j.id) < (SELECT created_at, id FROM jobs WHERE id = $2::uuid))" +
            std::string(kNewestFirst) + " LIMIT $3",
        status, before, limit);
    return to_records(rows, what);
  });
}

core::Status PostgresJobStore::ping() {
  auto ok = pool_->transact<bool>("reaching " + pool_->where(), [](pqxx::work& tx) {
    tx.exec("SELECT 1");
    return true;
  });
  if (!ok) return core::fail(ok.error());
  return {};
}

core::Result<std::vector<ports::JobEvent>> PostgresJobStore::job_events(const std::string& job_id) {
  using Events = std::vector<ports::JobEvent>;
  if (!is_uuid(job_id)) return core::fail(unknown_job(job_id));
  const std::string id = normalize_id(job_id);
  const std::string what = "reading the history of job " + id + " from " + pool_->where();
  return pool_->transact<Events>(what, [&](pqxx::work& tx) -> core::Result<Events> {
    // One statement, so the job's existence and its events come from the same snapshot.
    const auto rows = tx.exec_params(
        "SELECT e.status, (extract(epoch FROM e.at) * 1000000)::bigint, coalesce(e.note, '')"
        " FROM jobs j LEFT JOIN job_events e ON e.job_id = j.id WHERE j.id = $1 ORDER BY e.id",
        id);
    if (rows.empty()) return core::fail(unknown_job(id));
    Events events;
    for (const auto& row : rows) {
      if (row[0].is_null()) continue;  // the job has no events (LEFT JOIN)
      auto status = read_status(row[0], what);
      if (!status) return core::fail(status.error());
      events.push_back({*status, from_micros(row[1]), row[2].c_str()});
    }
    return events;
  });
}

core::Status PostgresJobStore::record_outputs(const std::string& job_id, const std::vector<ports::OutputFile>& files) {
  if (!is_uuid(job_id)) return core::fail(unknown_job(job_id));
  const std::string id = normalize_id(job_id);
  if (auto ok = validate_outputs(id, files); !ok) return ok;
  const std::string what =
      "recording the " + std::to_string(files.size()) + " output files of job " + id + " in " + pool_->where();
  const std::string paths = array_literal(files, [](const ports::OutputFile& f) { return f.path; });
  const std::string sizes = array_literal(files, [](const ports::OutputFile& f) { return std::to_string(f.bytes); });
  return pool_->transact<void>(what, [&](pqxx::work& tx) -> core::Status {
    // FOR UPDATE: two replacements of one job's list queue here instead of mixing their rows.
    if (tx.exec_params("SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE", id).empty()) return core::fail(unknown_job(id));
    tx.exec_params("DELETE FROM job_outputs WHERE job_id = $1", id);
    tx.exec_params("INSERT INTO job_outputs (job_id, path, bytes)"
                   " SELECT $1, f.path, f.bytes FROM unnest($2::text[], $3::bigint[]) AS f (path, bytes)",
                   id, paths, sizes);
    return {};
  });
}

core::Result<std::vector<ports::OutputFile>> PostgresJobStore::job_outputs(const std::string& job_id) {
  using Files = std::vector<ports::OutputFile>;
  if (!is_uuid(job_id)) return core::fail(unknown_job(job_id));
  const std::string id = normalize_id(job_id);
  const std::string what = "reading the output files of job " + id + " from " + pool_->where();
  return pool_->transact<Files>(what, [&](pqxx::work& tx) -> core::Result<Files> {
    // One statement, so the job's existence and its files come from the same snapshot; paths sort
    // in byte order (the column's COLLATE "C").
    const auto rows = tx.exec_params(
        "SELECT o.path, o.bytes FROM jobs j LEFT JOIN job_outputs o ON o.job_id = j.id WHERE j.id = $1 ORDER BY o.path",
        id);
    if (rows.empty()) return core::fail(unknown_job(id));
    Files files;
    for (const auto& row : rows) {
      if (row[0].is_null()) continue;  // the job has no files (LEFT JOIN)
      files.push_back({row[0].c_str(), row[1].as<std::uint64_t>()});
    }
    return files;
  });
}

}  // namespace ve::adapters::store
