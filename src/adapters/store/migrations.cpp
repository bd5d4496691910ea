// SPDX-License-Identifier: Apache-2.0
#include "adapters/store/migrations.hpp"

#include <array>

namespace ve::adapters::store {
namespace {

// SQLite keeps UUIDs and timestamps as text (RFC 3339, UTC, microseconds, fixed width, so text
// order is time order); PostgreSQL uses uuid and timestamptz.
constexpr std::string_view kV1Sqlite = R"sql(
CREATE TABLE videos (
  id TEXT PRIMARY KEY NOT NULL,
  resource_id TEXT NOT NULL,
  file_path TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE jobs (
  id TEXT PRIMARY KEY NOT NULL,
  output_bucket_path TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('STARTING', 'DOWNLOADING', 'FRAGMENTING', 'ENCODING',
                                         'UPLOADING', 'FINISHING', 'COMPLETED', 'FAILED')),
  video_id TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX jobs_video_id ON jobs (video_id);
CREATE INDEX jobs_created_at ON jobs (created_at);
CREATE INDEX jobs_status_created_at ON jobs (status, created_at);
CREATE TABLE job_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX job_events_job_id ON job_events (job_id, id);
)sql";

constexpr std::string_view kV1Postgres = R"sql(
CREATE TABLE videos (
  id uuid PRIMARY KEY,
  resource_id text NOT NULL,
  file_path text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE jobs (
  id uuid PRIMARY KEY,
  output_bucket_path text NOT NULL,
  status text NOT NULL CHECK (status IN ('STARTING', 'DOWNLOADING', 'FRAGMENTING', 'ENCODING',
                                         'UPLOADING', 'FINISHING', 'COMPLETED', 'FAILED')),
  video_id uuid NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  error text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX jobs_video_id ON jobs (video_id);
CREATE INDEX jobs_created_at ON jobs (created_at);
CREATE INDEX jobs_status_created_at ON jobs (status, created_at);
CREATE TABLE job_events (
  id bigserial PRIMARY KEY,
  job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  status text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX job_events_job_id ON job_events (job_id, id);
)sql";

// SQLite cannot alter a CHECK constraint: the jobs table is rebuilt (the documented way: foreign
// keys are off while migrating, see migrate() in sqlite_job_store.cpp, so job_events keep their rows
// and point at the new table once it has the old one's name).
constexpr std::string_view kV2Sqlite = R"sql(
CREATE TABLE jobs_v2 (
  id TEXT PRIMARY KEY NOT NULL,
  output_bucket_path TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('STARTING', 'DOWNLOADING', 'FRAGMENTING', 'ENCODING',
                                         'UPLOADING', 'FINISHING', 'COMPLETED', 'FAILED', 'ABANDONED')),
  video_id TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  message_key TEXT
);
INSERT INTO jobs_v2 (rowid, id, output_bucket_path, status, video_id, error, created_at, updated_at)
  SELECT rowid, id, output_bucket_path, status, video_id, error, created_at, updated_at FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v2 RENAME TO jobs;
CREATE INDEX jobs_video_id ON jobs (video_id);
CREATE INDEX jobs_created_at ON jobs (created_at);
CREATE INDEX jobs_status_created_at ON jobs (status, created_at);
CREATE INDEX jobs_message_key ON jobs (message_key) WHERE message_key IS NOT NULL;
)sql";

constexpr std::string_view kV2Postgres = R"sql(
ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
  CHECK (status IN ('STARTING', 'DOWNLOADING', 'FRAGMENTING', 'ENCODING',
                    'UPLOADING', 'FINISHING', 'COMPLETED', 'FAILED', 'ABANDONED'));
ALTER TABLE jobs ADD COLUMN message_key text;
CREATE INDEX jobs_message_key ON jobs (message_key) WHERE message_key IS NOT NULL;
)sql";

// Added columns only, all nullable: rows written before keep NULL (no progress, no note), and
// an older build reading this schema never names them.
constexpr std::string_view kV3Sqlite = R"sql(
ALTER TABLE jobs ADD COLUMN progress_percent REAL;
ALTER TABLE jobs ADD COLUMN frames_per_second REAL;
ALTER TABLE job_events ADD COLUMN note TEXT;
)sql";

constexpr std::string_view kV3Postgres = R"sql(
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS progress_percent double precision;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS frames_per_second double precision;
ALTER TABLE job_events ADD COLUMN IF NOT EXISTS note text;
)sql";

// A new table only: older builds never read it, and a job recorded before it has no output files.
// The PostgreSQL paths sort in byte order (COLLATE "C"), as SQLite's do, whatever the database's
// collation, so both list a job's files alike; the primary key serves that ordered read.
constexpr std::string_view kV4Sqlite = R"sql(
CREATE TABLE job_outputs (
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY (job_id, path)
);
)sql";

constexpr std::string_view kV4Postgres = R"sql(
CREATE TABLE job_outputs (
  job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  path text COLLATE "C" NOT NULL,
  bytes bigint NOT NULL,
  PRIMARY KEY (job_id, path)
);
)sql";

constexpr std::array<Migration, 4> kMigrations = {{
    {1, "videos, jobs and job_events", kV1Sqlite, kV1Postgres},
    {2, "ABANDONED jobs and message keys for redelivered messages", kV2Sqlite, kV2Postgres},
    {3, "ENCODING progress of jobs and notes (reasons, warnings) on job events", kV3Sqlite, kV3Postgres},
    {4, "output files of jobs with their sizes", kV4Sqlite, kV4Postgres},
}};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations.back().version; }

std::string missing_schema_message(const std::string& where, int current_version) {
  const std::string needed = std::to_string(latest_schema_version());
  if (current_version == 0) {
    return where + " has no video-encoder schema (no schema_migrations table) and AUTO_MIGRATE_DB is false; " +
           "set AUTO_MIGRATE_DB=true to create it";
  }
  return where + " has schema version " + std::to_string(current_version) + " but this build needs " + needed +
         " and AUTO_MIGRATE_DB is false; set AUTO_MIGRATE_DB=true to upgrade it";
}

}  // namespace ve::adapters::store
