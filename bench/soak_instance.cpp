// SPDX-License-Identifier: Apache-2.0
#include "soak_instance.hpp"

#include <httplib.h>

#include <fstream>

#include "support/test_support.hpp"

namespace ve::soak {

namespace {

std::map<std::string, std::string> with_http(std::map<std::string, std::string> env, int port) {
  env["HTTP_ADDR"] = "127.0.0.1:" + std::to_string(port);
  return env;
}

}  // namespace

Instance::Instance(std::string name, const std::string& binary, std::map<std::string, std::string> env,
                   const std::filesystem::path& cwd, const std::filesystem::path& log)
    : name_(std::move(name)),
      log_(log),
      http_port_(testing::free_local_port()),
      process_(std::make_unique<testing::ServiceProcess>(binary, std::vector<std::string>{"serve"},
                                                         with_http(std::move(env), http_port_), cwd, log)),
      pid_(process_->pid()) {
  if (pid_ <= 0) {
    process_.reset();
    fate_ = "could not be started (" + binary + ")";
  }
}

void Instance::scrape_metrics() {
  httplib::Client client("127.0.0.1", http_port_);
  client.set_connection_timeout(1);
  client.set_read_timeout(2);
  const auto r = client.Get("/metrics");
  if (!r || r->status != 200) return;
  double finished = 0;
  for (const char* status : {"completed", "failed", "abandoned"}) {
    const std::string value =
        testing::metric_sample(r->body, std::string("video_encoder_jobs_finished_total{status=\"") + status + "\"}");
    if (value == "absent") return;
    finished += std::stod(value);
  }
  finished_in_metrics_ = finished;
}

void Instance::sample() {
  if (!process_) return;
  if (auto s = sample_process(pid_)) {
    stats_.add(*s);
    if (std::chrono::steady_clock::now() >= next_scrape_) {
      scrape_metrics();
      next_scrape_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    }
    return;
  }
  // Gone, or a zombie: reap it and keep its exit code.
  const int code = process_->wait_exit(std::chrono::seconds(2));
  if (code == -2) {
    fate_ = "running, but unreadable in /proc";
    return;
  }
  fate_ = "exited on its own (" + (code == -1 ? std::string("by a signal") : "code " + std::to_string(code)) + ")";
  process_.reset();
}

void Instance::kill() {
  if (!process_) return;
  sample();
  scrape_metrics();
  if (!process_) return;
  process_->kill9();
  process_.reset();
  fate_ = "SIGKILLed";
}

int Instance::stop(std::chrono::seconds grace) {
  if (!process_) return -1;
  sample();
  scrape_metrics();
  if (!process_) return -1;
  const int code = process_->stop(grace);
  fate_ = code == 0 ? "exit 0" : code == -1 ? "killed by a signal or hung" : "exit " + std::to_string(code);
  process_.reset();
  return code;
}

size_t Instance::completed_in_log() const {
  std::ifstream in(log_);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    const auto job = line.find("] job ");
    if (job != std::string::npos && line.size() >= 10 && line.compare(line.size() - 10, 10, " completed") == 0) ++n;
  }
  return n;
}

}  // namespace ve::soak
