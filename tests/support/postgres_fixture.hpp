// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>

#include "support/test_support.hpp"

namespace ve::testing {

// A private PostgreSQL server on 127.0.0.1 and a free port, run by scripts/lib/postgres-cluster in
// a fresh temporary folder. The constructor starts it (throwing std::runtime_error with the
// script's output when it cannot); the destructor stops it and removes every file, and a watchdog
// does the same if the test process dies first. Not thread-safe: drive it from one thread.
class PostgresCluster {
 public:
  PostgresCluster();
  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  // postgresql://video_encoder:PASSWORD@127.0.0.1:PORT/video_encoder (the service role's database).
  const std::string& dsn() const { return dsn_; }
  int port() const { return port_; }

  // The same server's DSN for another database of the service role.
  std::string dsn_for(const std::string& database) const;

  // Creates an empty database owned by the service role and returns its DSN. `name` must be a
  // plain identifier ([a-z0-9_]).
  std::string create_database(const std::string& name);

  // For outage tests: fast shutdown, and start again on the same port. Throw on failure.
  void stop();
  void start();

  // Runs SQL as the cluster's superuser (psql over the unix socket) in `database`.
  CommandResult psql(const std::string& database, const std::string& sql) const;

 private:
  CommandResult script(const std::string& arguments) const;

  std::unique_ptr<TempDir> dir_;
  std::string cluster_dir_;
  int port_ = 0;
  std::string dsn_;
};


}  // namespace ve::testing
