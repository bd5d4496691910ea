// SPDX-License-Identifier: Apache-2.0
// The bad-input corpus against `video-encoder serve` as deployed: one worker process (SQLite, local
// buckets, two workers) and one private RabbitMQ for the whole suite. Every bad message and every
// bad medium is published, then one good message; each bad one must end with exactly one failure
// notification carrying the original body and a reason a person can act on, exactly one copy in
// videos-failed, a FAILED job row when it got as far as a job, and the worker still serving, with
// nothing written outside its output folders and no working folder left behind.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "adapters/store/sqlite_job_store.hpp"
#include "support/bad_messages.hpp"
#include "support/presentation_check.hpp"
#include "support/rabbitmq_fixture.hpp"
#include "support/service_process.hpp"
#include "support/test_support.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ve::core::JobStatus;
using ve::testing::TempDir;

enum class Kind {
  InvalidMessage,  // rejected before any job exists
  Traversal,       // a file_path trying to leave the bucket (rejected, or a key that is simply not there)
  BadMedia,        // a job that reaches the packager (or the download) and FAILS
  Symlink,         // a key naming a symbolic link in the input bucket that leads outside it
};

struct Case {
  Kind kind;
  std::string name;
  std::string body;
  // The error must equal `exact` when set, else start with `prefix` and contain `contains`.
  std::string exact;
  std::string prefix;
  std::string contains;
  bool becomes_job = false;  // a FAILED job row with that error is expected
};

std::string body(const std::string& resource_id, const std::string& file_path) {
  return nlohmann::json{{"resource_id", resource_id}, {"file_path", file_path}}.dump();
}

Case invalid(const std::string& name, std::string raw_body, std::string error) {
  return {Kind::InvalidMessage, name, std::move(raw_body), std::move(error), "", "", false};
}

Case traversal(const std::string& file_path, std::string error, bool becomes_job = false) {
  return {Kind::Traversal, "file_path " + file_path, body("traversal " + file_path, file_path), std::move(error), "", "",
          becomes_job};
}

// A medium stored in the input bucket "in" as `key`.
Case media(const std::string& key, const std::string& contains) {
  return {Kind::BadMedia, key, body("media " + key, key), "", "in/" + key + ": ", contains, true};
}

// What a JSON string can carry of `bytes`: each byte that does not start a well-formed UTF-8
// sequence becomes U+FFFD (the notification is JSON, hence UTF-8; videos-failed keeps the bytes).
std::string as_json_text(const std::string& bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size();) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    size_t n = c < 0x80 ? 1 : (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3 : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
    bool ok = n > 0 && i + n <= bytes.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(bytes[i + k]) & 0xc0) == 0x80;
    if (ok && n == 3) {
      const auto c1 = static_cast<unsigned char>(bytes[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);  // overlong, surrogates
    }
    if (ok && n == 4) {
      const auto c1 = static_cast<unsigned char>(bytes[i + 1]);
      ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);  // overlong, above U+10FFFF
    }
    if (ok) {
      out.append(bytes, i, n);
      i += n;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

// Every path below `root`, relative, without following symbolic links.
std::set<std::string> tree(const fs::path& root) {
  std::set<std::string> paths;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    paths.insert(fs::relative(it->path(), root).generic_string());
  }
  return paths;
}

std::string first_box(const std::string& mp4) {
  const auto size = (static_cast<uint32_t>(static_cast<unsigned char>(mp4[0])) << 24) |
                    (static_cast<uint32_t>(static_cast<unsigned char>(mp4[1])) << 16) |
                    (static_cast<uint32_t>(static_cast<unsigned char>(mp4[2])) << 8) |
                    static_cast<uint32_t>(static_cast<unsigned char>(mp4[3]));
  return mp4.substr(0, size);
}

// One run of the whole corpus through one service, shared by the tests below.
struct CorpusRun {
  std::unique_ptr<TempDir> root;
  std::vector<Case> cases;
  std::string good_body;
  fs::path good_input;
  // What came out: notifications on videos-result, copies on videos-failed, job rows.
  std::map<std::string, std::vector<std::string>> failures;        // original "message" -> errors
  std::map<std::string, std::vector<nlohmann::json>> completions;  // resource_id -> results
  std::multiset<std::string> dead_lettered;
  size_t extra_dead_letters = 0;
  std::vector<ve::ports::JobRecord> jobs;
  bool running_at_end = false;
  int exit_code = -1;
  std::set<std::string> tree_before, tree_after;
  std::string log;
  std::string setup_error;  // empty when the run completed
};

std::vector<Case> make_cases() {
  // Messages refused before any job exists, and paths that try to leave the bucket: the corpus
  // POST /api/jobs is checked against too (tests/support/bad_messages.cpp).
  std::vector<Case> c;
  for (const auto& m : ve::testing::invalid_job_messages()) c.push_back(invalid(m.name, m.body, m.error));
  for (const auto& p : ve::testing::refused_file_paths()) c.push_back(traversal(p.file_path, p.error));
  const std::vector<Case> more = {
      // Percent-encoding is not decoded: these are plain (missing) keys inside the bucket. A decoy
      // exists where decoding would lead (STORAGE_ROOT/x.mp4), so a decoding service would succeed.
      traversal("%2e%2e/x.mp4", "input not found: in/%2e%2e/x.mp4", true),
      traversal("..%2fx.mp4", "input not found: in/..%2fx.mp4", true),
      traversal("%2e%2e%2f%2e%2e%2fx.mp4", "input not found: in/%2e%2e%2f%2e%2e%2fx.mp4", true),
      traversal("%252e%252e/x.mp4", "input not found: in/%252e%252e/x.mp4", true),

      // Media that is not a usable MP4.
      media("missing.mp4", ""),
      media("folder.mp4", ""),
      media("empty.mp4", "file is empty"),
      media("random.mp4", "not a valid MP4 file or corrupt headers"),
      media("text.mp4", "not a valid MP4 file or corrupt headers"),
      media("truncated-half.mp4", "the file is truncated"),
      media("ftyp-only.mp4", "not a valid MP4 file or corrupt headers"),
      media("chunk_out_of_range.mp4", "not a valid MP4 file or corrupt headers"),
      media("invalid_userdata.mp4", "no picture could be decoded from its first packets"),
      // (MPEG-TS, Matroska, raw AAC and MPEG-4 Part 2 were refused before the encoder existed; they
      // are good inputs now, encoded in tests/integration/media/encode_test.cpp.)
      // Sample tables asking for gigabytes of memory (tests/data/hostile).
      media("fixed-size-count.mp4", "track 0 declares 50000000 samples of 1 bytes, more sample data than the whole file"),
      media("long-edit-list.mp4", "track 0 has an edit list of 1000 entries; at most 64 are supported"),
      media("repeating-edits.mp4", "repeating edit lists are not supported"),
      media("huge-timestamps.mp4", "would be shown at 2097088x48: corrupt headers"),
      // Video that must be decoded to be encoded: an interrupted upload of 10-bit HEVC (its moov at
      // the end, cut off), and HEVC whose packets are mostly garbage (a container in order).
      media("truncated-hevc.mp4", "corrupt headers"),
      media("garbage-hevc.mp4", "track 0: the video is mostly damaged: "),

      // Symbolic links in the input bucket that lead outside it.
      {Kind::Symlink, "symlink to a file outside", body("symlink-file", "link-out.mp4"), "", "in/link-out.mp4",
       "outside the bucket", true},
      {Kind::Symlink, "symlink to a folder outside", body("symlink-dir", "linkdir/secret.mp4"), "",
       "in/linkdir/secret.mp4", "outside the bucket", true},
  };
  c.insert(c.end(), more.begin(), more.end());
  // missing and folder: the download finds no object.
  for (auto& m : c) {
    if (m.name == "missing.mp4" || m.name == "folder.mp4") {
      m.exact = "input not found: in/" + m.name;
      m.prefix.clear();
    }
  }
  return c;
}

void write_media(const fs::path& in, const fs::path& outside) {
  const std::string video = ve::testing::read_text(ve::testing::shared_media("video.mp4"));
  const auto small = ve::testing::shared_media("bento4-video-h264-001.mp4");
  fs::create_directories(in / "folder.mp4");
  ve::testing::write_bytes(in / "empty.mp4", "");
  std::string random(100000, '\0');
  uint32_t x = 2024;
  for (char& ch : random) ch = static_cast<char>((x = x * 1103515245 + 12345) >> 24);
  ve::testing::write_bytes(in / "random.mp4", random);
  ve::testing::write_bytes(in / "text.mp4", "This is a text file, not a video.\nSecond line.\n");
  ve::testing::write_bytes(in / "truncated-half.mp4", video.substr(0, video.size() / 2));
  ve::testing::write_bytes(in / "ftyp-only.mp4", first_box(video));
  fs::copy_file(ve::testing::shared_media("chunk_out_of_range.mp4"), in / "chunk_out_of_range.mp4");
  fs::copy_file(ve::testing::shared_media("invalid_userdata.mp4"), in / "invalid_userdata.mp4");
  for (const char* hostile :
       {"fixed-size-count.mp4", "long-edit-list.mp4", "repeating-edits.mp4", "huge-timestamps.mp4"}) {
    fs::copy_file(ve::testing::test_data(std::string("hostile/") + hostile), in / hostile);
  }

  const std::string hevc = "-f lavfi -i testsrc2=size=320x240:rate=25:duration=2 -c:v libx265 -preset ultrafast "
                           "-x265-params log-level=error:keyint=25 -tag:v hvc1 ";
  ve::testing::ffmpeg_generate(hevc + "-pix_fmt yuv420p10le -f mp4", in / "hevc-whole.mp4");
  const std::string whole = ve::testing::read_text(in / "hevc-whole.mp4");
  ve::testing::write_bytes(in / "truncated-hevc.mp4", whole.substr(0, whole.size() * 6 / 10));
  fs::remove(in / "hevc-whole.mp4");
  ve::testing::ffmpeg_generate(hevc + "-f mp4", in / "hevc-clean.mp4");
  // Four packets of five: past the packager's limit (half), whatever a decoder conceals.
  EXPECT_GT(ve::testing::garble_video_packets(in / "hevc-clean.mp4", in / "garbage-hevc.mp4",
                                              [](size_t i) { return i % 5 != 0; }),
            30u);
  fs::remove(in / "hevc-clean.mp4");

  // A real video outside the bucket, reachable from inside only through symbolic links.
  fs::create_directories(outside);
  fs::copy_file(ve::testing::shared_media("edts.mp4"), outside / "secret.mp4");
  fs::create_symlink(outside / "secret.mp4", in / "link-out.mp4");
  fs::create_directory_symlink(outside, in / "linkdir");
}

CorpusRun run_corpus() {
  CorpusRun r;
  r.root = std::make_unique<TempDir>();
  const TempDir& root = *r.root;
  const auto in = root / "storage/in";
  fs::create_directories(in);
  fs::create_directories(root / "work");
  r.good_input = in / "good.mp4";
  fs::copy_file(ve::testing::shared_media("bento4-video-h264-001.mp4"), r.good_input);
  // Decoys where an escaping path would land: a service that escaped would package them.
  fs::copy_file(ve::testing::shared_media("bento4-video-h264-001.mp4"), root / "x.mp4");
  fs::copy_file(ve::testing::shared_media("bento4-video-h264-001.mp4"), root / "storage/x.mp4");
  write_media(in, root / "outside");
  if (::testing::Test::HasFatalFailure()) {
    r.setup_error = "cannot generate the media inputs";
    return r;
  }
  r.cases = make_cases();
  r.good_body = body("good-last", "good.mp4");

  auto broker = ve::testing::RabbitMqNode::start_new();
  const std::string dsn = (root / "work/video-encoder.db").string();
  const std::map<std::string, std::string> env = {{"DB_TYPE", "sqlite3"},
                                                  {"DSN", dsn},
                                                  {"AUTO_MIGRATE_DB", "true"},
                                                  {"localStoragePath", (root / "work").string()},
                                                  {"STORAGE_ROOT", (root / "storage").string()},
                                                  {"inputBucketName", "in"},
                                                  {"outputBucketName", "out"},
                                                  {"CONCURRENCY_WORKERS", "2"},
                                                  {"CONCURRENCY_UPLOAD", "2"},
                                                  {"RABBITMQ_DEFAULT_HOST", "127.0.0.1"},
                                                  {"RABBITMQ_DEFAULT_PORT", std::to_string(broker->port())},
                                                  {"RABBITMQ_DEFAULT_USER", "guest"},
                                                  {"RABBITMQ_DEFAULT_PASS", "guest"}};
  ve::testing::ServiceProcess service(VE_BINARY, {"serve"}, env, root.path(), root / "service.log");
  ve::testing::BrokerProbe probe(broker->settings());
  const auto started = std::chrono::steady_clock::now();
  while (!probe.message_count("videos") && service.running() && std::chrono::steady_clock::now() - started < 60s) {
    std::this_thread::sleep_for(100ms);
  }
  if (!probe.message_count("videos") || !service.running()) {
    r.setup_error = "the service did not declare its queue";
    r.log = service.log();
    return r;
  }
  // The service is up and its database exists: everything from here on is the corpus' doing.
  r.tree_before = tree(root.path());

  for (const auto& c : r.cases) probe.publish("", "videos", c.body);
  probe.publish("", "videos", r.good_body);

  // Each message yields exactly one notification on videos-result: a result or a failure.
  const size_t expected = r.cases.size() + 1;
  size_t received = 0;
  while (received < expected) {
    auto m = probe.wait_get("videos-result", 120s);
    if (!m) {
      r.setup_error = "only " + std::to_string(received) + " of " + std::to_string(expected) + " notifications arrived";
      break;
    }
    ++received;
    const auto j = nlohmann::json::parse(m->body, nullptr, false);
    if (j.is_object() && j.contains("job_id")) {
      r.completions[j["video"]["resource_id"].get<std::string>()].push_back(j);
    } else if (j.is_object() && j.contains("message") && j.contains("error")) {
      r.failures[j["message"].get<std::string>()].push_back(j["error"].get<std::string>());
    } else {
      r.setup_error = "a notification is neither a result nor a failure: " + m->body.substr(0, 300);
    }
  }
  // Failed messages are dead-lettered right after their notification is published.
  size_t failure_count = 0;
  for (const auto& [message, errors] : r.failures) failure_count += errors.size();
  for (size_t i = 0; i < failure_count; ++i) {
    auto m = probe.wait_get("videos-failed", 30s);
    if (!m) break;
    r.dead_lettered.insert(m->body);
  }
  while (probe.wait_get("videos-failed", 1s)) ++r.extra_dead_letters;
  r.running_at_end = service.running();
  r.exit_code = service.stop();
  r.log = service.log();
  r.tree_after = tree(root.path());

  auto store = ve::adapters::store::SqliteJobStore::open(dsn, false);
  if (!store) {
    r.setup_error += " cannot open the job store: " + store.error().message;
    return r;
  }
  if (auto jobs = (*store)->list_jobs(std::nullopt)) {
    r.jobs = std::move(*jobs);
  } else {
    r.setup_error += " cannot list jobs: " + jobs.error().message;
  }
  return r;
}

class BadInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { run_ = std::make_unique<CorpusRun>(run_corpus()); }
  static void TearDownTestSuite() { run_.reset(); }

  void SetUp() override {
    ASSERT_TRUE(run_);
    ASSERT_EQ(run_->setup_error, "") << run_->log;
  }

  static const CorpusRun& run() { return *run_; }

  // The jobs made for a file_path.
  static std::vector<ve::ports::JobRecord> jobs_for(const std::string& file_path) {
    std::vector<ve::ports::JobRecord> found;
    for (const auto& j : run_->jobs) {
      if (j.video.file_path == file_path) found.push_back(j);
    }
    return found;
  }

  static void expect_error(const Case& c, const std::string& error) {
    if (!c.exact.empty()) {
      EXPECT_EQ(error, c.exact);
    } else {
      EXPECT_EQ(error.rfind(c.prefix, 0), 0u) << "expected to start with \"" << c.prefix << "\": " << error;
      EXPECT_NE(error.find(c.contains), std::string::npos) << "expected \"" << c.contains << "\" in: " << error;
    }
  }

  // One failure notification with the original body and the expected reason, one dead-lettered
  // copy, and a FAILED job with the same reason exactly when the message got as far as a job.
  static void expect_failed(const Case& c) {
    SCOPED_TRACE(c.name);
    const std::string message = as_json_text(c.body);
    const auto it = run_->failures.find(message);
    ASSERT_NE(it, run_->failures.end()) << "no failure notification for " << c.name;
    ASSERT_EQ(it->second.size(), 1u) << "failure notifications for " << c.name;
    const std::string& error = it->second.front();
    expect_error(c, error);
    EXPECT_EQ(run_->dead_lettered.count(c.body), 1u) << "copies of " << c.name << " in videos-failed";

    const nlohmann::json request = nlohmann::json::parse(c.body, nullptr, false);
    if (!c.becomes_job) {
      // Invalid messages never become jobs (nor videos): no row names this resource or file.
      for (const auto& j : run_->jobs) {
        if (request.is_object() && request.contains("resource_id") && request["resource_id"].is_string()) {
          EXPECT_NE(j.video.resource_id, request["resource_id"].get<std::string>()) << "job " << j.id;
        }
      }
      return;
    }
    const std::string file_path = request["file_path"];
    const auto jobs = jobs_for(file_path);
    ASSERT_EQ(jobs.size(), 1u) << "jobs for " << file_path;
    EXPECT_EQ(jobs[0].status, JobStatus::Failed) << ve::core::to_string(jobs[0].status);
    EXPECT_EQ(jobs[0].error, error);
    EXPECT_EQ(jobs[0].video.resource_id, request["resource_id"].get<std::string>());
  }

  static void expect_all(Kind kind) {
    size_t n = 0;
    for (const auto& c : run_->cases) {
      if (c.kind != kind) continue;
      ++n;
      expect_failed(c);
      const auto request = nlohmann::json::parse(c.body, nullptr, false);
      if (request.is_object() && request.contains("resource_id") && request["resource_id"].is_string()) {
        EXPECT_EQ(run_->completions.count(request["resource_id"].get<std::string>()), 0u) << c.name << " completed";
      }
    }
    EXPECT_GT(n, 0u);
  }

  static std::unique_ptr<CorpusRun> run_;
};

std::unique_ptr<CorpusRun> BadInput::run_;

TEST_F(BadInput, InvalidMessagesFailWithAClearReasonAndNeverBecomeJobs) { expect_all(Kind::InvalidMessage); }

TEST_F(BadInput, PathsThatTryToLeaveTheBucketAreRefusedOrStayInside) {
  // Each also checks that its key did not complete: decoys wait where an escape would land.
  expect_all(Kind::Traversal);
}

TEST_F(BadInput, BadMediaFailsTheJobWithAClearReason) { expect_all(Kind::BadMedia); }

TEST_F(BadInput, SymlinksLeadingOutsideTheInputBucketAreRefused) {
  expect_all(Kind::Symlink);
  EXPECT_EQ(run().completions.count("symlink-file"), 0u);
  EXPECT_EQ(run().completions.count("symlink-dir"), 0u);
}

TEST_F(BadInput, WorkerKeepsServingAndWritesNothingOutsideItsFolders) {
  const auto& r = run();
  EXPECT_TRUE(r.running_at_end) << r.log;
  EXPECT_EQ(r.exit_code, 0) << r.log;
  EXPECT_EQ(r.extra_dead_letters, 0u);
  // The good message, published last, completed and its presentation is complete.
  ASSERT_EQ(r.completions.count("good-last"), 1u) << r.log;
  ASSERT_EQ(r.completions.at("good-last").size(), 1u);
  const auto& result = r.completions.at("good-last").front();
  EXPECT_EQ(result["status"], "COMPLETED");
  EXPECT_EQ(result["video"]["file_path"], "good.mp4");
  const std::string folder = result["video"]["encoded_video_folder"];
  ve::testing::expect_presentation_matches(r.good_input, r.root->path() / "storage/out" / folder);

  // Nothing new outside <STORAGE_ROOT>/out/<video id>/ of the completed jobs (besides the
  // database and the service's log), nothing removed or replaced.
  std::set<std::string> output_folders;
  for (const auto& [resource_id, results] : r.completions) {
    for (const auto& j : results) output_folders.insert("storage/out/" + j["video"]["encoded_video_folder"].get<std::string>());
  }
  auto allowed = [&](const std::string& p) {
    if (p == "storage/out" || p == "service.log" || p.rfind("work/video-encoder.db", 0) == 0) return true;
    for (const auto& f : output_folders) {
      if (p == f || p.rfind(f + "/", 0) == 0) return true;
    }
    return false;
  };
  for (const auto& p : r.tree_after) {
    if (!r.tree_before.count(p)) {
      EXPECT_TRUE(allowed(p)) << "created outside the output folders: " << p;
    }
  }
  for (const auto& p : r.tree_before) {
    if (!r.tree_after.count(p)) {
      EXPECT_TRUE(allowed(p)) << "removed: " << p;
    }
  }
  EXPECT_EQ(ve::testing::read_text(r.root->path() / "x.mp4"),
            ve::testing::read_text(ve::testing::shared_media("bento4-video-h264-001.mp4")));

  // No working folder is left in localStoragePath (only the SQLite database lives there).
  for (const auto& name : ve::testing::list_names(r.root->path() / "work")) {
    EXPECT_EQ(name.rfind("video-encoder.db", 0), 0u) << "left behind: " << name;
  }
  // Every job is accounted for: one per media, not-found traversal and symlink case, plus the good one.
  size_t job_cases = 1;
  for (const auto& c : r.cases) job_cases += c.becomes_job ? 1 : 0;
  EXPECT_EQ(r.jobs.size(), job_cases);
}

}  // namespace
