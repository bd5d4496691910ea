// SPDX-License-Identifier: Apache-2.0
#include "core/config.hpp"

#include <gtest/gtest.h>

namespace ve::core {
namespace {

TEST(Dotenv, ParsesTheUsualForms) {
  auto s = parse_dotenv("# comment\nDB_TYPE=postgres\nexport DSN=\"postgresql://u:p@h/db\"\n\nDEBUG = true # note\n"
                        "RABBITMQ_DEFAULT_PASS='se#cret'\r\n");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->at("DB_TYPE"), "postgres");
  EXPECT_EQ(s->at("DSN"), "postgresql://u:p@h/db");
  EXPECT_EQ(s->at("DEBUG"), "true");
  EXPECT_EQ(s->at("RABBITMQ_DEFAULT_PASS"), "se#cret");
}

TEST(Dotenv, NamesTheBadLine) {
  auto s = parse_dotenv("A=1\nthis is not a setting\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, ".env line 2: expected KEY=VALUE");
}

TEST(Config, DefaultsRunEverythingLocally) {
  auto c = load_config({});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->database, DatabaseType::Sqlite);
  EXPECT_EQ(c->dsn, (c->local_storage_path / "video-encoder.db").string());
  EXPECT_EQ(c->amqp.queue, "videos");
  EXPECT_EQ(c->amqp.notification_exchange, "amq.direct");
  EXPECT_EQ(c->amqp.routing_key, "jobs");
  EXPECT_EQ(c->amqp.dead_letter_exchange, "dlx");
  EXPECT_EQ(c->workers, 1);
  EXPECT_EQ(c->amqp.prefetch, 1);
}

TEST(Config, ReadsTheSeedVariables) {
  auto c = load_config({{"DB_TYPE", "postgres"},
                        {"DSN", "postgresql://u:secret@127.0.0.1:5433/db"},
                        {"CONCURRENCY_WORKERS", "3"},
                        {"CONCURRENCY_UPLOAD", "8"},
                        {"localStoragePath", "/var/tmp/ve"},
                        {"inputBucketName", "in"},
                        {"outputBucketName", "out"},
                        {"RABBITMQ_DEFAULT_PORT", "5673"},
                        {"AUTO_MIGRATE_DB", "false"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->database, DatabaseType::Postgres);
  EXPECT_EQ(c->workers, 3);
  EXPECT_EQ(c->amqp.prefetch, 3);
  EXPECT_EQ(c->upload_concurrency, 8);
  EXPECT_EQ(c->amqp.port, 5673);
  EXPECT_FALSE(c->auto_migrate);
  EXPECT_EQ(c->local_storage_path, "/var/tmp/ve");
  const std::string text = describe(*c);
  EXPECT_EQ(text.find("secret"), std::string::npos) << text;
  EXPECT_NE(text.find("postgresql://u:***@127.0.0.1:5433/db"), std::string::npos) << text;
}

TEST(Config, WrongValuesNameTheVariable) {
  auto message = [](Settings s) {
    auto c = load_config(s);
    return c ? std::string("ok") : c.error().message;
  };
  EXPECT_NE(message({{"CONCURRENCY_WORKERS", "zero"}}).find("CONCURRENCY_WORKERS"), std::string::npos);
  EXPECT_NE(message({{"CONCURRENCY_UPLOAD", "0"}}).find("CONCURRENCY_UPLOAD"), std::string::npos);
  EXPECT_NE(message({{"DB_TYPE", "mysql"}}).find("DB_TYPE"), std::string::npos);
  EXPECT_NE(message({{"DB_TYPE", "postgres"}}).find("DSN"), std::string::npos);
  EXPECT_NE(message({{"AUTO_MIGRATE_DB", "maybe"}}).find("AUTO_MIGRATE_DB"), std::string::npos);
  EXPECT_NE(message({{"RABBITMQ_DEFAULT_PORT", "70000"}}).find("RABBITMQ_DEFAULT_PORT"), std::string::npos);
  EXPECT_NE(message({{"outputBucketName", "../up"}}).find("outputBucketName"), std::string::npos);
}

TEST(Config, DescribeMasksKeyValueDsnPasswords) {
  auto c = load_config({{"DB_TYPE", "postgres"}, {"DSN", "host=h user=u password=hunter2 dbname=d"}});
  ASSERT_TRUE(c);
  EXPECT_EQ(describe(*c).find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace ve::core

namespace ve::core {
namespace {

TEST(Config, StorageSettingsAndBucketLocations) {
  auto c = load_config({{"STORAGE_BACKEND", "s3"},
                        {"inputBucketName", "gs://in-bucket/uploads"},
                        {"outputBucketName", "out-bucket"},
                        {"S3_ENDPOINT", "http://127.0.0.1:9000"},
                        {"S3_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                        {"S3_SECRET_ACCESS_KEY", "wJalrXUtnFEMI"},
                        {"S3_FORCE_PATH_STYLE", "true"},
                        {"STORAGE_PUBLIC_READ", "true"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->storage.backend, StorageBackend::S3);
  EXPECT_TRUE(c->storage.s3_force_path_style);
  EXPECT_TRUE(c->storage.public_read);
  EXPECT_EQ(c->input_bucket, "gs://in-bucket/uploads");
  const std::string text = describe(*c);
  EXPECT_EQ(text.find("wJalrXUtnFEMI"), std::string::npos) << text;
  EXPECT_NE(text.find("AKIDEXAMPLE"), std::string::npos);
}

TEST(Config, WrongStorageValuesNameTheVariable) {
  auto message = [](Settings s) {
    auto c = load_config(s);
    return c ? std::string("ok") : c.error().message;
  };
  EXPECT_NE(message({{"STORAGE_BACKEND", "azure"}}).find("STORAGE_BACKEND"), std::string::npos);
  EXPECT_NE(message({{"S3_ENDPOINT", "127.0.0.1:9000"}}).find("S3_ENDPOINT"), std::string::npos);
  EXPECT_NE(message({{"inputBucketName", "s3://Bad_Bucket"}}).find("inputBucketName"), std::string::npos);
  EXPECT_NE(message({{"outputBucketName", "ftp://x"}}).find("outputBucketName"), std::string::npos);
  EXPECT_NE(message({{"S3_FORCE_PATH_STYLE", "sometimes"}}).find("S3_FORCE_PATH_STYLE"), std::string::npos);
}

}  // namespace
}  // namespace ve::core
