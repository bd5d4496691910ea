// SPDX-License-Identifier: Apache-2.0
#include "adapters/store/postgres_pool.hpp"

#include <poll.h>

#include "adapters/store/postgres_dsn.hpp"

namespace ve::adapters::store {
namespace {

// Idle connections kept for reuse; more may be open while many threads call at once.
constexpr size_t kMaxIdle = 8;

bool connection_lost_state(const std::string& state) {
  // 08: connection exception; 57P01..03: admin or crash shutdown, server starting or stopping.
  return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03";
}

bool transient_state(const std::string& state) {
  // 40001 serialization failure, 40P01 deadlock, 53: out of resources (too many connections,
  // disk full), 55P03 lock not available, 57014 statement timeout or cancel.
  return state == "40001" || state == "40P01" || state.starts_with("53") || state == "55P03" || state == "57014";
}

// An idle connection has nothing to read unless the server has closed it (restart, shutdown,
// idle timeout), so readable means dead. Checking first matters: libpqxx 6.4 leaks a PGresult
// when a statement is sent on a connection that turns out to be closed.
bool looks_alive(pqxx::connection& connection) {
  if (!connection.is_open()) return false;
  pollfd socket{connection.sock(), POLLIN, 0};
  return ::poll(&socket, 1, 0) == 0;
}

}  // namespace

PostgresPool::PostgresPool(std::string dsn, std::string where)
    : dsn_(std::move(dsn)), secrets_(dsn_secrets(dsn_)), where_(std::move(where)) {}

PostgresPool::~PostgresPool() = default;

std::unique_ptr<pqxx::connection> PostgresPool::acquire(bool& reused) {
  {
    std::lock_guard lock(mutex_);
    while (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      if (looks_alive(*connection)) {
        reused = true;
        return connection;
      }
    }
  }
  reused = false;
  return std::make_unique<pqxx::connection>(dsn_);
}

void PostgresPool::release(std::unique_ptr<pqxx::connection> connection) {
  if (!connection->is_open()) return;
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(connection));
}

void PostgresPool::drop_idle() {
  std::vector<std::unique_ptr<pqxx::connection>> dropped;
  {
    std::lock_guard lock(mutex_);
    dropped.swap(idle_);
  }
}

PostgresPool::Failure PostgresPool::classify(const std::exception& e, std::string_view what, bool connection_open) const {
  std::string reason = scrub(e.what(), secrets_);
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
  const std::string prefix = std::string(what) + " failed: ";
  const auto unreachable = [&] {
    return core::Error::transient(prefix + "the database is unreachable (" + reason + "); try again later");
  };

  if (dynamic_cast<const pqxx::in_doubt_error*>(&e)) {
    return {core::Error::transient(prefix + "the connection was lost while committing, so the change may or may not "
                                             "be stored (" + reason + ")"),
            true, false};
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e)) return {unreachable(), true, true};
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    if (connection_lost_state(state)) return {unreachable(), true, true};
    if (transient_state(state)) return {core::Error::transient(prefix + reason + "; try again later"), false, false};
    if (state == "23505") return {core::Error::invalid_input(prefix + reason), false, false};
    if (state == "42P01") {
      return {core::Error::internal(prefix + reason + " (is the schema missing? set AUTO_MIGRATE_DB=true)"), false, false};
    }
    const std::string code = state.empty() ? "" : " (SQLSTATE " + state + ")";
    return {core::Error::internal(prefix + reason + code), false, false};
  }
  // Other libpqxx failures on a connection that is no longer open are losses too.
  if (!connection_open && dynamic_cast<const pqxx::failure*>(&e)) return {unreachable(), true, true};
  return {core::Error::internal(prefix + reason), !connection_open, false};
}

}  // namespace ve::adapters::store
