// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "core/error.hpp"

namespace ve::adapters::store {

// Connections to one PostgreSQL database, reused across calls and threads. transact() runs a body
// in a transaction on a pooled connection and turns every libpqxx exception into a core::Error
// (Transient for a lost or refused connection, deadlocks and serialization failures; InvalidInput
// for duplicate keys; Internal otherwise), with the DSN's password scrubbed. Thread-safe.
class PostgresPool {
 public:
  // `dsn` should carry a connect_timeout; `where` names the database in messages (no password).
  // Nothing connects until the first transact().
  PostgresPool(std::string dsn, std::string where);
  ~PostgresPool();
  PostgresPool(const PostgresPool&) = delete;
  PostgresPool& operator=(const PostgresPool&) = delete;

  const std::string& where() const { return where_; }

  // Runs `body(pqxx::work&) -> core::Result<T>`, committing when it succeeds and rolling back when
  // it returns an error. A connection that sat idle and turns out dead (the server restarted) is
  // replaced and the body run once more; the body must therefore have no effect outside the
  // transaction. `what` says what the body does, for error messages.
  template <typename T, typename Body>
  core::Result<T> transact(std::string_view what, Body&& body);

 private:
  struct Failure {
    core::Error error;
    bool connection_lost = false;  // drop the connection and the idle ones
    bool retry = false;            // safe to run the body again on a fresh connection
  };

  std::unique_ptr<pqxx::connection> acquire(bool& reused);
  void release(std::unique_ptr<pqxx::connection> connection);
  void drop_idle();
  Failure classify(const std::exception& e, std::string_view what, bool connection_open) const;

  const std::string dsn_;  // holds the password: never in a message or a log line
  const std::vector<std::string> secrets_;
  const std::string where_;
  std::mutex mutex_;  // guards idle_
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
};

template <typename T, typename Body>
core::Result<T> PostgresPool::transact(std::string_view what, Body&& body) {
  for (int attempt = 1;; ++attempt) {
    bool reused = false;
    std::unique_ptr<pqxx::connection> connection;
    try {
      connection = acquire(reused);
      core::Result<T> result = [&] {
        pqxx::work tx(*connection);
        core::Result<T> r = body(tx);
        if (r) tx.commit();
        return r;
      }();
      release(std::move(connection));
      return result;
    } catch (const std::exception& e) {
      Failure failure = classify(e, what, connection && connection->is_open());
      if (!failure.connection_lost) {
        if (connection) release(std::move(connection));
        return core::fail(std::move(failure.error));
      }
      connection.reset();
      drop_idle();
      if (failure.retry && reused && attempt == 1) {
        spdlog::info("{}: a pooled connection was lost (server restarted?); retrying on a new one", what);
        continue;
      }
      spdlog::warn("{}", failure.error.message);
      return core::fail(std::move(failure.error));
    }
  }
}

}  // namespace ve::adapters::store
