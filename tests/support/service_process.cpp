// SPDX-License-Identifier: Apache-2.0
#include "support/service_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <thread>

#include "support/test_support.hpp"

extern char** environ;

namespace ve::testing {

ServiceProcess::ServiceProcess(const std::string& binary, const std::vector<std::string>& args,
                               const std::map<std::string, std::string>& env, const std::filesystem::path& cwd,
                               const std::filesystem::path& log)
    : log_(log) {
  std::vector<std::string> entries;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    if (!env.count(entry.substr(0, entry.find('=')))) entries.push_back(entry);
  }
  for (const auto& [k, v] : env) entries.push_back(k + "=" + v);
  // No HTTP server unless the test asks for one: several services run at once in the tests.
  if (!env.count("HTTP_ADDR")) entries.push_back("HTTP_ADDR=");
  std::vector<char*> envp;
  for (auto& e : entries) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_s = {binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  if (posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
}

ServiceProcess::~ServiceProcess() {
  if (pid_ > 0) kill9();
}

bool ServiceProcess::running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

void ServiceProcess::signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

int ServiceProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  do {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return -2;
}

int ServiceProcess::stop(std::chrono::seconds grace, int sig) {
  signal(sig);
  const int code = wait_exit(grace);
  return code == -2 ? -1 : code;
}

void ServiceProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string ServiceProcess::log() const { return read_text(log_); }

}  // namespace ve::testing
