// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "adapters/store/sqlite_handles.hpp"
#include "core/error.hpp"

// Small value-returning helpers over one sqlite3 connection; the caller serializes access to it.
// Errors say what was being done (`what`) and SQLite's reason: SQLITE_BUSY / SQLITE_LOCKED are
// Transient (another process holds the database past busy_timeout), the rest Internal.
namespace ve::adapters::store {

using SqlValue = std::variant<std::nullptr_t, std::string_view, std::int64_t, double>;
using SqlRow = std::vector<std::optional<std::string>>;  // every column as text, NULL as nullopt

core::Error sqlite_error(sqlite3* db, int code, std::string_view what);

// Runs one statement with positional parameters ?1, ?2, ... and returns its rows.
core::Result<std::vector<SqlRow>> sqlite_query(sqlite3* db, std::string_view sql,
                                               std::initializer_list<SqlValue> params, std::string_view what);

core::Status sqlite_exec(sqlite3* db, std::string_view sql, std::initializer_list<SqlValue> params,
                         std::string_view what);

// Runs statements separated by ';' that take no parameters (pragmas, migrations).
core::Status sqlite_exec_script(sqlite3* db, const std::string& sql, std::string_view what);

// A transaction that rolls back unless committed. Writers BEGIN IMMEDIATE: they take the write lock
// up front (waiting up to busy_timeout for other processes) instead of failing later on upgrade.
class SqliteTransaction {
 public:
  static core::Result<SqliteTransaction> begin(sqlite3* db, bool write, std::string_view what);
  SqliteTransaction(SqliteTransaction&& other) noexcept;
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  ~SqliteTransaction();

  core::Status commit(std::string_view what);

 private:
  explicit SqliteTransaction(sqlite3* db) : db_(db) {}
  sqlite3* db_;  // null once committed or moved from
};

}  // namespace ve::adapters::store
