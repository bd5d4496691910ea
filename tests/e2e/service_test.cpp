// SPDX-License-Identifier: Apache-2.0
// `video-encoder serve` as deployed: a real RabbitMQ and PostgreSQL (or SQLite) on 127.0.0.1, the
// binary in its own process, a batch of good and bad messages, and everything checked from the
// outside: result and dead-letter queues, database rows and history, uploaded presentations.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include "adapters/blob/s3_blob_store.hpp"
#include "adapters/store/postgres_job_store.hpp"
#include "adapters/store/sqlite_job_store.hpp"
#include "core/time_format.hpp"
#include "support/postgres_fixture.hpp"
#include "support/presentation_check.hpp"
#include "support/rabbitmq_fixture.hpp"
#include "support/s3_fixture.hpp"
#include "support/service_process.hpp"
#include "support/test_support.hpp"

namespace {

using namespace std::chrono_literals;
using ve::core::JobStatus;
using ve::testing::ServiceProcess;
using ve::testing::TempDir;

struct Expected {
  std::string body;
  std::string error;  // empty for a good message
  std::filesystem::path input;  // good messages: the file to compare the presentation with
};

struct Setup {
  std::string name;
  bool postgres = false;  // else SQLite
  bool s3 = false;        // both buckets on an S3-compatible server, else local folders
};

void PrintTo(const Setup& s, std::ostream* os) { *os << s.name; }

class ServiceTest : public ::testing::TestWithParam<Setup> {
 protected:
  std::unique_ptr<ve::ports::JobStore> open_store(const std::string& dsn) {
    if (GetParam().postgres) {
      auto s = ve::adapters::store::PostgresJobStore::open(dsn, false);
      EXPECT_TRUE(s) << s.error().message;
      return s ? std::move(*s) : nullptr;
    }
    auto s = ve::adapters::store::SqliteJobStore::open(dsn, false);
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }
};

std::string body(const std::string& resource_id, const std::string& file_path) {
  return nlohmann::json{{"resource_id", resource_id}, {"file_path", file_path}}.dump();
}

TEST_P(ServiceTest, PackagesGoodMessagesAndDeadLettersBadOnes) {
  auto broker = ve::testing::RabbitMqNode::for_test();
  std::unique_ptr<ve::testing::PostgresCluster> postgres;
  TempDir root;
  std::string dsn = (root / "work/video-encoder.db").string();
  if (GetParam().postgres) {
    postgres = std::make_unique<ve::testing::PostgresCluster>();
    dsn = postgres->dsn();
  }
  const auto in = root / "storage/in";
  std::filesystem::create_directories(in / "clips");
  std::filesystem::copy_file(ve::testing::shared_media("video.mp4"), in / "video.mp4");
  std::filesystem::copy_file(ve::testing::shared_media("video-h265.mp4"), in / "clips/h265.mp4");
  std::filesystem::copy_file(ve::testing::shared_media("bento4-video-h264-001.mp4"), in / "small.mp4");
  ve::testing::write_bytes(in / "corrupt.mp4", "this is not a video");

  // With S3, the inputs go to s3://in-bucket/uploads/ and the service writes s3://out-bucket/dash/.
  std::unique_ptr<ve::testing::S3Server> s3_server;
  std::unique_ptr<ve::adapters::blob::S3BlobStore> s3;
  std::string input_setting = "in", output_setting = "out", input_name = "in";
  std::map<std::string, std::string> storage_env;
  if (GetParam().s3) {
    s3_server = std::make_unique<ve::testing::S3Server>(std::vector<std::string>{"in-bucket", "out-bucket"});
    const auto settings = s3_server->settings();
    s3 = std::make_unique<ve::adapters::blob::S3BlobStore>(settings);
    for (const char* key : {"video.mp4", "clips/h265.mp4", "small.mp4", "corrupt.mp4"}) {
      ASSERT_TRUE(s3->upload(in / key, "in-bucket", std::string("uploads/") + key));
    }
    input_setting = "s3://in-bucket/uploads";
    output_setting = "s3://out-bucket/dash";
    input_name = "in-bucket/uploads";
    storage_env = ve::testing::s3_service_env(settings);
  }

  std::map<std::string, std::string> env = {
      {"DB_TYPE", GetParam().postgres ? "postgres" : "sqlite3"},
      {"DSN", dsn},
      {"AUTO_MIGRATE_DB", "true"},
      {"localStoragePath", (root / "work").string()},
      {"STORAGE_ROOT", (root / "storage").string()},
      {"inputBucketName", input_setting},
      {"outputBucketName", output_setting},
      {"CONCURRENCY_WORKERS", "3"},
      {"CONCURRENCY_UPLOAD", "4"},
      // Repackaging only: the presentations are compared packet for packet with their inputs
      // (EncodingServiceTest covers the encoded ladders).
      {"RENDITIONS", "source"},
      {"RABBITMQ_DEFAULT_HOST", "127.0.0.1"},
      {"RABBITMQ_DEFAULT_PORT", std::to_string(broker->port())},
      {"RABBITMQ_DEFAULT_VHOST", broker->settings().vhost},
      {"RABBITMQ_DEFAULT_USER", "guest"},
      {"RABBITMQ_DEFAULT_PASS", "guest"}};
  env.insert(storage_env.begin(), storage_env.end());
  ServiceProcess service(VE_BINARY, {"serve"}, env, root.path(), root / "service.log");
  ve::testing::BrokerProbe probe(broker->settings());
  const auto started = std::chrono::steady_clock::now();
  while (!probe.message_count("videos") && std::chrono::steady_clock::now() - started < 60s) {
    ASSERT_TRUE(service.running()) << service.log();
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(probe.message_count("videos")) << "the service did not declare its queue\n" << service.log();

  std::vector<Expected> messages = {
      {body("good-1", "video.mp4"), "", in / "video.mp4"},
      {body("good-2", "clips/h265.mp4"), "", in / "clips/h265.mp4"},
      {body("good-3", "video.mp4"), "", in / "video.mp4"},
      {"this is not json", "message is not valid JSON", {}},
      {R"({"file_path": "video.mp4"})", "message has no \"resource_id\" field", {}},
      {body("bad-3", "../storage/in/video.mp4"), "file_path must not contain '..' segments", {}},
      {body("bad-4", "missing.mp4"), "input not found: " + input_name + "/missing.mp4", {}},
      {body("bad-5", "corrupt.mp4"),
       input_setting + "/corrupt.mp4: not a valid MP4 file or corrupt headers (Invalid data found when processing input)",
       {}},
  };
  for (const auto& m : messages) probe.publish("", "videos", m.body);
  // And one through the CLI, which sets a message id.
  const auto submitted = ve::testing::run(
      "cd " + ve::testing::quote(root.path().string()) + " && env DB_TYPE=sqlite3 RABBITMQ_DEFAULT_PORT=" +
      std::to_string(broker->port()) + " RABBITMQ_DEFAULT_VHOST=" + ve::testing::quote(broker->settings().vhost) + " " + ve::testing::quote(VE_BINARY) +
      " submit --resource-id good-4 --file-path small.mp4");
  ASSERT_EQ(submitted.exit_code, 0) << submitted.output;
  messages.push_back({body("good-4", "small.mp4"), "", in / "small.mp4"});

  // Results and failure notifications arrive on videos-result; the rejected originals on videos-failed.
  std::map<std::string, nlohmann::json> results;  // by resource_id
  std::map<std::string, std::string> failures;    // original body -> error
  const size_t good = 4, bad = 5;
  while (results.size() + failures.size() < good + bad) {
    auto m = probe.wait_get("videos-result", 90s);
    ASSERT_TRUE(m) << "only " << results.size() << " results and " << failures.size() << " failures\n"
                   << service.log();
    const auto j = nlohmann::json::parse(m->body);
    if (j.contains("job_id")) {
      results[j["video"]["resource_id"]] = j;
    } else {
      failures[j["message"]] = j["error"];
    }
  }
  std::multiset<std::string> dead_lettered;
  for (size_t i = 0; i < bad; ++i) {
    auto m = probe.wait_get("videos-failed", 30s);
    ASSERT_TRUE(m) << service.log();
    dead_lettered.insert(m->body);
  }
  EXPECT_EQ(service.stop(), 0) << service.log();

  auto store = open_store(dsn);
  ASSERT_TRUE(store);
  std::vector<std::pair<std::chrono::system_clock::time_point, std::chrono::system_clock::time_point>> spans;
  for (const auto& m : messages) {
    if (!m.error.empty()) {
      EXPECT_EQ(failures[m.body], m.error) << m.body;
      EXPECT_EQ(dead_lettered.count(m.body), 1u) << m.body;
      continue;
    }
    const std::string resource = nlohmann::json::parse(m.body)["resource_id"];
    ASSERT_EQ(results.count(resource), 1u) << resource;
    const auto& r = results[resource];
    EXPECT_EQ(r["status"], "COMPLETED");
    EXPECT_EQ(r["output_bucket_path"], output_setting);
    EXPECT_EQ(r["Error"], "");
    EXPECT_EQ(r["video"]["file_path"], nlohmann::json::parse(m.body)["file_path"]);
    EXPECT_TRUE(ve::core::parse_rfc3339(r["created_at"].get<std::string>()));
    EXPECT_TRUE(ve::core::parse_rfc3339(r["updated_at"].get<std::string>()));
    const std::string folder = r["video"]["encoded_video_folder"];
    if (GetParam().s3) {
      // Fetch the uploaded presentation back from the S3 server to check it.
      auto keys = s3->list("out-bucket", "dash/" + folder + "/");
      ASSERT_TRUE(keys) << keys.error().message;
      ASSERT_FALSE(keys->empty());
      for (const auto& key : *keys) {
        const auto name = std::filesystem::path(key).filename();
        std::filesystem::create_directories(root / "fetched" / folder);
        ASSERT_TRUE(s3->download("out-bucket", key, root / "fetched" / folder / name));
      }
      ve::testing::expect_presentation_matches(m.input, root / "fetched" / folder);
    } else {
      ve::testing::expect_presentation_matches(m.input, root / "storage/out" / folder);
    }

    auto job = store->find_job(r["job_id"]);
    ASSERT_TRUE(job && *job) << r.dump();
    EXPECT_EQ((*job)->status, JobStatus::Completed);
    EXPECT_EQ((*job)->video.id, folder);
    const auto events = store->job_events((*job)->id);
    ASSERT_TRUE(events);
    std::vector<JobStatus> history;
    for (const auto& e : *events) history.push_back(e.status);
    EXPECT_EQ(history, (std::vector<JobStatus>{JobStatus::Starting, JobStatus::Downloading, JobStatus::Fragmenting,
                                               JobStatus::Encoding, JobStatus::Uploading, JobStatus::Finishing,
                                               JobStatus::Completed}));
    spans.emplace_back(events->front().at, events->back().at);
  }
  const auto failed = store->list_jobs(JobStatus::Failed);
  ASSERT_TRUE(failed);
  std::set<std::string> failed_errors;
  for (const auto& j : *failed) failed_errors.insert(j.error);
  EXPECT_EQ(failed_errors, (std::set<std::string>{"input not found: " + input_name + "/missing.mp4",
                                                  failures[body("bad-5", "corrupt.mp4")]}));
  EXPECT_EQ(store->list_jobs(std::nullopt)->size(), good + 2);  // invalid messages never become jobs

  // CONCURRENCY_WORKERS=3: some jobs ran at the same time.
  bool overlap = false;
  for (size_t i = 0; i < spans.size(); ++i)
    for (size_t k = i + 1; k < spans.size(); ++k)
      overlap = overlap || (spans[i].first < spans[k].second && spans[k].first < spans[i].second);
  EXPECT_TRUE(overlap) << "no two jobs overlapped in time";

  // No working folder is left behind (only the SQLite database lives there).
  for (const auto& name : ve::testing::list_names(root / "work")) {
    EXPECT_EQ(name.rfind("video-encoder.db", 0), 0u) << "left behind: " << name;
  }
  const auto listing = ve::testing::run("cd " + ve::testing::quote(root.path().string()) + " && env DB_TYPE=" +
                                        env.at("DB_TYPE") + " DSN=" + ve::testing::quote(dsn) + " " +
                                        ve::testing::quote(VE_BINARY) + " jobs --status FAILED");
  EXPECT_EQ(listing.exit_code, 0) << listing.output;
  EXPECT_NE(listing.output.find("input not found: " + input_name + "/missing.mp4"), std::string::npos)
      << listing.output;
}

INSTANTIATE_TEST_SUITE_P(Setups, ServiceTest,
                         ::testing::Values(Setup{"sqlite_local", false, false}, Setup{"postgres_local", true, false},
                                           Setup{"sqlite_s3", false, true}),
                         [](const auto& info) { return info.param.name; });

// Representation ids of a DASH manifest, in order.
std::vector<std::string> representation_ids(const std::filesystem::path& mpd) {
  const std::string text = ve::testing::read_text(mpd);
  const std::regex id(R"re(<Representation[^>]*\bid="([^"]+)")re");
  std::vector<std::string> ids;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), id); it != std::sregex_iterator(); ++it) {
    ids.push_back((*it)[1]);
  }
  return ids;
}

// The bandwidth attribute of one representation of a DASH manifest (0 when absent).
long representation_bandwidth(const std::filesystem::path& mpd, const std::string& rep) {
  const std::string text = ve::testing::read_text(mpd);
  std::smatch m;
  const std::regex bandwidth("<Representation[^>]*\\bid=\"" + rep + "\"[^>]*\\bbandwidth=\"([0-9]+)\"");
  return std::regex_search(text, m, bandwidth) ? std::stol(m[1]) : 0;
}

// codec_name,height of the first stream of a representation's init segment joined with its first
// media segment, as ffprobe reads them.
std::string probe_rendition(const std::filesystem::path& dir, const std::string& rep, const std::filesystem::path& scratch) {
  const auto joined = scratch / (rep + ".mp4");
  ve::testing::concatenate({dir / ("init-" + rep + ".mp4"), dir / ("seg-" + rep + "-00001.m4s")}, joined);
  const auto r = ve::testing::run("ffprobe -v error -show_entries stream=codec_name,height -of csv=p=0 " +
                                  ve::testing::quote(joined.string()));
  std::string out = r.output;
  while (!out.empty() && (out.back() == '\n' || out.back() == ',')) out.pop_back();
  return out;
}

// Encoding through `serve`: 10-bit HEVC, a MOV with PCM audio and HEVC with a few damaged packets
// come out as H.264/AAC ladders (RENDITIONS, X264_PRESET, AUDIO_BITRATE from the environment); the
// jobs store their ENCODING progress (100 % at the end, in the result too) and a completed job's
// warnings are kept in its history and logged with its id.
class EncodingServiceTest : public ServiceTest {};

TEST_P(EncodingServiceTest, EncodesHevcAndMovInputsIntoLadders) {
  auto broker = ve::testing::RabbitMqNode::for_test();
  std::unique_ptr<ve::testing::PostgresCluster> postgres;
  TempDir root;
  std::string dsn = (root / "work/video-encoder.db").string();
  if (GetParam().postgres) {
    postgres = std::make_unique<ve::testing::PostgresCluster>();
    dsn = postgres->dsn();
  }
  const auto in = root / "storage/in";
  std::filesystem::create_directories(in);
  ve::testing::ffmpeg_generate(
      "-f lavfi -i testsrc2=size=640x360:rate=25:duration=3 -f lavfi -i sine=frequency=440:duration=3 "
      "-c:v libx265 -preset ultrafast -x265-params log-level=error -pix_fmt yuv420p10le -tag:v hvc1 -c:a aac -shortest",
      in / "hevc10.mp4");
  ve::testing::ffmpeg_generate(
      "-f lavfi -i testsrc2=size=854x480:rate=25:duration=3 -f lavfi -i sine=frequency=330:duration=3:sample_rate=48000 "
      "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a pcm_s16le -shortest",
      in / "clip.mov");
  ve::testing::ffmpeg_generate(
      "-f lavfi -i testsrc2=size=320x240:rate=25:duration=2 -c:v libx265 -preset ultrafast "
      "-x265-params log-level=error:keyint=25 -tag:v hvc1",
      root / "clean.mp4");
  ASSERT_EQ(ve::testing::garble_video_packets(root / "clean.mp4", in / "damaged.mp4",
                                              [](size_t i) { return i == 10 || i == 30 || i == 40; }),
            3u);
  ASSERT_FALSE(HasFailure());

  const std::map<std::string, std::string> env = {
      {"DB_TYPE", GetParam().postgres ? "postgres" : "sqlite3"},
      {"DSN", dsn},
      {"AUTO_MIGRATE_DB", "true"},
      {"localStoragePath", (root / "work").string()},
      {"STORAGE_ROOT", (root / "storage").string()},
      {"inputBucketName", "in"},
      {"outputBucketName", "out"},
      {"CONCURRENCY_WORKERS", "2"},
      {"RENDITIONS", "auto"},
      {"X264_PRESET", "ultrafast"},
      {"AUDIO_BITRATE", "64k"},
      {"RABBITMQ_DEFAULT_HOST", "127.0.0.1"},
      {"RABBITMQ_DEFAULT_PORT", std::to_string(broker->port())},
      {"RABBITMQ_DEFAULT_VHOST", broker->settings().vhost}};
  ServiceProcess service(VE_BINARY, {"serve"}, env, root.path(), root / "service.log");
  ve::testing::BrokerProbe probe(broker->settings());
  const auto started = std::chrono::steady_clock::now();
  while (!probe.message_count("videos") && std::chrono::steady_clock::now() - started < 60s) {
    ASSERT_TRUE(service.running()) << service.log();
    std::this_thread::sleep_for(100ms);
  }
  for (const char* file : {"hevc10.mp4", "clip.mov", "damaged.mp4"}) probe.publish("", "videos", body(file, file));

  std::map<std::string, nlohmann::json> results;  // by resource_id (the file name)
  while (results.size() < 3) {
    auto m = probe.wait_get("videos-result", 120s);
    ASSERT_TRUE(m) << "only " << results.size() << " results\n" << service.log();
    const auto j = nlohmann::json::parse(m->body);
    ASSERT_TRUE(j.contains("job_id")) << m->body << "\n" << service.log();
    results[j["video"]["resource_id"]] = j;
  }
  EXPECT_EQ(service.stop(), 0) << service.log();
  EXPECT_FALSE(probe.wait_get("videos-failed", 1s));

  auto store = open_store(dsn);
  ASSERT_TRUE(store);
  // What each input must become: its video rungs (never above the source) and its audio.
  const std::map<std::string, std::vector<std::string>> ladders = {
      {"hevc10.mp4", {"video0-360p", "audio1"}},
      {"clip.mov", {"video0-480p", "video0-360p", "audio1"}},
      {"damaged.mp4", {"video0-240p"}}};
  for (const auto& [file, expected_ids] : ladders) {
    SCOPED_TRACE(file);
    ASSERT_EQ(results.count(file), 1u);
    const auto& r = results[file];
    EXPECT_EQ(r["status"], "COMPLETED");
    EXPECT_EQ(r["Error"], "");
    EXPECT_EQ(r["progress"], 100);
    const std::string folder = r["video"]["encoded_video_folder"];
    const auto dir = root / "storage/out" / folder;
    for (const char* name : {"manifest.mpd", "master.m3u8", "poster.jpg"}) {
      EXPECT_TRUE(std::filesystem::is_regular_file(dir / name)) << name;
    }
    EXPECT_EQ(representation_ids(dir / "manifest.mpd"), expected_ids);
    for (const auto& rep : expected_ids) {
      EXPECT_TRUE(std::filesystem::is_regular_file(dir / ("init-" + rep + ".mp4"))) << rep;
      EXPECT_TRUE(std::filesystem::is_regular_file(dir / ("seg-" + rep + "-00001.m4s"))) << rep;
      EXPECT_TRUE(std::filesystem::is_regular_file(dir / (rep + ".m3u8"))) << rep;
      const std::string probed = probe_rendition(dir, rep, root.path());
      if (rep.rfind("video", 0) == 0) {
        EXPECT_EQ(probed, "h264," + rep.substr(rep.find('-') + 1, rep.size() - rep.find('-') - 2)) << rep;
      } else {
        EXPECT_EQ(probed, "aac") << rep;
      }
    }

    auto job = store->find_job(r["job_id"]);
    ASSERT_TRUE(job && *job) << r.dump();
    EXPECT_EQ((*job)->status, JobStatus::Completed);
    EXPECT_EQ((*job)->progress_percent, 100);
    EXPECT_GT((*job)->frames_per_second, 0);
    const auto events = store->job_events((*job)->id);
    ASSERT_TRUE(events);
    std::vector<JobStatus> history;
    for (const auto& e : *events) history.push_back(e.status);
    EXPECT_EQ(history, (std::vector<JobStatus>{JobStatus::Starting, JobStatus::Downloading, JobStatus::Fragmenting,
                                               JobStatus::Encoding, JobStatus::Uploading, JobStatus::Finishing,
                                               JobStatus::Completed}));
    const std::string note = events->back().note;
    if (file == "damaged.mp4") {
      EXPECT_NE(note.find("video packets were damaged (concealed or skipped)"), std::string::npos) << note;
      EXPECT_NE(service.log().find("job " + (*job)->id + ": track 0: "), std::string::npos) << service.log();
      const auto shown = ve::testing::run("cd " + ve::testing::quote(root.path().string()) + " && env DB_TYPE=" +
                                          env.at("DB_TYPE") + " DSN=" + ve::testing::quote(dsn) + " " +
                                          ve::testing::quote(VE_BINARY) + " jobs --job " + (*job)->id);
      EXPECT_EQ(shown.exit_code, 0) << shown.output;
      EXPECT_NE(shown.output.find(note), std::string::npos) << shown.output;
      // Its output files with their sizes, as stored: the manifest's line names its exact size.
      const auto folder = root / "storage/out" / results[file]["video"]["encoded_video_folder"].get<std::string>();
      const std::string manifest_line = std::to_string(std::filesystem::file_size(folder / "manifest.mpd")) + "  manifest.mpd";
      EXPECT_NE(shown.output.find(manifest_line), std::string::npos) << shown.output;
      EXPECT_NE(shown.output.find(" files)"), std::string::npos) << shown.output;
    } else {
      EXPECT_EQ(note, "");
    }
  }
  // AUDIO_BITRATE=64k reached the encoder: the MOV's PCM audio was encoded at about that rate.
  const auto mov_mpd = root / "storage/out" / results["clip.mov"]["video"]["encoded_video_folder"].get<std::string>() /
                       "manifest.mpd";
  EXPECT_GT(representation_bandwidth(mov_mpd, "audio1"), 32000);
  EXPECT_LT(representation_bandwidth(mov_mpd, "audio1"), 96000);

  const auto listing = ve::testing::run("cd " + ve::testing::quote(root.path().string()) + " && env DB_TYPE=" +
                                        env.at("DB_TYPE") + " DSN=" + ve::testing::quote(dsn) + " " +
                                        ve::testing::quote(VE_BINARY) + " jobs --status COMPLETED");
  EXPECT_EQ(listing.exit_code, 0) << listing.output;
  EXPECT_NE(listing.output.find("COMPLETED    100%"), std::string::npos) << listing.output;
}

// Storage is not what this suite is about: local buckets, with each database.
INSTANTIATE_TEST_SUITE_P(Setups, EncodingServiceTest,
                         ::testing::Values(Setup{"sqlite_local", false, false}, Setup{"postgres_local", true, false}),
                         [](const auto& info) { return info.param.name; });

TEST(ServiceConfig, WrongValueStopsStartUpNamingTheVariable) {
  TempDir root;
  const auto r = ve::testing::run("cd " + ve::testing::quote(root.path().string()) +
                                  " && env CONCURRENCY_WORKERS=many " + ve::testing::quote(VE_BINARY) + " serve");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("CONCURRENCY_WORKERS"), std::string::npos) << r.output;
  ve::testing::write_bytes(root / ".env", "DB_TYPE=oracle\n");
  const auto r2 = ve::testing::run("cd " + ve::testing::quote(root.path().string()) + " && " +
                                   ve::testing::quote(VE_BINARY) + " jobs");
  EXPECT_EQ(r2.exit_code, 2);
  EXPECT_NE(r2.output.find("DB_TYPE"), std::string::npos) << r2.output;
}

}  // namespace
