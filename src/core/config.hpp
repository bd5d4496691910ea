// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/http_address.hpp"
#include "core/ladder.hpp"
#include "core/output_formats.hpp"
#include "core/storage_location.hpp"

namespace ve::core {

// Settings by name, as read from a .env file and the environment.
using Settings = std::map<std::string, std::string>;

enum class DatabaseType { Sqlite, Postgres };

// TLS to the broker (amqps://). Off by default; when on, the broker's certificate and host name
// are verified unless `verify` is false.
struct AmqpTlsSettings {
  bool enabled = false;   // RABBITMQ_TLS; amqps:// in RABBITMQ_URL turns it on
  std::string ca_file;    // RABBITMQ_TLS_CA_FILE: PEM CA bundle; empty: the system's trust store
  bool verify = true;     // RABBITMQ_TLS_VERIFY: check the certificate chain and the host name
  std::string cert_file;  // RABBITMQ_TLS_CERT_FILE: client certificate (PEM), with key_file
  std::string key_file;   // RABBITMQ_TLS_KEY_FILE: its private key (PEM, not encrypted)
};

struct AmqpSettings {
  std::string user = "guest";
  std::string password = "guest";
  std::string host = "127.0.0.1";
  int port = 5672;
  std::string vhost = "/";
  std::string consumer_name = "video-encoder";
  std::string queue = "videos";                       // RABBITMQ_CONSUMER_QUEUE_NAME
  std::string notification_exchange = "amq.direct";  // RABBITMQ_NOTIFICATION_EX
  std::string routing_key = "jobs";                  // RABBITMQ_NOTIFICATION_ROUTING_KEY
  std::string dead_letter_exchange = "dlx";          // RABBITMQ_DLX
  std::string failed_queue = "videos-failed";        // bound to the dead-letter exchange
  std::string result_queue = "videos-result";        // bound to the notification exchange
  int prefetch = 1;                                  // set to the worker count
  AmqpTlsSettings tls;
};


struct StorageSettings {
  StorageBackend backend = StorageBackend::Local;  // STORAGE_BACKEND: local | s3 | gcs (for plain bucket names)
  std::string s3_endpoint;                          // S3_ENDPOINT; default https://s3.<region>.amazonaws.com
  std::string s3_region = "us-east-1";              // S3_REGION
  std::string s3_access_key_id;                     // S3_ACCESS_KEY_ID
  std::string s3_secret_access_key;                 // S3_SECRET_ACCESS_KEY
  bool s3_force_path_style = false;                 // S3_FORCE_PATH_STYLE (MinIO and most S3-compatible servers)
  std::filesystem::path google_credentials;        // GOOGLE_APPLICATION_CREDENTIALS: service-account JSON key
  std::string gcs_endpoint;                         // GCS_ENDPOINT; default https://storage.googleapis.com
  bool public_read = false;                         // STORAGE_PUBLIC_READ: uploaded objects readable by anyone
};

// The service's configuration, with the seed system's variable names. Every field has a default
// that runs the whole service on one machine (SQLite, local folders, a local RabbitMQ).
struct Config {
  DatabaseType database = DatabaseType::Sqlite;  // DB_TYPE: sqlite3 | postgres
  std::string dsn;                               // DSN; for SQLite defaults to <localStoragePath>/video-encoder.db
  bool auto_migrate = true;                      // AUTO_MIGRATE_DB
  bool debug = false;                            // DEBUG
  std::filesystem::path local_storage_path = "/tmp/video-encoder";  // localStoragePath: job working folders
  int local_storage_min_free_mb = 256;           // LOCAL_STORAGE_MIN_FREE_MB: kept free there; a job needs 2x its input on top
  std::string input_bucket = "videos-input";     // inputBucketName: a name, s3://bucket/prefix or gs://bucket/prefix
  std::string output_bucket = "videos-output";   // outputBucketName: likewise
  std::filesystem::path storage_root = "./storage";  // STORAGE_ROOT: bucket B is the folder <root>/B
  int workers = 1;                               // CONCURRENCY_WORKERS
  int upload_concurrency = 4;                    // CONCURRENCY_UPLOAD
  double segment_duration_seconds = 4.0;         // SEGMENT_DURATION
  OutputFormats output_formats;                  // OUTPUT_FORMATS: dash,hls (default) | dash | hls
  RenditionsSetting renditions;                  // RENDITIONS: auto (default) | source | 1080p:5000k,...
  std::string x264_preset = "veryfast";          // X264_PRESET
  int64_t audio_bitrate = 128000;                // AUDIO_BITRATE: 128k
  int shutdown_grace_seconds = 60;               // SHUTDOWN_GRACE_SECONDS: jobs in progress may finish this long after SIGTERM
  int stuck_job_seconds = 1800;                  // STUCK_JOB_SECONDS: /healthz fails when a job shows no progress this long; 0: never
  // HTTP_ADDR: probes, metrics, the job API and the console; empty disables the server.
  std::optional<HttpAddress> http_address = HttpAddress{"127.0.0.1", 8080};
  // HTTP_TOKEN: required for the API, the console and /outputs when set, and to listen on anything
  // but a loopback address. At least 16 characters.
  std::string http_token;
  AmqpSettings amqp;
  StorageSettings storage;
};

// Parses a .env file: KEY=VALUE lines, '#' comments, optional `export `, values optionally in
// single or double quotes. InvalidInput naming the line for anything else.
Result<Settings> parse_dotenv(std::string_view text);

// Builds the configuration; a wrong value fails with a message naming the variable.
Result<Config> load_config(const Settings& settings);

// The settings with secrets (passwords, DSN credentials) masked, for logging.
std::string describe(const Config& config);

}  // namespace ve::core
