// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace ve::testing {

// The service binary in a child process, with extra environment variables (they replace inherited
// ones of the same name), its working directory, and stdout+stderr appended to `log`. Killed with
// SIGKILL on destruction if still running.
class ServiceProcess {
 public:
  ServiceProcess(const std::string& binary, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env, const std::filesystem::path& cwd,
                 const std::filesystem::path& log);
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const;
  // Sends `signal` (SIGTERM by default) and waits up to `grace` for the exit; the exit code, or -1
  // when it was killed by a signal or had not exited within `grace`.
  int stop(std::chrono::seconds grace = std::chrono::seconds(60), int signal = 15);
  // SIGKILL, and waits for it to be gone.
  void kill9();
  // Sends a signal without waiting.
  void signal(int sig) const;
  // Waits up to `timeout` for the process to exit on its own; the exit code as stop() reports it,
  // or nullopt-like -2 when it is still running.
  int wait_exit(std::chrono::milliseconds timeout);
  std::string log() const;
  const std::filesystem::path& log_path() const { return log_; }

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_;
};

}  // namespace ve::testing
