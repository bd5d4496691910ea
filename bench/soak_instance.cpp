// SPDX-License-Identifier: Apache-2.0
#include "soak_instance.hpp"

#include <fstream>

namespace ve::soak {

Instance::Instance(std::string name, const std::string& binary, const std::map<std::string, std::string>& env,
                   const std::filesystem::path& cwd, const std::filesystem::path& log)
    : name_(std::move(name)),
      log_(log),
      process_(std::make_unique<testing::ServiceProcess>(binary, std::vector<std::string>{"serve"}, env, cwd, log)),
      pid_(process_->pid()) {
  if (pid_ <= 0) {
    process_.reset();
    fate_ = "could not be started (" + binary + ")";
  }
}

void Instance::sample() {
  if (!process_) return;
  if (auto s = sample_process(pid_)) {
    stats_.add(*s);
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
  if (!process_) return;
  process_->kill9();
  process_.reset();
  fate_ = "SIGKILLed";
}

int Instance::stop(std::chrono::seconds grace) {
  if (!process_) return -1;
  sample();
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
