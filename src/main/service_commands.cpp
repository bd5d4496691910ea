// SPDX-License-Identifier: Apache-2.0
#include "main/service_commands.hpp"

#include <signal.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdlib>
#include <algorithm>
#include <thread>

#include "adapters/amqp/amqp_client.hpp"
#include "adapters/fs/free_space.hpp"
#include "adapters/media/dash_packager.hpp"
#include "adapters/media/ladder_packager.hpp"
#include "adapters/store/postgres_job_store.hpp"
#include "adapters/store/sqlite_job_store.hpp"
#include "app/job_processor.hpp"
#include "app/service_metrics.hpp"
#include "app/work_folder.hpp"
#include "app/worker_pool.hpp"
#include "core/job_request.hpp"
#include "core/time_format.hpp"
#include "main/blob_stores.hpp"
#include "main/http_service.hpp"

namespace ve::main {
namespace {

core::Result<std::unique_ptr<ports::JobStore>> open_store(const core::Config& config) {
  if (config.database == core::DatabaseType::Postgres) {
    auto store = adapters::store::PostgresJobStore::open(config.dsn, config.auto_migrate);
    if (!store) return core::fail(store.error());
    return std::unique_ptr<ports::JobStore>(std::move(*store));
  }
  auto store = adapters::store::SqliteJobStore::open(config.dsn, config.auto_migrate);
  if (!store) return core::fail(store.error());
  return std::unique_ptr<ports::JobStore>(std::move(*store));
}

// Turns SIGINT/SIGTERM into a stop request, and a second one into `cancel_now`. The signals must
// be blocked in every thread, so this is created before any other thread starts.
class StopOnSignal {
 public:
  StopOnSignal(std::stop_source stop, std::stop_source cancel_now) {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    thread_ = std::jthread([this, stop, cancel_now](std::stop_token own) mutable {
      const timespec tick{0, 200'000'000};
      while (!own.stop_requested() && !cancel_now.stop_requested()) {
        const int sig = sigtimedwait(&signals_, nullptr, &tick);
        if (sig != SIGINT && sig != SIGTERM) continue;
        if (!stop.stop_requested()) {
          spdlog::info("{} received: finishing jobs in progress, taking no new ones (again to cancel them now)",
                       strsignal(sig));
          stop.request_stop();
        } else {
          spdlog::warn("{} received again: cancelling the jobs in progress", strsignal(sig));
          cancel_now.request_stop();
        }
      }
    });
  }

 private:
  sigset_t signals_;
  std::jthread thread_;
};

int fail_with(const core::Error& e) {
  spdlog::error("{}", e.message);
  return 1;
}

}  // namespace

int serve(const core::Config& config) {
  std::stop_source stop, cancel_now;
  StopOnSignal signals(stop, cancel_now);
  spdlog::info("video-encoder serve: {}", core::describe(config));
  std::error_code ec;
  std::filesystem::create_directories(config.local_storage_path, ec);
  if (ec) return fail_with(core::Error::internal("cannot create localStoragePath " + config.local_storage_path.string() + ": " + ec.message()));

  if (const size_t orphans = app::remove_orphaned_work_folders(config.local_storage_path); orphans > 0) {
    spdlog::warn("removed {} working folder(s) left in {} by a process that stopped mid-job", orphans,
                 config.local_storage_path.string());
  }
  auto blobs = make_blob_stores(config);
  if (!blobs) return fail_with(blobs.error());
  auto store = open_store(config);
  if (!store) return fail_with(store.error());
  // Probes, metrics and the API answer from here on, while the broker is awaited and during the
  // shutdown; the server stops last.
  BrokerSlot broker_slot;
  app::ServiceMetrics metrics(VE_VERSION);
  app::JobHeartbeats heartbeats(std::chrono::seconds(config.stuck_job_seconds));
  std::unique_ptr<adapters::web::HttpServer> http;
  if (config.http_address) {
    auto render_metrics = [&metrics, &broker_slot, &store] {
      metrics.set_broker_connected(broker_slot.connected());
      metrics.set_database_up((*store)->ping().has_value());
      return metrics.render();
    };
    auto started = start_http_service(config, **store, *(*blobs)->router, broker_slot,
                                      [&heartbeats] { return heartbeats.stuck(); }, render_metrics);
    if (!started) return fail_with(started.error());
    http = std::move(*started);
  }
  // The broker may come up after us: wait for it (once connected, the client reconnects by itself).
  auto broker = adapters::amqp::AmqpClient::connect(config.amqp);
  for (auto wait = std::chrono::milliseconds(500); !broker && !stop.stop_requested();
       wait = std::min(wait * 2, std::chrono::milliseconds(10000))) {
    if (broker.error().kind != core::ErrorKind::Transient) return fail_with(broker.error());
    spdlog::warn("{}; retrying in {} ms", broker.error().message, wait.count());
    for (auto slept = std::chrono::milliseconds(0); slept < wait && !stop.stop_requested(); slept += std::chrono::milliseconds(100)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    broker = adapters::amqp::AmqpClient::connect(config.amqp);
  }
  if (!broker) return stop.stop_requested() ? 0 : fail_with(broker.error());
  broker_slot.set(broker->get());
  adapters::media::LadderPackager packager;

  app::JobSettings settings;
  settings.input_bucket = config.input_bucket;
  settings.output_bucket = config.output_bucket;
  settings.work_root = config.local_storage_path;
  settings.upload_concurrency = config.upload_concurrency;
  settings.package.segment_duration_seconds = config.segment_duration_seconds;
  settings.package.formats = config.output_formats;
  settings.package.renditions = config.renditions;
  settings.package.x264_preset = config.x264_preset;
  settings.package.audio_bitrate = config.audio_bitrate;
  // The videos encoded at the same time share the cores.
  settings.package.cores = std::max(1u, std::thread::hardware_concurrency() / static_cast<unsigned>(std::max(1, config.workers)));
  settings.shutdown_grace_seconds = config.shutdown_grace_seconds;
  settings.metrics = &metrics;
  settings.heartbeats = &heartbeats;
  app::DiskReservations disk_space(config.local_storage_path,
                                   static_cast<uint64_t>(config.local_storage_min_free_mb) << 20,
                                   adapters::fs::free_bytes);
  settings.disk_space = &disk_space;
  app::JobProcessor processor(**store, *(*blobs)->router, packager, **broker, settings, app::random_uuid);

  spdlog::info("consuming queue {} with {} workers", config.amqp.queue, config.workers);
  app::ShutdownPolicy shutdown;
  shutdown.grace = std::chrono::seconds(config.shutdown_grace_seconds);
  shutdown.on_stop = [&broker] { (*broker)->stop_consuming(); };
  shutdown.cancel_now = cancel_now.get_token();
  const size_t stuck = app::run_workers(**broker, processor, config.workers, stop.get_token(), shutdown, &metrics);
  if (stuck > 0) {
    processor.abandon_unfinished("abandoned: the service shut down before the job finished (SHUTDOWN_GRACE_SECONDS=" +
                                 std::to_string(config.shutdown_grace_seconds) + "); message requeued");
  }
  (*broker)->close();  // unsettled deliveries go back to the queue
  if (stuck > 0) {
    if (http) http->stop();
    // Their threads still use what is about to be destroyed: end here, the broker has their messages.
    spdlog::warn("stopped; {} job(s) were left to the broker, which delivers their messages again", stuck);
    spdlog::shutdown();
    std::_Exit(0);
  }
  broker_slot.set(nullptr);
  if (http) http->stop();
  spdlog::info("stopped");
  return 0;
}

int submit(const core::Config& config, const std::string& resource_id, const std::string& file_path) {
  const std::string body = nlohmann::json{{"resource_id", resource_id}, {"file_path", file_path}}.dump();
  if (auto request = core::parse_job_request(body); !request) {
    return fail_with(core::Error::invalid_input("not submitted: " + request.error().message));
  }
  auto broker = adapters::amqp::AmqpClient::connect(config.amqp);
  if (!broker) return fail_with(broker.error());
  const std::string message_id = app::random_uuid();
  if (auto ok = (*broker)->publish_to_queue(body, message_id); !ok) return fail_with(ok.error());
  fmt::print("submitted message {} to queue {}: {}\n", message_id, config.amqp.queue, body);
  return 0;
}

namespace {

// "42% 31 fps" while encoding, "100%" once done; empty before any progress was recorded.
std::string progress_text(const ports::JobRecord& j) {
  if (!j.progress_percent) return "";
  std::string text = fmt::format("{:.0f}%", std::floor(*j.progress_percent));
  if (j.status == core::JobStatus::Encoding && j.frames_per_second > 0) text += fmt::format(" {:.0f} fps", j.frames_per_second);
  return text;
}

void print_job_row(const ports::JobRecord& j) {
  fmt::print("{:<36}  {:<11}  {:<12}  {:<27}  {:<20}  {:<24}  {}\n", j.id, core::to_string(j.status), progress_text(j),
             core::format_rfc3339(j.updated_at), j.video.resource_id, j.video.file_path, j.error);
}

void print_job_header() {
  fmt::print("{:<36}  {:<11}  {:<12}  {:<27}  {:<20}  {:<24}  {}\n", "job_id", "status", "progress", "updated_at",
             "resource_id", "file_path", "error");
}

int show_job(ports::JobStore& store, const std::string& job_id) {
  auto job = store.find_job(job_id);
  if (!job) return fail_with(job.error());
  if (!*job) return fail_with(core::Error::not_found("no job " + job_id + " in the job store"));
  auto events = store.job_events((*job)->id);
  if (!events) return fail_with(events.error());
  print_job_header();
  print_job_row(**job);
  fmt::print("\n{:<27}  {:<11}  {}\n", "at", "status", "note");
  for (const auto& e : *events) {
    fmt::print("{:<27}  {:<11}  {}\n", core::format_rfc3339(e.at), core::to_string(e.status), e.note);
  }
  auto files = store.job_outputs((*job)->id);
  if (!files) return fail_with(files.error());
  if (!files->empty()) {
    // The output files as uploaded, below the job's output path (<output bucket path>/<video id>/).
    uint64_t total = 0;
    fmt::print("\n{:>12}  {}\n", "bytes", "output file");
    for (const auto& f : *files) {
      fmt::print("{:>12}  {}\n", f.bytes, f.path);
      total += f.bytes;
    }
    fmt::print("{:>12}  ({} files)\n", total, files->size());
  }
  return 0;
}

}  // namespace

int list_jobs(const core::Config& config, const std::optional<std::string>& status_text,
              const std::optional<std::string>& job_id) {
  std::optional<core::JobStatus> status;
  if (status_text) {
    status = core::parse_job_status(*status_text);
    if (!status) {
      return fail_with(core::Error::invalid_input("unknown status '" + *status_text +
                                                  "' (STARTING, DOWNLOADING, FRAGMENTING, ENCODING, UPLOADING, "
                                                  "FINISHING, COMPLETED, FAILED, ABANDONED)"));
    }
  }
  auto store = open_store(config);
  if (!store) return fail_with(store.error());
  if (job_id) return show_job(**store, *job_id);
  auto jobs = (*store)->list_jobs(status);
  if (!jobs) return fail_with(jobs.error());
  print_job_header();
  for (const auto& j : *jobs) print_job_row(j);
  return 0;
}

}  // namespace ve::main
