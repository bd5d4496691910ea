// SPDX-License-Identifier: Apache-2.0
#include "support/postgres_fixture.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <stdexcept>

namespace ve::testing {
namespace {

// The script's environment: the port, and a pristine initdb result to copy (kept in the build dir).
std::string environment(int port) {
  return "VE_POSTGRES_PORT=" + std::to_string(port) + " VE_POSTGRES_INITDB_CACHE=" + quote(VE_POSTGRES_INITDB_CACHE) + " ";
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace


PostgresCluster::PostgresCluster() : dir_(std::make_unique<TempDir>()) {
  cluster_dir_ = (dir_->path() / "postgres").string();
  // The server runs as another user (postgres, when tests run as root) and must reach its folder.
  std::filesystem::permissions(dir_->path(), std::filesystem::perms::others_exec, std::filesystem::perm_options::add);
  // If this process dies before the destructor runs (a sanitizer abort, a ctest timeout), stop the
  // server and remove its files anyway. Detached from our output so ctest does not wait for it.
  run("( while kill -0 " + std::to_string(::getpid()) + " 2>/dev/null; do sleep 1; done; " +
      quote(VE_POSTGRES_CLUSTER_SCRIPT) + " destroy " + quote(cluster_dir_) + "; rmdir " + quote(dir_->path().string()) +
      " ) </dev/null >/dev/null 2>&1 &");

  // Another process may take the port between our probe and the server's bind: try a few.
  CommandResult started;
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = free_local_port();
    started = run(environment(port_) + quote(VE_POSTGRES_CLUSTER_SCRIPT) + " start " + quote(cluster_dir_));
    if (started.exit_code == 0) break;
  }
  const auto dsn = started.exit_code == 0 ? script("dsn") : started;
  if (dsn.exit_code != 0) {
    script("destroy");  // the destructor does not run when the constructor throws
    throw std::runtime_error("cannot start PostgreSQL with " + std::string(VE_POSTGRES_CLUSTER_SCRIPT) + ":\n" +
                             dsn.output);
  }
  dsn_ = trim(dsn.output);
}

PostgresCluster::~PostgresCluster() { script("destroy"); }

std::string PostgresCluster::dsn_for(const std::string& database) const {
  return dsn_.substr(0, dsn_.rfind('/') + 1) + database;
}

std::string PostgresCluster::create_database(const std::string& name) {
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_')) {
      throw std::invalid_argument("database name '" + name + "' is not a plain identifier");
    }
  }
  const auto r = psql("postgres", "CREATE DATABASE " + name + " OWNER video_encoder");
  if (r.exit_code != 0) throw std::runtime_error("cannot create database " + name + ":\n" + r.output);
  return dsn_for(name);
}

void PostgresCluster::stop() {
  const auto r = script("stop");
  if (r.exit_code != 0) throw std::runtime_error("cannot stop PostgreSQL:\n" + r.output);
}

void PostgresCluster::start() {
  const auto r = run(environment(port_) + quote(VE_POSTGRES_CLUSTER_SCRIPT) + " start " + quote(cluster_dir_));
  if (r.exit_code != 0) throw std::runtime_error("cannot start PostgreSQL:\n" + r.output);
}

CommandResult PostgresCluster::psql(const std::string& database, const std::string& sql) const {
  return script("psql -d " + quote(database) + " -At -c " + quote(sql));
}

CommandResult PostgresCluster::script(const std::string& arguments) const {
  const std::string command = quote(VE_POSTGRES_CLUSTER_SCRIPT);
  const auto space = arguments.find(' ');
  const std::string verb = arguments.substr(0, space);
  const std::string rest = space == std::string::npos ? "" : arguments.substr(space);
  return run(command + " " + verb + " " + quote(cluster_dir_) + rest);
}

}  // namespace ve::testing
