// SPDX-License-Identifier: Apache-2.0
#include "core/config.hpp"
#include "core/amqp_uri.hpp"

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

TEST(Config, OutputFormatsDefaultToBothAndNameTheVariableWhenWrong) {
  auto c = load_config({});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->output_formats, (OutputFormats{true, true}));
  c = load_config({{"OUTPUT_FORMATS", "hls"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->output_formats, (OutputFormats{false, true}));
  c = load_config({{"OUTPUT_FORMATS", "dash,smooth"}});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("OUTPUT_FORMATS"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("smooth"), std::string::npos) << c.error().message;
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

TEST(Config, StuckJobSeconds) {
  EXPECT_EQ(load_config({})->stuck_job_seconds, 1800);
  EXPECT_EQ(load_config({{"STUCK_JOB_SECONDS", "0"}})->stuck_job_seconds, 0);  // the check is off
  EXPECT_EQ(load_config({{"STUCK_JOB_SECONDS", "90"}})->stuck_job_seconds, 90);
  for (const char* bad : {"-1", "soon", "700000"}) {
    auto c = load_config({{"STUCK_JOB_SECONDS", bad}});
    ASSERT_FALSE(c) << bad;
    EXPECT_NE(c.error().message.find("STUCK_JOB_SECONDS"), std::string::npos) << c.error().message;
  }
}

TEST(Config, LocalStorageMinFreeMb) {
  EXPECT_EQ(load_config({})->local_storage_min_free_mb, 256);
  EXPECT_EQ(load_config({{"LOCAL_STORAGE_MIN_FREE_MB", "0"}})->local_storage_min_free_mb, 0);
  EXPECT_EQ(load_config({{"LOCAL_STORAGE_MIN_FREE_MB", "1073741824"}})->local_storage_min_free_mb, 1 << 30);
  for (const char* bad : {"-1", "1073741825", "1GB", "2.5"}) {
    auto c = load_config({{"LOCAL_STORAGE_MIN_FREE_MB", bad}});
    ASSERT_FALSE(c) << bad;
    EXPECT_EQ(c.error().message, std::string("configuration: LOCAL_STORAGE_MIN_FREE_MB must be a whole number from 0 to "
                                             "1073741824, not '") + bad + "'");
  }
  EXPECT_NE(describe(*load_config({})).find("LOCAL_STORAGE_MIN_FREE_MB=256"), std::string::npos);
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

namespace ve::core {
namespace {

TEST(AmqpUri, ReadsEveryPart) {
  auto u = parse_amqp_uri("amqps://video%40enc:p%3Ass%2Fw0rd@broker.example.com:5999/prod%2Fjobs");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->user, "video@enc");
  EXPECT_EQ(u->password, "p:ss/w0rd");
  EXPECT_EQ(u->host, "broker.example.com");
  EXPECT_EQ(u->port, 5999);
  EXPECT_EQ(u->vhost, "prod/jobs");
}

TEST(AmqpUri, LeftOutPartsTakeTheDefaults) {
  auto plain = parse_amqp_uri("amqp://127.0.0.1");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->port, 5672);
  EXPECT_EQ(plain->user, "guest");
  EXPECT_EQ(plain->password, "guest");
  EXPECT_EQ(plain->vhost, "/");
  auto tls = parse_amqp_uri("AMQPS://bob@rabbit/");
  ASSERT_TRUE(tls) << tls.error().message;
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->port, 5671);
  EXPECT_EQ(tls->user, "bob");
  EXPECT_EQ(tls->vhost, "/");
  auto empty_port = parse_amqp_uri("amqps://rabbit:/%2f");
  ASSERT_TRUE(empty_port) << empty_port.error().message;
  EXPECT_EQ(empty_port->port, 5671);
  EXPECT_EQ(empty_port->vhost, "/");
}

TEST(AmqpUri, Ipv6AndAnUnescapedAtInThePassword) {
  auto u = parse_amqp_uri("amqp://u:p@ss@[::1]:5673/v");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->password, "p@ss");
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 5673);
  EXPECT_EQ(u->vhost, "v");
}

TEST(AmqpUri, RejectsWhatItCannotUseWithoutEchoingThePassword) {
  auto error = [](std::string_view uri) {
    auto u = parse_amqp_uri(uri);
    return u ? std::string("ok") : u.error().message;
  };
  EXPECT_NE(error("http://rabbit").find("amqp://"), std::string::npos);
  EXPECT_NE(error("rabbit:5672").find("amqp://"), std::string::npos);
  EXPECT_NE(error("amqp://u:p@").find("no host"), std::string::npos);
  EXPECT_NE(error("amqp://rabbit:70000").find("port"), std::string::npos);
  EXPECT_NE(error("amqp://rabbit:56x2").find("port"), std::string::npos);
  EXPECT_NE(error("amqp://rabbit/a/b").find("%2F"), std::string::npos);
  EXPECT_NE(error("amqp://rabbit/%zz").find("vhost"), std::string::npos);
  EXPECT_NE(error("amqp://rabbit?heartbeat=5").find("query"), std::string::npos);
  EXPECT_NE(error("amqp://[::1").find("]"), std::string::npos);
  // A password with an unescaped '/' spills into the host and port; neither is quoted back.
  const std::string spilled = error("amqp://user:s3cr/et@rabbit");
  EXPECT_EQ(spilled.find("s3cr"), std::string::npos) << spilled;
  EXPECT_EQ(spilled.find("et@"), std::string::npos) << spilled;
  const std::string bad_escape = error("amqp://user:s3cret%G1@rabbit");
  EXPECT_NE(bad_escape.find("password"), std::string::npos);
  EXPECT_EQ(bad_escape.find("s3cret"), std::string::npos) << bad_escape;
}

TEST(Config, RabbitMqUrlReplacesTheSeparateSettings) {
  auto c = load_config({{"RABBITMQ_URL", "amqps://enc:t0p%23secret@mq.internal/media"},
                        {"RABBITMQ_DEFAULT_USER", "ignored"},
                        {"RABBITMQ_DEFAULT_HOST", "ignored.example"},
                        {"RABBITMQ_DEFAULT_PORT", "5672"},
                        {"RABBITMQ_TLS_CA_FILE", "/etc/ve/ca.pem"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->amqp.tls.enabled);
  EXPECT_TRUE(c->amqp.tls.verify);
  EXPECT_EQ(c->amqp.user, "enc");
  EXPECT_EQ(c->amqp.password, "t0p#secret");
  EXPECT_EQ(c->amqp.host, "mq.internal");
  EXPECT_EQ(c->amqp.port, 5671);
  EXPECT_EQ(c->amqp.vhost, "media");
  EXPECT_EQ(c->amqp.tls.ca_file, "/etc/ve/ca.pem");
  const std::string text = describe(*c);
  EXPECT_EQ(text.find("t0p"), std::string::npos) << text;
  EXPECT_NE(text.find("RABBITMQ=amqps://enc:***@mq.internal:5671/media"), std::string::npos) << text;
  EXPECT_NE(text.find("RABBITMQ_TLS_CA_FILE=/etc/ve/ca.pem"), std::string::npos) << text;
}

TEST(Config, TlsWithoutAUrl) {
  auto c = load_config({{"RABBITMQ_TLS", "true"}, {"RABBITMQ_TLS_VERIFY", "false"},
                        {"RABBITMQ_TLS_CERT_FILE", "/c.pem"}, {"RABBITMQ_TLS_KEY_FILE", "/k.pem"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->amqp.tls.enabled);
  EXPECT_FALSE(c->amqp.tls.verify);
  EXPECT_EQ(c->amqp.port, 5671);  // the AMQPS port unless RABBITMQ_DEFAULT_PORT says otherwise
  EXPECT_EQ(c->amqp.tls.cert_file, "/c.pem");
  EXPECT_EQ(c->amqp.tls.key_file, "/k.pem");
  EXPECT_NE(describe(*c).find("RABBITMQ=amqps://guest:***@127.0.0.1:5671/%2F"), std::string::npos) << describe(*c);
  EXPECT_NE(describe(*c).find("RABBITMQ_TLS_VERIFY=false"), std::string::npos);
  auto own_port = load_config({{"RABBITMQ_TLS", "true"}, {"RABBITMQ_DEFAULT_PORT", "5673"}});
  ASSERT_TRUE(own_port);
  EXPECT_EQ(own_port->amqp.port, 5673);
  auto plain = load_config({});
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->amqp.tls.enabled);
  EXPECT_NE(describe(*plain).find("RABBITMQ=amqp://guest:***@127.0.0.1:5672/%2F"), std::string::npos);
}

TEST(Config, WrongTlsValuesNameTheVariable) {
  auto message = [](Settings s) {
    auto c = load_config(s);
    return c ? std::string("ok") : c.error().message;
  };
  EXPECT_NE(message({{"RABBITMQ_URL", "rabbit:5672"}}).find("RABBITMQ_URL"), std::string::npos);
  EXPECT_NE(message({{"RABBITMQ_TLS", "on"}}).find("RABBITMQ_TLS"), std::string::npos);
  EXPECT_NE(message({{"RABBITMQ_TLS", "true"}, {"RABBITMQ_TLS_VERIFY", "perhaps"}}).find("RABBITMQ_TLS_VERIFY"),
            std::string::npos);
  EXPECT_NE(message({{"RABBITMQ_URL", "amqp://h"}, {"RABBITMQ_TLS", "true"}}).find("RABBITMQ_TLS is true"),
            std::string::npos);
  EXPECT_NE(message({{"RABBITMQ_URL", "amqps://h"}, {"RABBITMQ_TLS", "false"}}).find("RABBITMQ_TLS is false"),
            std::string::npos);
  EXPECT_NE(message({{"RABBITMQ_TLS_CA_FILE", "/ca.pem"}}).find("RABBITMQ_TLS_CA_FILE is set but TLS is off"),
            std::string::npos);
  EXPECT_NE(message({{"RABBITMQ_TLS", "true"}, {"RABBITMQ_TLS_CERT_FILE", "/c.pem"}}).find("RABBITMQ_TLS_KEY_FILE"),
            std::string::npos);
  EXPECT_NE(message({{"RABBITMQ_TLS", "true"}, {"RABBITMQ_TLS_KEY_FILE", "/k.pem"}}).find("RABBITMQ_TLS_CERT_FILE"),
            std::string::npos);
  const std::string bad_url = message({{"RABBITMQ_URL", "amqps://u:hunter2/x@h"}});
  EXPECT_NE(bad_url.find("RABBITMQ_URL"), std::string::npos);
  EXPECT_EQ(bad_url.find("hunter2"), std::string::npos) << bad_url;
}

}  // namespace
}  // namespace ve::core
