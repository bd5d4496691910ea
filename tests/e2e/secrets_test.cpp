// SPDX-License-Identifier: Apache-2.0
// Secrets never leave the process: `video-encoder serve` with DEBUG=true against a private
// PostgreSQL (a role with its own password), RabbitMQ (a user with its own password), the S3 test
// server (its secret key) and the fake GCS endpoint (a service-account private key), through good
// and bad jobs, a wrong S3 secret, wrong PostgreSQL and RabbitMQ passwords at start-up and
// `video-encoder jobs`. Every log, notification, job error and CLI output is searched for each
// secret; each is also checked to hold what it should (the configuration line, the error), so an
// empty log cannot pass.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include "adapters/blob/s3_blob_store.hpp"
#include "core/text_encoding.hpp"
#include "fake_gcs_server.hpp"
#include "support/postgres_fixture.hpp"
#include "support/rabbitmq_fixture.hpp"
#include "support/s3_fixture.hpp"
#include "support/service_process.hpp"
#include "support/test_support.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ve::testing::CommandResult;
using ve::testing::ServiceProcess;
using ve::testing::TempDir;

// Distinctive, and with characters a URI must percent-encode.
constexpr const char* kPgUser = "ve_secret_user";
constexpr const char* kPgDatabase = "ve_secret_db";
constexpr const char* kPgPassword = "pg-Wombat!Kiwi@9/Quokka";
constexpr const char* kWrongPgPassword = "wrong-PG-Axolotl#pw";
constexpr const char* kAmqpUser = "ve-secret-user";
constexpr const char* kAmqpPassword = "amqp-Platypus#Echidna$42";
constexpr const char* kWrongAmqpPassword = "wrong-AMQP-Pangolin-pw";
constexpr const char* kWrongS3Secret = "wrong-S3-Narwhal-secret-77";

// Texts that left the process, by where they came from.
using Outputs = std::map<std::string, std::string>;

// Each secret as written and percent-encoded.
std::vector<std::string> forms(const std::vector<std::string>& secrets) {
  std::vector<std::string> all;
  for (const auto& s : secrets) {
    all.push_back(s);
    if (const auto encoded = ve::core::percent_encode(s); encoded != s) all.push_back(encoded);
  }
  return all;
}

// The base64 lines of the test service account's private key.
std::vector<std::string> private_key_lines() {
  std::vector<std::string> lines;
  std::istringstream pem(ve::testing::read_text(ve::testing::gcs_test_data("test_key.pem")));
  for (std::string line; std::getline(pem, line);) {
    if (line.size() >= 16 && line.find("-----") == std::string::npos) lines.push_back(line);
  }
  return lines;
}

void expect_no_secret(const Outputs& outputs, const std::vector<std::string>& secrets) {
  ASSERT_FALSE(outputs.empty());
  for (const auto& [where, text] : outputs) {
    for (const auto& secret : secrets) {
      EXPECT_EQ(text.find(secret), std::string::npos) << "secret '" << secret << "' leaked in " << where << ":\n"
                                                       << text.substr(0, 20000);
    }
  }
}

std::string pg_dsn(const ve::testing::PostgresCluster& pg, const std::string& password) {
  return std::string("postgresql://") + kPgUser + ":" + ve::core::percent_encode(password) + "@127.0.0.1:" +
         std::to_string(pg.port()) + "/" + kPgDatabase;
}

// A role of its own with a password, owning a database: the service must log in with them.
void create_pg_role(ve::testing::PostgresCluster& pg) {
  auto r = pg.psql("video_encoder", std::string("CREATE ROLE ") + kPgUser + " LOGIN PASSWORD '" + kPgPassword + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = pg.psql("video_encoder", std::string("CREATE DATABASE ") + kPgDatabase + " OWNER " + kPgUser);
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

CommandResult cli(const fs::path& cwd, const std::map<std::string, std::string>& env, const std::string& args) {
  std::string line = "cd " + ve::testing::quote(cwd.string()) + " && env";
  for (const auto& [k, v] : env) line += " " + k + "=" + ve::testing::quote(v);
  return ve::testing::run(line + " " + ve::testing::quote(VE_BINARY) + " " + args);
}

void wait_for_queue(ve::testing::BrokerProbe& probe, ServiceProcess& service) {
  const auto started = std::chrono::steady_clock::now();
  while (!probe.message_count("videos") && std::chrono::steady_clock::now() - started < 60s) {
    ASSERT_TRUE(service.running()) << service.log();
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(probe.message_count("videos")) << "the service did not declare its queue\n" << service.log();
}

// Collects `count` notifications from videos-result (and the dead-lettered copies) into outputs.
void collect(ve::testing::BrokerProbe& probe, ServiceProcess& service, size_t count, const std::string& label,
             Outputs& outputs, std::vector<nlohmann::json>& notifications) {
  for (size_t i = 0; i < count; ++i) {
    auto m = probe.wait_get("videos-result", 120s);
    ASSERT_TRUE(m) << "notification " << i + 1 << " of " << count << " missing\n" << service.log();
    outputs[label + " notification " + std::to_string(i + 1)] = m->body;
    notifications.push_back(nlohmann::json::parse(m->body));
  }
}

TEST(Secrets, NeverInLogsNotificationsJobErrorsOrCliOutput) {
  TempDir root;
  ve::testing::PostgresCluster pg;
  create_pg_role(pg);
  auto broker = ve::testing::RabbitMqNode::start_new();
  broker->add_user(kAmqpUser, kAmqpPassword);
  ve::testing::S3Server s3_server({"in-bucket"});
  const auto s3 = s3_server.settings();
  ve::adapters::blob::S3BlobStore uploader(s3);
  const auto media = root / "media";
  fs::create_directories(media);
  fs::copy_file(ve::testing::shared_media("bento4-video-h264-001.mp4"), media / "good.mp4");
  ve::testing::write_bytes(media / "corrupt.mp4", "this is not a video");
  for (const char* name : {"good.mp4", "corrupt.mp4"}) {
    ASSERT_TRUE(uploader.upload(media / name, "in-bucket", std::string("uploads/") + name));
  }
  fs::create_directories(root / "gcs");
  ve::testing::FakeGcs gcs(root / "gcs");

  const std::string dsn = pg_dsn(pg, kPgPassword);
  std::map<std::string, std::string> env = {{"DEBUG", "true"},
                                            {"DB_TYPE", "postgres"},
                                            {"DSN", dsn},
                                            {"AUTO_MIGRATE_DB", "true"},
                                            {"localStoragePath", (root / "work").string()},
                                            {"STORAGE_ROOT", (root / "storage").string()},
                                            {"inputBucketName", "s3://in-bucket/uploads"},
                                            {"outputBucketName", "gs://out-bucket/dash"},
                                            {"GCS_ENDPOINT", gcs.endpoint()},
                                            {"GOOGLE_APPLICATION_CREDENTIALS", gcs.key_file().string()},
                                            {"CONCURRENCY_WORKERS", "2"},
                                            {"RABBITMQ_DEFAULT_HOST", "127.0.0.1"},
                                            {"RABBITMQ_DEFAULT_PORT", std::to_string(broker->port())},
                                            {"RABBITMQ_DEFAULT_USER", kAmqpUser},
                                            {"RABBITMQ_DEFAULT_PASS", kAmqpPassword}};
  env.merge(ve::testing::s3_service_env(s3));
  Outputs outputs;
  std::vector<nlohmann::json> notifications;
  ve::testing::BrokerProbe probe(broker->settings());
  {
    ServiceProcess service(VE_BINARY, {"serve"}, env, root.path(), root / "serve.log");
    wait_for_queue(probe, service);
    probe.publish("", "videos", R"({"resource_id": "good", "file_path": "good.mp4"})");
    probe.publish("", "videos", R"({"resource_id": "missing", "file_path": "missing.mp4"})");
    probe.publish("", "videos", R"({"resource_id": "corrupt", "file_path": "corrupt.mp4"})");
    probe.publish("", "videos", "not json");
    collect(probe, service, 4, "serve", outputs, notifications);
    EXPECT_EQ(service.stop(), 0) << service.log();
    outputs["serve log"] = service.log();
  }
  // The run did what it should, so the logs are worth searching.
  const std::string& log = outputs["serve log"];
  EXPECT_NE(log.find("DSN=postgresql://" + std::string(kPgUser) + ":***@127.0.0.1"), std::string::npos) << log;
  EXPECT_NE(log.find(std::string(kAmqpUser) + ":***@127.0.0.1:" + std::to_string(broker->port())), std::string::npos)
      << log;
  EXPECT_NE(log.find("S3_SECRET_ACCESS_KEY=***"), std::string::npos) << log;
  EXPECT_NE(log.find("GOOGLE_APPLICATION_CREDENTIALS=" + gcs.key_file().string()), std::string::npos) << log;
  EXPECT_NE(log.find("[debug]"), std::string::npos) << "DEBUG=true printed no debug line\n" << log;
  EXPECT_NE(log.find("input not found: in-bucket/uploads/missing.mp4"), std::string::npos) << log;
  size_t completed = 0;
  for (const auto& n : notifications) {
    if (n.contains("job_id")) {
      ++completed;
      EXPECT_EQ(n["status"], "COMPLETED") << n.dump();
      const std::string folder = n["video"]["encoded_video_folder"];
      EXPECT_TRUE(gcs.object("out-bucket", "dash/" + folder + "/manifest.mpd")) << "nothing uploaded to GCS";
    }
  }
  EXPECT_EQ(completed, 1u);

  // The service logged in as the role (it owns the tables it created), and the job errors.
  auto owner = pg.psql(kPgDatabase, "SELECT tableowner FROM pg_tables WHERE tablename = 'jobs'");
  EXPECT_EQ(owner.exit_code, 0) << owner.output;
  EXPECT_NE(owner.output.find(kPgUser), std::string::npos) << owner.output;
  auto errors = pg.psql(kPgDatabase, "SELECT id, status, coalesce(error, '') FROM jobs");
  ASSERT_EQ(errors.exit_code, 0) << errors.output;
  EXPECT_NE(errors.output.find("not a valid MP4"), std::string::npos) << errors.output;
  outputs["job rows"] = errors.output;

  // The CLI with the DSN.
  const std::map<std::string, std::string> cli_env = {{"DEBUG", "true"}, {"DB_TYPE", "postgres"}, {"DSN", dsn}};
  auto jobs = cli(root.path(), cli_env, "jobs");
  EXPECT_EQ(jobs.exit_code, 0) << jobs.output;
  EXPECT_NE(jobs.output.find("COMPLETED"), std::string::npos) << jobs.output;
  outputs["jobs"] = jobs.output;
  jobs = cli(root.path(), cli_env, "jobs --status FAILED");
  EXPECT_NE(jobs.output.find("input not found"), std::string::npos) << jobs.output;
  outputs["jobs --status FAILED"] = jobs.output;
  auto refused = cli(root.path(), {{"DEBUG", "true"}, {"DB_TYPE", "postgres"}, {"DSN", pg_dsn(pg, kWrongPgPassword)}},
                     "jobs");
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_NE(refused.output.find("password authentication failed"), std::string::npos) << refused.output;
  outputs["jobs with a wrong password"] = refused.output;

  // A second run with a wrong S3 secret: the job fails saying the credentials were rejected.
  env["S3_SECRET_ACCESS_KEY"] = kWrongS3Secret;
  {
    ServiceProcess service(VE_BINARY, {"serve"}, env, root.path(), root / "serve-wrong-s3.log");
    wait_for_queue(probe, service);
    probe.publish("", "videos", R"({"resource_id": "wrong-s3", "file_path": "good.mp4"})");
    std::vector<nlohmann::json> wrong_s3;
    collect(probe, service, 1, "wrong S3 secret", outputs, wrong_s3);
    ASSERT_EQ(wrong_s3.size(), 1u);
    EXPECT_NE(wrong_s3[0].value("error", "").find("S3 credentials were rejected"), std::string::npos)
        << wrong_s3[0].dump();
    EXPECT_NE(wrong_s3[0].value("error", "").find(s3.access_key_id), std::string::npos) << wrong_s3[0].dump();
    EXPECT_EQ(service.stop(), 0) << service.log();
    outputs["serve log, wrong S3 secret"] = service.log();
  }
  for (auto m = probe.get("videos-failed"); m; m = probe.get("videos-failed")) outputs["dead letter " + m->body] = m->body;
  errors = pg.psql(kPgDatabase, "SELECT id, status, coalesce(error, '') FROM jobs");
  EXPECT_NE(errors.output.find("S3 credentials were rejected"), std::string::npos) << errors.output;
  outputs["job rows after the wrong S3 secret"] = errors.output;

  std::vector<std::string> secrets =
      forms({kPgPassword, kWrongPgPassword, kAmqpPassword, s3.secret_access_key, kWrongS3Secret});
  for (const auto& line : private_key_lines()) secrets.push_back(line);
  secrets.push_back("ya29.fake-");  // the access tokens the fake GCS hands out
  expect_no_secret(outputs, secrets);
}

TEST(Secrets, WrongPostgresPasswordStopsStartUpWithAClearMessageAndNoPassword) {
  TempDir root;
  ve::testing::PostgresCluster pg;
  create_pg_role(pg);
  const std::string key_value_dsn = "host=127.0.0.1 port=" + std::to_string(pg.port()) + " user=" + kPgUser +
                                    " password='" + kWrongPgPassword + "' dbname=" + kPgDatabase;
  Outputs outputs;
  for (const std::string& dsn : {pg_dsn(pg, kWrongPgPassword), key_value_dsn}) {
    SCOPED_TRACE(dsn.substr(0, 12));
    const auto log = root / ("serve-" + std::to_string(outputs.size()) + ".log");
    ServiceProcess service(VE_BINARY, {"serve"},
                           {{"DEBUG", "true"},
                            {"DB_TYPE", "postgres"},
                            {"DSN", dsn},
                            {"localStoragePath", (root / "work").string()},
                            {"RABBITMQ_DEFAULT_PORT", std::to_string(ve::testing::free_local_port())}},
                           root.path(), log);
    const int code = service.wait_exit(60s);
    const std::string text = service.log();
    EXPECT_NE(code, -2) << "still running with a wrong database password\n" << text;
    EXPECT_NE(code, 0) << text;
    EXPECT_NE(text.find("password authentication failed for user \"" + std::string(kPgUser) + "\""), std::string::npos)
        << text;
    EXPECT_NE(text.find("DSN="), std::string::npos) << "no configuration line\n" << text;
    outputs["serve log " + dsn.substr(0, 12)] = text;
  }
  expect_no_secret(outputs, forms({kWrongPgPassword, kPgPassword}));
}

TEST(Secrets, WrongRabbitMqPasswordStopsStartUpWithAClearMessageAndNoPassword) {
  TempDir root;
  auto broker = ve::testing::RabbitMqNode::start_new();
  broker->add_user(kAmqpUser, kAmqpPassword);
  ServiceProcess service(VE_BINARY, {"serve"},
                         {{"DEBUG", "true"},
                          {"DB_TYPE", "sqlite3"},
                          {"DSN", (root / "work/video-encoder.db").string()},
                          {"AUTO_MIGRATE_DB", "true"},
                          {"localStoragePath", (root / "work").string()},
                          {"RABBITMQ_DEFAULT_HOST", "127.0.0.1"},
                          {"RABBITMQ_DEFAULT_PORT", std::to_string(broker->port())},
                          {"RABBITMQ_DEFAULT_USER", kAmqpUser},
                          {"RABBITMQ_DEFAULT_PASS", kWrongAmqpPassword}},
                         root.path(), root / "serve.log");
  const int code = service.wait_exit(60s);
  const std::string text = service.log();
  EXPECT_NE(code, -2) << "still running with a wrong broker password\n" << text;
  EXPECT_NE(code, 0) << text;
  EXPECT_NE(text.find("logging in to RabbitMQ at 127.0.0.1:" + std::to_string(broker->port())), std::string::npos)
      << text;
  EXPECT_NE(text.find("ACCESS_REFUSED"), std::string::npos) << text;
  EXPECT_NE(text.find(std::string(kAmqpUser) + ":***@127.0.0.1:" + std::to_string(broker->port())), std::string::npos)
      << "no configuration line\n" << text;
  expect_no_secret({{"serve log", text}}, forms({kWrongAmqpPassword, kAmqpPassword}));
}

}  // namespace
