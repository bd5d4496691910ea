// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ve::core {

// Settings by name, as read from a .env file and the environment.
using Settings = std::map<std::string, std::string>;

enum class DatabaseType { Sqlite, Postgres };

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
};

// The service's configuration, with the seed system's variable names. Every field has a default
// that runs the whole service on one machine (SQLite, local folders, a local RabbitMQ).
struct Config {
  DatabaseType database = DatabaseType::Sqlite;  // DB_TYPE: sqlite3 | postgres
  std::string dsn;                               // DSN; for SQLite defaults to <localStoragePath>/video-encoder.db
  bool auto_migrate = true;                      // AUTO_MIGRATE_DB
  bool debug = false;                            // DEBUG
  std::filesystem::path local_storage_path = "/tmp/video-encoder";  // localStoragePath: job working folders
  std::string input_bucket = "videos-input";     // inputBucketName
  std::string output_bucket = "videos-output";   // outputBucketName
  std::filesystem::path storage_root = "./storage";  // STORAGE_ROOT: bucket B is the folder <root>/B
  int workers = 1;                               // CONCURRENCY_WORKERS
  int upload_concurrency = 4;                    // CONCURRENCY_UPLOAD
  double segment_duration_seconds = 4.0;         // SEGMENT_DURATION
  AmqpSettings amqp;
};

// Parses a .env file: KEY=VALUE lines, '#' comments, optional `export `, values optionally in
// single or double quotes. InvalidInput naming the line for anything else.
Result<Settings> parse_dotenv(std::string_view text);

// Builds the configuration; a wrong value fails with a message naming the variable.
Result<Config> load_config(const Settings& settings);

// The settings with secrets (passwords, DSN credentials) masked, for logging.
std::string describe(const Config& config);

}  // namespace ve::core
