// SPDX-License-Identifier: Apache-2.0
// serve's HTTP server from the outside: probes that follow the broker and the database, the job API
// (list, page, show, submit) behind a token, /outputs from local and S3 buckets, and the refusal to
// listen publicly without one. A real service process, a private RabbitMQ and PostgreSQL or SQLite,
// local buckets or the S3-compatible test server; requests made with cpp-httplib's client.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "adapters/blob/s3_blob_store.hpp"
#include "http_stack.hpp"
#include "support/bad_messages.hpp"
#include "support/s3_fixture.hpp"
#include "support/service_process.hpp"
#include "support/test_support.hpp"

namespace {

using namespace std::chrono_literals;
using ve::testing::ServiceProcess;
using ve::testing::eventually;
using nlohmann::json;
using ve::testing::HttpStack;
using ve::testing::Reply;

constexpr const char* kToken = "test-token-0123456789abcdef";

// One service for the suite (the suite runs as one process): starting a broker and a database
// takes most of a test's time. The job API runs first; the probe test stops and restarts the
// broker and the database, and leaves them running.
class Http : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { stack_ = std::make_unique<HttpStack>(/*postgres=*/true, std::map<std::string, std::string>{{"HTTP_TOKEN", kToken}}); }
  static void TearDownTestSuite() { stack_.reset(); }
  static std::unique_ptr<HttpStack> stack_;
};
std::unique_ptr<HttpStack> Http::stack_;

std::string check_of(const Reply& r, const std::string& name) {
  const json j = r.parsed();
  if (!j.is_object() || !j.contains("checks") || !j["checks"].contains(name)) return "(absent)";
  return j["checks"][name].get<std::string>();
}

TEST_F(Http, JobApiListsPagesShowsAndSubmitsBehindTheToken) {
  HttpStack& stack = *stack_;
  ASSERT_TRUE(eventually([&] { return stack.ready(); }, 90s)) << stack.request("GET", "/readyz").body << "\n" << stack.log();

  // The token rules: probes and metrics open, everything else closed without the right token.
  EXPECT_EQ(stack.request("GET", "/healthz").status, 200);
  EXPECT_EQ(stack.request("GET", "/metrics").status, 200);
  EXPECT_EQ(stack.request("GET", "/api/jobs").status, 401);
  EXPECT_EQ(stack.request("GET", "/api/jobs", "wrong-token-0123456789abcdef").status, 401);
  EXPECT_EQ(stack.request("POST", "/api/jobs", "", R"({"resource_id":"x","file_path":"video.mp4"})").status, 401);

  // The queue's corpus of bad messages (tests/support/bad_messages.cpp) is refused with the reason
  // a queued message gets; a body over the HTTP limit (1 MiB) gets 413; nothing is published.
  for (const auto& m : ve::testing::invalid_job_messages()) {
    const auto r = stack.request("POST", "/api/jobs", kToken, m.body);
    if (m.body.size() > (1u << 20)) {
      EXPECT_EQ(r.status, 413) << m.name << " -> " << r.body;
      continue;
    }
    EXPECT_EQ(r.status, 400) << m.name << " -> " << r.body;
    EXPECT_EQ(r.parsed().value("error", ""), "not submitted: " + m.error) << m.name << " -> " << r.body;
  }
  for (const auto& p : ve::testing::refused_file_paths()) {
    const auto r = stack.request("POST", "/api/jobs", kToken, json{{"resource_id", "x"}, {"file_path", p.file_path}}.dump());
    EXPECT_EQ(r.status, 400) << p.file_path << " -> " << r.body;
    EXPECT_EQ(r.parsed().value("error", ""), "not submitted: " + p.error) << p.file_path << " -> " << r.body;
  }
  EXPECT_EQ(stack.request("POST", "/api/jobs", kToken, std::string(2 << 20, ' ')).status, 413);
  EXPECT_EQ(stack.probe().message_count("videos").value_or(99), 0u);

  // Three good submissions become three completed jobs.
  std::set<std::string> message_ids;
  for (const char* resource : {"first", "second", "third"}) {
    const auto r = stack.request("POST", "/api/jobs", kToken, json{{"resource_id", resource}, {"file_path", "video.mp4"}}.dump());
    ASSERT_EQ(r.status, 202) << r.body << "\n" << stack.log();
    message_ids.insert(r.parsed().value("message_id", ""));
  }
  EXPECT_EQ(message_ids.size(), 3u);
  ASSERT_TRUE(eventually([&] {
    return stack.request("GET", "/api/jobs?status=completed&limit=10", kToken).parsed()["jobs"].size() == 3;
  }, 120s)) << stack.request("GET", "/api/jobs", kToken).body << "\n" << stack.log();

  // Newest first, two per page.
  const auto first_page = stack.request("GET", "/api/jobs?limit=2", kToken).parsed();
  ASSERT_EQ(first_page["jobs"].size(), 2u) << first_page.dump();
  EXPECT_EQ(first_page["jobs"][0]["video"]["resource_id"], "third");
  EXPECT_EQ(first_page["jobs"][1]["video"]["resource_id"], "second");
  ASSERT_TRUE(first_page["next_before"].is_string()) << first_page.dump();
  EXPECT_EQ(first_page["next_before"], first_page["jobs"][1]["id"]);
  const auto second_page =
      stack.request("GET", "/api/jobs?limit=2&before=" + first_page["next_before"].get<std::string>(), kToken).parsed();
  ASSERT_EQ(second_page["jobs"].size(), 1u) << second_page.dump();
  EXPECT_EQ(second_page["jobs"][0]["video"]["resource_id"], "first");
  EXPECT_TRUE(second_page["next_before"].is_null());
  EXPECT_TRUE(stack.request("GET", "/api/jobs?status=FAILED", kToken).parsed()["jobs"].empty());

  // One job with its history.
  const std::string id = second_page["jobs"][0]["id"];
  const auto shown = stack.request("GET", "/api/jobs/" + id, kToken);
  ASSERT_EQ(shown.status, 200) << shown.body;
  const auto detail = shown.parsed();
  EXPECT_EQ(detail["job"]["status"], "COMPLETED");
  EXPECT_EQ(detail["job"]["video"]["file_path"], "video.mp4");
  EXPECT_GT(detail["job"]["duration_seconds"].get<double>(), 0);
  std::vector<std::string> statuses;
  for (const auto& e : detail["events"]) statuses.push_back(e["status"]);
  EXPECT_EQ(statuses, (std::vector<std::string>{"STARTING", "DOWNLOADING", "FRAGMENTING", "ENCODING", "UPLOADING",
                                                "FINISHING", "COMPLETED"}))
      << detail.dump();

  // Parameters that are not what they should be.
  for (const char* path : {"/api/jobs?status=bogus", "/api/jobs?limit=0", "/api/jobs?limit=501", "/api/jobs?limit=x",
                           "/api/jobs?before=not-a-uuid", "/api/jobs/not-a-uuid"}) {
    const auto r = stack.request("GET", path, kToken);
    EXPECT_EQ(r.status, 400) << path << " -> " << r.body;
  }
  for (const char* path : {"/api/jobs/..%2F..%2Fetc%2Fpasswd", "/api/jobs/../../etc/passwd", "/api/../../etc/passwd"}) {
    const auto r = stack.request("GET", path, kToken);
    EXPECT_TRUE(r.status == 400 || r.status == 404) << path << " -> " << r.status << " " << r.body;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << path;
  }
  EXPECT_EQ(stack.request("GET", "/api/jobs/00000000-0000-4000-8000-000000000000", kToken).status, 404);

  EXPECT_EQ(stack.log().find(kToken), std::string::npos) << "the token is in the log";
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// /outputs/<video>/<file> (whose bytes are `expected`, several of the store's 512 KiB reads long)
// by ranges: one across two reads answered 206 with its Content-Range, one past the end 416.
void expect_ranges_served(HttpStack& stack, const std::string& video, const std::string& file,
                          const std::string& expected) {
  ASSERT_GT(expected.size(), 600u * 1024) << file;
  const std::string url = "/outputs/" + video + "/" + file;
  const size_t from = 500 * 1024, to = 600 * 1024 + 7;
  const auto part =
      stack.request("GET", url, kToken, "", {{"Range", "bytes=" + std::to_string(from) + "-" + std::to_string(to)}});
  EXPECT_EQ(part.status, 206) << file;
  EXPECT_EQ(part.content_range,
            "bytes " + std::to_string(from) + "-" + std::to_string(to) + "/" + std::to_string(expected.size()));
  EXPECT_TRUE(part.body == expected.substr(from, to - from + 1)) << file << ": " << part.body.size() << " bytes";
  const auto past = stack.request("GET", url, kToken, "", {{"Range", "bytes=" + std::to_string(expected.size() + 10) + "-"}});
  EXPECT_EQ(past.status, 416) << file;
}

// The presentations the job API test made, streamed back with their types, in ranges, and nothing
// outside them.
TEST_F(Http, OutputsAreStreamedWithRangesAndNothingElseIsRead) {
  HttpStack& stack = *stack_;
  const auto jobs = stack.request("GET", "/api/jobs?status=COMPLETED&limit=1", kToken).parsed();
  ASSERT_EQ(jobs["jobs"].size(), 1u) << "run after the job API test";
  const std::string video = jobs["jobs"][0]["video"]["id"];
  const auto folder = stack.output_folder(video);

  EXPECT_EQ(stack.request("GET", "/outputs/" + video + "/manifest.mpd").status, 401);
  const auto mpd = stack.request("GET", "/outputs/" + video + "/manifest.mpd", kToken);
  ASSERT_EQ(mpd.status, 200) << mpd.body;
  EXPECT_EQ(mpd.content_type, "application/dash+xml");
  EXPECT_EQ(mpd.body, file_bytes(folder / "manifest.mpd"));
  const auto master = stack.request("GET", "/outputs/" + video + "/master.m3u8", kToken);
  EXPECT_EQ(master.content_type, "application/vnd.apple.mpegurl");

  // The largest file: several pieces of the store's reads, whole and in a range across them.
  std::filesystem::path largest;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file() && (largest.empty() || entry.file_size() > std::filesystem::file_size(largest))) largest = entry.path();
  }
  const std::string relative = std::filesystem::relative(largest, folder).string();
  const std::string expected = file_bytes(largest);
  const auto whole = stack.request("GET", "/outputs/" + video + "/" + relative, kToken);
  ASSERT_EQ(whole.status, 200);
  EXPECT_TRUE(whole.body == expected) << relative << ": " << whole.body.size() << " bytes, expected " << expected.size();
  expect_ranges_served(stack, video, relative, expected);

  EXPECT_EQ(stack.request("GET", "/outputs/" + video + "/missing.m4s", kToken).status, 404);
  for (const std::string& path : std::vector<std::string>{"/outputs/" + video + "/../../jobs.db", "/outputs/" + video + "/..%2F..%2Fjobs.db",
                                 "/outputs/" + video + "/%2Fetc%2Fpasswd", "/outputs/not-a-uuid/manifest.mpd",
                                 "/outputs/../jobs.db"}) {
    const auto r = stack.request("GET", path, kToken);
    EXPECT_TRUE(r.status == 400 || r.status == 404) << path << " -> " << r.status;
    EXPECT_EQ(r.body.find("SQLite"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << path;
  }
}

// Each regular file below `folder` by its '/'-separated path relative to it, with its size.
std::map<std::string, uint64_t> files_below(const std::filesystem::path& folder) {
  std::map<std::string, uint64_t> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file()) files[std::filesystem::relative(entry.path(), folder).generic_string()] = entry.file_size();
  }
  return files;
}

// The job's files as GET /api/jobs/<id> lists them (path -> bytes), after checking each entry's url,
// that the url serves exactly `bytes` bytes, the order (by path) and output_bytes (their total).
std::map<std::string, uint64_t> listed_outputs(HttpStack& stack, const std::string& job_id) {
  const auto detail = stack.request("GET", "/api/jobs/" + job_id, kToken).parsed();
  const std::string video = detail["job"]["video"]["id"];
  std::map<std::string, uint64_t> listed;
  std::vector<std::string> order;
  uint64_t total = 0;
  for (const auto& f : detail["outputs"]) {
    const std::string path = f["path"];
    const uint64_t bytes = f["bytes"];
    listed[path] = bytes;
    order.push_back(path);
    total += bytes;
    EXPECT_EQ(f["url"], "/outputs/" + video + "/" + path);
    const auto served = stack.request("GET", f["url"], kToken);
    EXPECT_EQ(served.status, 200) << path;
    EXPECT_EQ(served.body.size(), bytes) << path;
  }
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end())) << detail["outputs"].dump();
  EXPECT_EQ(detail["output_bytes"], total) << detail.dump();
  return listed;
}

// The job API lists a completed job's files: exactly those in its output folder, with their sizes.
TEST_F(Http, JobDetailListsTheOutputFilesWithTheirSizes) {
  HttpStack& stack = *stack_;
  const auto jobs = stack.request("GET", "/api/jobs?status=COMPLETED&limit=1", kToken).parsed();
  ASSERT_EQ(jobs["jobs"].size(), 1u) << "run after the job API test";
  const auto listed = listed_outputs(stack, jobs["jobs"][0]["id"]);
  EXPECT_EQ(listed, files_below(stack.output_folder(jobs["jobs"][0]["video"]["id"])));
  for (const char* name : {"manifest.mpd", "master.m3u8"}) EXPECT_TRUE(listed.contains(name)) << name;
  const auto has = [&](const std::string& prefix, const std::string& suffix) {
    return std::any_of(listed.begin(), listed.end(), [&](const auto& file) {
      return file.first.starts_with(prefix) && file.first.ends_with(suffix);
    });
  };
  EXPECT_TRUE(has("init-", ".mp4") && has("seg-", ".m4s")) << "no init or media segment listed";
}

// A Prometheus server on loopback scraping the service every second, with its data in `dir`.
class PrometheusServer {
 public:
  PrometheusServer(const std::filesystem::path& dir, int target_port) : port_(ve::testing::free_local_port()) {
    std::filesystem::create_directories(dir / "data");
    std::ofstream(dir / "prometheus.yml") << "global:\n  scrape_interval: 1s\n"
                                          << "scrape_configs:\n  - job_name: video-encoder\n"
                                          << "    static_configs:\n      - targets: ['127.0.0.1:" << target_port << "']\n";
    process_ = std::make_unique<ServiceProcess>(
        "/usr/bin/prometheus",
        std::vector<std::string>{"--config.file=" + (dir / "prometheus.yml").string(),
                                 "--storage.tsdb.path=" + (dir / "data").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
        std::map<std::string, std::string>{}, dir, dir / "prometheus.log");
  }

  // The value of an instant query's first sample, or "" when it has none (yet).
  std::string query(const std::string& promql) {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(2);
    auto r = client.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
    if (!r || r->status != 200) return "";
    const json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || j["data"]["result"].empty()) return "";
    return j["data"]["result"][0]["value"][1].get<std::string>();
  }
  std::string log() const { return process_->log(); }

 private:
  int port_;
  std::unique_ptr<ServiceProcess> process_;
};

// After the job API test's three jobs: the exposition passes promtool, says what happened, and a
// real Prometheus scrapes it.
TEST_F(Http, MetricsPassPromtoolAndAreScrapedByPrometheus) {
  HttpStack& stack = *stack_;
  const auto scraped = stack.request("GET", "/metrics");
  ASSERT_EQ(scraped.status, 200);
  EXPECT_EQ(scraped.content_type, "text/plain; version=0.0.4; charset=utf-8");
  ve::testing::TempDir dir;
  std::ofstream(dir / "metrics.txt") << scraped.body;
  const auto promtool = ve::testing::run("promtool check metrics < " + ve::testing::quote((dir / "metrics.txt").string()) + " 2>&1");
  EXPECT_EQ(promtool.exit_code, 0) << promtool.output;
  EXPECT_EQ(promtool.output, "") << promtool.output;
  using ve::testing::metric_sample;
  EXPECT_EQ(metric_sample(scraped.body, R"(video_encoder_jobs_finished_total{status="completed"})"), "3") << scraped.body;
  EXPECT_EQ(metric_sample(scraped.body, R"(video_encoder_messages_total{outcome="received"})"), "3");
  EXPECT_EQ(metric_sample(scraped.body, R"(video_encoder_messages_total{outcome="acked"})"), "3");
  EXPECT_EQ(metric_sample(scraped.body, R"(video_encoder_messages_total{outcome="dead_lettered"})"), "0");
  EXPECT_EQ(metric_sample(scraped.body, R"(video_encoder_stage_duration_seconds_count{stage="upload"})"), "3");
  const auto video_size = std::filesystem::file_size(ve::testing::shared_media("video.mp4"));
  EXPECT_EQ(metric_sample(scraped.body, "video_encoder_downloaded_bytes_total"), std::to_string(3 * video_size));
  EXPECT_EQ(metric_sample(scraped.body, "video_encoder_broker_connected"), "1");
  EXPECT_EQ(metric_sample(scraped.body, "video_encoder_database_up"), "1");

  PrometheusServer prometheus(dir / "prometheus", stack.port());
  EXPECT_TRUE(eventually([&] { return prometheus.query(R"(video_encoder_jobs_finished_total{status="completed"})") == "3"; }, 60s))
      << prometheus.log();
  EXPECT_EQ(prometheus.query(R"(up{job="video-encoder"})"), "1");
}

TEST_F(Http, ProbesFollowTheBrokerAndTheDatabase) {
  HttpStack& stack = *stack_;
  ASSERT_TRUE(eventually([&] { return stack.ready(); }, 90s)) << stack.request("GET", "/readyz").body << "\n" << stack.log();
  const auto ready = stack.request("GET", "/readyz");
  EXPECT_EQ(ready.content_type, "application/json");
  for (const char* name : {"broker", "database", "input_bucket", "output_bucket"}) EXPECT_EQ(check_of(ready, name), "ok") << name;
  EXPECT_EQ(stack.request("GET", "/healthz").status, 200);

  stack.postgres().stop();
  ASSERT_TRUE(eventually([&] { return stack.request("GET", "/readyz").status == 503; }, 30s)) << stack.log();
  const auto no_database = stack.request("GET", "/readyz");
  EXPECT_NE(check_of(no_database, "database"), "ok") << no_database.body;
  EXPECT_EQ(check_of(no_database, "broker"), "ok") << no_database.body;
  EXPECT_EQ(stack.request("GET", "/healthz").status, 200) << "a database outage is not a reason to restart the process";
  stack.postgres().start();
  EXPECT_TRUE(eventually([&] { return stack.ready(); }, 60s)) << stack.request("GET", "/readyz").body;

  stack.drop_probe();
  stack.broker().stop();
  ASSERT_TRUE(eventually([&] { return stack.request("GET", "/readyz").status == 503; }, 30s)) << stack.log();
  const auto no_broker = stack.request("GET", "/readyz");
  EXPECT_NE(check_of(no_broker, "broker").find("not connected to RabbitMQ"), std::string::npos) << no_broker.body;
  EXPECT_EQ(check_of(no_broker, "database"), "ok") << no_broker.body;
  stack.broker().start();
  EXPECT_TRUE(eventually([&] { return stack.ready(); }, 90s)) << stack.request("GET", "/readyz").body << "\n" << stack.log();
}

// The console without a browser (tests/e2e/console_test.cpp drives it in Chromium): pages need the
// session, the console's files do not and are what web/ holds, and the login form's cookie opens
// the pages and the API.
TEST_F(Http, ConsoleServesItsFilesAndTheLoginSetsASessionCookie) {
  HttpStack& stack = *stack_;
  ASSERT_TRUE(eventually([&] { return stack.ready(); }, 90s)) << stack.request("GET", "/readyz").body << "\n" << stack.log();
  httplib::Client client("127.0.0.1", stack.port());
  client.set_connection_timeout(5);
  for (const char* path : {"/", "/jobs/00000000-0000-4000-8000-000000000000"}) {
    const auto r = client.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 303) << path;
    EXPECT_EQ(r->get_header_value("Location"), "/login") << path;
  }

  const std::pair<const char*, const char*> files[] = {
      {"/console/app.js", "text/javascript; charset=utf-8"}, {"/console/style.css", "text/css; charset=utf-8"},
      {"/console/dash.all.min.js", "text/javascript; charset=utf-8"}, {"/console/hls.min.js", "text/javascript; charset=utf-8"},
      {"/console/licenses.txt", "text/plain; charset=utf-8"}};
  for (const auto& [path, type] : files) {
    const auto r = client.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->get_header_value("Content-Type"), type) << path;
  }
  const auto dash = client.Get("/console/dash.all.min.js");
  EXPECT_TRUE(dash->body == ve::testing::read_text(VE_WEB_DIR "/node_modules/dashjs/dist/dash.all.min.js"))
      << "the embedded dash.js differs from web/node_modules";
  const auto hls = client.Get("/console/hls.min.js");
  EXPECT_TRUE(hls->body == ve::testing::read_text(VE_WEB_DIR "/node_modules/hls.js/dist/hls.min.js"));
  EXPECT_TRUE(client.Get("/console/app.js")->body == ve::testing::read_text(VE_WEB_DIR "/console/app.js"));
  const std::string licenses = client.Get("/console/licenses.txt")->body;
  EXPECT_NE(licenses.find("==== dashjs/LICENSE.md ===="), std::string::npos);
  EXPECT_NE(licenses.find("==== hls.js/LICENSE ===="), std::string::npos);
  const std::string etag = dash->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(client.Get("/console/dash.all.min.js", httplib::Headers{{"If-None-Match", etag}})->status, 304);
  EXPECT_EQ(client.Get("/console/no-such-file.js")->status, 404);
  // Only /console/<name> is open: nothing deeper, and no way around the token from there.
  for (const char* path : {"/console/../api/jobs", "/console/x/../../api/jobs", "/console/a/b"}) {
    const auto r = client.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_NE(r->status, 200) << path << " -> " << r->body;
  }

  const auto form = client.Get("/login");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 200);
  EXPECT_NE(form->body.find(R"(name="token")"), std::string::npos) << form->body;
  const auto wrong = client.Post("/login", "token=wrong-token-0123456789abcdef", "application/x-www-form-urlencoded");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_NE(wrong->body.find("Wrong token"), std::string::npos) << wrong->body;
  EXPECT_FALSE(wrong->has_header("Set-Cookie"));
  const auto right = client.Post("/login", std::string("token=") + kToken, "application/x-www-form-urlencoded");
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 303);
  EXPECT_EQ(right->get_header_value("Location"), "/");
  const std::string set_cookie = right->get_header_value("Set-Cookie");
  EXPECT_EQ(set_cookie.rfind("ve_session=", 0), 0u) << set_cookie;
  for (const char* attribute : {"; HttpOnly", "; SameSite=Strict", "; Path=/"}) {
    EXPECT_NE(set_cookie.find(attribute), std::string::npos) << set_cookie;
  }
  EXPECT_EQ(set_cookie.find(kToken), std::string::npos) << "the cookie holds the token";
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));

  const httplib::Headers session{{"Cookie", cookie}};
  const auto page = client.Get("/jobs/00000000-0000-4000-8000-000000000000", session);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find(R"(<body data-login="required">)"), std::string::npos) << page->body;
  EXPECT_NE(page->body.find("/console/app.js"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(client.Get("/api/jobs", session)->status, 200);
  EXPECT_EQ(client.Get("/api/jobs", httplib::Headers{{"Cookie", "ve_session=0123"}})->status, 401);

  const auto out = client.Post("/logout", session, "", "application/x-www-form-urlencoded");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 303);
  EXPECT_EQ(out->get_header_value("Location"), "/login");
  EXPECT_NE(out->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(stack.log().find(kToken), std::string::npos) << "the token is in the log";
}

// /outputs over the S3 backend: the service uploads a job's presentation to the S3-compatible test
// server (SigV4-checking proxy in front), and /outputs serves it back byte for byte as an
// independent S3 client reads the bucket, whole and by ranges.
TEST(HttpOnS3, OutputsAreStreamedFromTheS3BucketWithRanges) {
  ve::testing::S3Server s3(std::vector<std::string>{"in-bucket", "out-bucket"});
  const auto settings = s3.settings();
  ve::adapters::blob::S3BlobStore bucket(settings);
  ASSERT_TRUE(bucket.upload(ve::testing::shared_media("video.mp4"), "in-bucket", "uploads/video.mp4"));
  auto env = ve::testing::s3_service_env(settings);
  env.merge(std::map<std::string, std::string>{{"HTTP_TOKEN", kToken},
                                                {"inputBucketName", "s3://in-bucket/uploads"},
                                                {"outputBucketName", "s3://out-bucket/dash"}});
  HttpStack stack(false, env);
  ASSERT_TRUE(eventually([&] { return stack.ready(); }, 90s)) << stack.request("GET", "/readyz").body << "\n" << stack.log();
  const auto submitted = stack.request("POST", "/api/jobs", kToken, R"({"resource_id":"on-s3","file_path":"video.mp4"})");
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  json done;
  ASSERT_TRUE(eventually([&] {
    done = stack.request("GET", "/api/jobs?status=COMPLETED", kToken).parsed();
    return done.is_object() && done["jobs"].size() == 1;
  }, 120s)) << stack.log();
  const std::string video = done["jobs"][0]["video"]["id"];

  const auto keys = bucket.list("out-bucket", "dash/" + video + "/");
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_GE(keys->size(), 4u);  // manifest, playlists, init and segments
  // The job API lists each object by its key below the job's folder (the bucket's prefix and
  // video id left out), with its size.
  std::set<std::string> in_bucket;
  for (const auto& key : *keys) in_bucket.insert(key.substr(("dash/" + video + "/").size()));
  std::set<std::string> listed;
  for (const auto& [path, bytes] : listed_outputs(stack, done["jobs"][0]["id"])) listed.insert(path);
  EXPECT_EQ(listed, in_bucket);
  ve::testing::TempDir scratch;
  std::string largest_key, largest;
  for (const auto& key : *keys) {
    const auto copy = scratch / "object";
    ASSERT_TRUE(bucket.download("out-bucket", key, copy)) << key;
    const std::string bytes = file_bytes(copy);
    const std::string file = key.substr(("dash/" + video + "/").size());
    const auto served = stack.request("GET", "/outputs/" + video + "/" + file, kToken);
    EXPECT_EQ(served.status, 200) << file;
    EXPECT_TRUE(served.body == bytes) << file << ": " << served.body.size() << " bytes, the bucket holds " << bytes.size();
    if (bytes.size() > largest.size()) {
      largest_key = file;
      largest = bytes;
    }
  }
  EXPECT_EQ(stack.request("GET", "/outputs/" + video + "/manifest.mpd", kToken).content_type, "application/dash+xml");
  expect_ranges_served(stack, video, largest_key, largest);
  EXPECT_EQ(stack.request("GET", "/outputs/" + video + "/missing.m4s", kToken).status, 404);
}

TEST(HttpStartUp, APublicAddressWithoutATokenStopsStartUp) {
  ve::testing::TempDir root;
  ServiceProcess service(VE_BINARY, {"serve"},
                         {{"HTTP_ADDR", "0.0.0.0:" + std::to_string(ve::testing::free_local_port())},
                          {"localStoragePath", (root / "work").string()},
                          {"RABBITMQ_DEFAULT_PORT", std::to_string(ve::testing::free_local_port())}},
                         root.path(), root / "service.log");
  EXPECT_NE(service.wait_exit(30s), 0) << service.log();
  EXPECT_NE(service.log().find("HTTP_TOKEN"), std::string::npos) << service.log();
  EXPECT_EQ(service.log().find("listening"), std::string::npos) << service.log();
}

}  // namespace
