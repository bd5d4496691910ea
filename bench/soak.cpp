// SPDX-License-Identifier: Apache-2.0
// Soak test of `video-encoder serve`: K instances on one private RabbitMQ and one PostgreSQL, N good
// and bad messages, and a check from the outside that every message had exactly one outcome, that
// the database agrees and that no working folder is left. Prints throughput and each instance's
// peak RSS; exits 1 when a check fails, 2 when it cannot run. See bench/README.md.
#include <CLI/CLI.hpp>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "adapters/store/postgres_job_store.hpp"
#include "soak_instance.hpp"
#include "soak_plan.hpp"
#include "soak_report.hpp"
#include "soak_verdict.hpp"
#include "support/postgres_fixture.hpp"
#include "support/rabbitmq_fixture.hpp"
#include "support/test_support.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using ve::soak::Instance;

std::atomic<bool> g_interrupted{false};

// The good inputs: object keys in the input bucket and the shared sample each is a copy of.
const std::vector<std::pair<std::string, std::string>> kGoodInputs = {
    {"video.mp4", "video.mp4"}, {"clips/video-h265.mp4", "video-h265.mp4"},
    {"bento4-video-h264-001.mp4", "bento4-video-h264-001.mp4"}};

// The run's folder (buckets, working folders, logs): removed at the end unless kept.
class RunFolder {
 public:
  explicit RunFolder(bool keep) : keep_(keep) {
    std::string tmpl = (fs::temp_directory_path() / "ve-soak-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      throw std::runtime_error("cannot create a folder in " + fs::temp_directory_path().string());
    }
    path_ = tmpl;
  }
  ~RunFolder() {
    std::error_code ec;
    if (!keep_) fs::remove_all(path_, ec);
  }
  RunFolder(const RunFolder&) = delete;
  RunFolder& operator=(const RunFolder&) = delete;
  const fs::path& path() const { return path_; }

 private:
  bool keep_;
  fs::path path_;
};

class Soak {
 public:
  explicit Soak(ve::soak::Options options) : o_(std::move(options)), folder_(o_.keep) {}

  int run() {
    ve::soak::RunFacts facts;
    facts.options = o_;
    facts.folder = folder_.path();
    facts.plan = ve::soak::plan_messages(o_.jobs, o_.bad_fraction, good_keys());
    std::printf("soak: starting RabbitMQ and PostgreSQL (folder %s)\n", folder_.path().c_str());
    std::fflush(stdout);
    broker_ = ve::testing::RabbitMqNode::start_new();
    postgres_ = std::make_unique<ve::testing::PostgresCluster>();
    fill_input_bucket();
    for (int i = 0; i < o_.instances; ++i) start_instance("instance-" + std::to_string(i + 1), i);
    ve::testing::BrokerProbe probe(broker_->settings());
    if (!wait_for_consumers(probe)) return report_cannot_run("the instances did not all start consuming within 90 s");

    std::printf("soak: publishing %zu messages to %zu consumers\n", facts.plan.size(), instances_.size());
    std::fflush(stdout);
    const auto started = Clock::now();
    for (const auto& m : facts.plan) {
      if (g_interrupted) break;
      probe.publish("", "videos", m.body, m.message_id);
    }
    facts.publish_seconds = seconds_since(started);
    collect(probe, facts, started);

    for (auto& instance : instances_) {
      // The killed one is expected to be gone; any other must still run and exit 0 when told to.
      if (instance->fate() == "SIGKILLed") continue;
      if (instance->stop(60s) != 0) facts.stop_failures.push_back(instance->name() + ": " + instance->fate());
    }
    read_database(facts);
    for (const auto& [dir, owner] : work_dirs_) {
      for (const auto& name : ve::testing::list_names(dir)) {
        facts.left_behind.push_back(owner + ": " + (dir / name).string());
      }
    }
    facts.left_at_kill = left_at_kill_;
    const auto verdict = ve::soak::judge(facts.plan, facts.got, facts.jobs, folder_.path() / "storage/out", killed_);
    return ve::soak::print_report(facts, instances_, verdict);
  }

 private:
  std::vector<std::string> good_keys() const {
    std::vector<std::string> keys;
    for (const auto& [key, sample] : kGoodInputs) keys.push_back(key);
    return keys;
  }

  void fill_input_bucket() {
    const fs::path in = folder_.path() / "storage/in";
    for (const auto& [key, sample] : kGoodInputs) {
      fs::create_directories((in / key).parent_path());
      fs::copy_file(ve::testing::shared_media(sample), in / key);
    }
    ve::testing::write_bytes(in / ve::soak::kCorruptObject, "this is not a video");
  }

  void start_instance(const std::string& name, int slot) {
    const fs::path work = work_dir(slot);
    work_dirs_.emplace(work, name);
    const std::map<std::string, std::string> env = {
        {"DB_TYPE", "postgres"},
        {"DSN", postgres_->dsn()},
        {"AUTO_MIGRATE_DB", "true"},
        {"localStoragePath", work.string()},
        {"STORAGE_ROOT", (folder_.path() / "storage").string()},
        {"inputBucketName", "in"},
        {"outputBucketName", "out"},
        {"CONCURRENCY_WORKERS", std::to_string(o_.workers)},
        {"CONCURRENCY_UPLOAD", "4"},
        {"RENDITIONS", o_.renditions},
        {"RABBITMQ_DEFAULT_HOST", "127.0.0.1"},
        {"RABBITMQ_DEFAULT_PORT", std::to_string(broker_->port())},
        {"RABBITMQ_DEFAULT_USER", "guest"},
        {"RABBITMQ_DEFAULT_PASS", "guest"}};
    fs::create_directories(folder_.path() / "logs");
    instances_.push_back(std::make_unique<Instance>(name, o_.binary, env, folder_.path(),
                                                    folder_.path() / "logs" / (name + ".log")));
  }

  bool wait_for_consumers(ve::testing::BrokerProbe& probe) {
    const auto deadline = Clock::now() + 90s;
    while (Clock::now() < deadline && !g_interrupted) {
      if (probe.consumer_count("videos").value_or(0) >= static_cast<uint32_t>(instances_.size())) return true;
      for (auto& instance : instances_) {
        instance->sample();
        if (!instance->running()) return false;
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  // Takes everything from both queues until every planned message has its outcome (or the time
  // is up), then keeps listening for the quiet period to catch duplicates.
  void collect(ve::testing::BrokerProbe& probe, ve::soak::RunFacts& facts, Clock::time_point started) {
    const auto deadline = started + std::chrono::seconds(o_.timeout_seconds);
    auto next_sample = Clock::now();
    size_t settled = 0;
    while (Clock::now() < deadline && !g_interrupted && settled < facts.plan.size()) {
      const bool any = drain(probe, facts.got);
      if (any) settled = ve::soak::settled_count(facts.plan, facts.got);
      if (Clock::now() >= next_sample) {
        for (auto& instance : instances_) instance->sample();
        next_sample = Clock::now() + 250ms;
      }
      if (o_.kill_one && !killed_ && settled * 3 >= facts.plan.size()) kill_and_replace(settled);
      if (!any) std::this_thread::sleep_for(50ms);
    }
    facts.settled = settled;
    facts.wall_seconds = seconds_since(started);
    facts.timed_out = settled < facts.plan.size();
    facts.interrupted = g_interrupted;
    const size_t before_quiet = facts.got.results.size() + facts.got.failures.size() + facts.got.dead_letters.size();
    const auto quiet_end = Clock::now() + std::chrono::seconds(o_.quiet_seconds);
    while (Clock::now() < quiet_end && !g_interrupted) {
      if (!drain(probe, facts.got)) std::this_thread::sleep_for(100ms);
      for (auto& instance : instances_) instance->sample();
    }
    facts.late_messages =
        facts.got.results.size() + facts.got.failures.size() + facts.got.dead_letters.size() - before_quiet;
  }

  // Whether anything was taken.
  static bool drain(ve::testing::BrokerProbe& probe, ve::soak::Collected& got) {
    bool any = false;
    for (int i = 0; i < 200; ++i) {
      auto result = probe.get("videos-result");
      auto dead = probe.get("videos-failed");
      if (result) got.add_result_queue_message(result->body);
      if (dead) got.dead_letters.push_back(dead->body);
      if (!result && !dead) break;
      any = true;
    }
    return any;
  }

  fs::path work_dir(int slot) const { return folder_.path() / ("work-" + std::to_string(slot + 1)); }

  // Instance 1 goes; its replacement takes its place, with the same localStoragePath.
  void kill_and_replace(size_t settled) {
    killed_ = true;
    Instance& victim = *instances_.front();
    victim.kill();
    if (fs::exists(work_dir(0))) left_at_kill_ = ve::testing::list_names(work_dir(0)).size();
    std::printf("soak: SIGKILLed %s (pid %d) after %zu of %d messages settled; starting a replacement\n",
                victim.name().c_str(), victim.pid(), settled, o_.jobs);
    std::fflush(stdout);
    start_instance(victim.name() + "-replacement", 0);
  }

  void read_database(ve::soak::RunFacts& facts) {
    auto store = ve::adapters::store::PostgresJobStore::open(postgres_->dsn(), false);
    if (!store) {
      facts.database_error = store.error().message;
      return;
    }
    auto jobs = (*store)->list_jobs(std::nullopt);
    if (!jobs) facts.database_error = jobs.error().message;
    else facts.jobs = std::move(*jobs);
  }

  int report_cannot_run(const std::string& why) {
    std::fprintf(stderr, "soak: cannot run: %s\n", why.c_str());
    for (auto& instance : instances_) {
      std::fprintf(stderr, "--- %s (%s), log %s:\n%s\n", instance->name().c_str(), instance->fate().c_str(),
                   instance->log_path().c_str(), ve::soak::log_tail(instance->log_path(), 30).c_str());
    }
    return 2;
  }

  static double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  }

  ve::soak::Options o_;
  RunFolder folder_;
  std::unique_ptr<ve::testing::RabbitMqNode> broker_;
  std::unique_ptr<ve::testing::PostgresCluster> postgres_;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::map<fs::path, std::string> work_dirs_;  // localStoragePath -> the instance that used it first
  bool killed_ = false;
  size_t left_at_kill_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  ve::soak::Options o;
  o.binary = VE_BINARY;
  CLI::App app{"Soak test of video-encoder serve: K instances, one broker, one database, N good and bad jobs"};
  app.add_option("--jobs", o.jobs, "Messages to publish")->check(CLI::Range(1, 100000));
  app.add_option("--instances", o.instances, "Service instances")->check(CLI::Range(1, 64));
  app.add_option("--workers", o.workers, "CONCURRENCY_WORKERS of each instance")->check(CLI::Range(1, 256));
  app.add_option("--bad-fraction", o.bad_fraction, "Share of bad messages")->check(CLI::Range(0.0, 1.0));
  app.add_option("--binary", o.binary, "The video-encoder binary under test");
  app.add_option("--renditions", o.renditions,
                 "RENDITIONS of every instance: auto (default, encodes ladders), source (repackaging) or a list");
  app.add_flag("--kill-one", o.kill_one, "SIGKILL one instance a third of the way through and start another");
  app.add_flag("--keep", o.keep, "Keep the run's folder (buckets, working folders, logs)");
  app.add_option("--timeout", o.timeout_seconds, "Seconds to wait for every outcome")->check(CLI::Range(1, 86400));
  app.add_option("--quiet-period", o.quiet_seconds, "Seconds to keep listening afterwards for duplicates")
      ->check(CLI::Range(0, 3600));
  CLI11_PARSE(app, argc, argv);

  struct sigaction on_signal {};
  on_signal.sa_handler = [](int) { g_interrupted = true; };
  ::sigaction(SIGINT, &on_signal, nullptr);
  ::sigaction(SIGTERM, &on_signal, nullptr);
  try {
    Soak soak(o);
    return soak.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "soak: cannot run: %s\n", e.what());
    return 2;
  }
}
