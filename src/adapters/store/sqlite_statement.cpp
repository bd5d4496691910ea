// SPDX-License-Identifier: Apache-2.0
#include "adapters/store/sqlite_statement.hpp"

#include <sqlite3.h>

namespace ve::adapters::store {

void SqliteCloser::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

void SqliteFinalizer::operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }

core::Error sqlite_error(sqlite3* db, int code, std::string_view what) {
  const std::string reason = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  const std::string message = std::string(what) + " failed: " + reason;
  const int primary = code & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return core::Error::transient(message + " (the database is locked by another connection; try again later)");
  }
  return core::Error::internal(message);
}

namespace {

core::Status bind(sqlite3* db, sqlite3_stmt* statement, std::initializer_list<SqlValue> params,
                  std::string_view what) {
  int index = 1;
  for (const auto& value : params) {
    int rc = SQLITE_OK;
    if (const auto* text = std::get_if<std::string_view>(&value)) {
      rc = sqlite3_bind_text(statement, index, text->data(), static_cast<int>(text->size()), SQLITE_TRANSIENT);
    } else if (const auto* number = std::get_if<std::int64_t>(&value)) {
      rc = sqlite3_bind_int64(statement, index, *number);
    } else if (const auto* real = std::get_if<double>(&value)) {
      rc = sqlite3_bind_double(statement, index, *real);
    } else {
      rc = sqlite3_bind_null(statement, index);
    }
    if (rc != SQLITE_OK) return core::fail(sqlite_error(db, rc, what));
    ++index;
  }
  return {};
}

}  // namespace

core::Result<std::vector<SqlRow>> sqlite_query(sqlite3* db, std::string_view sql,
                                               std::initializer_list<SqlValue> params, std::string_view what) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  SqliteStatement statement(raw);
  if (rc != SQLITE_OK) return core::fail(sqlite_error(db, rc, what));
  if (auto ok = bind(db, statement.get(), params, what); !ok) return core::fail(ok.error());

  std::vector<SqlRow> rows;
  while ((rc = sqlite3_step(statement.get())) == SQLITE_ROW) {
    const int columns = sqlite3_column_count(statement.get());
    SqlRow& row = rows.emplace_back();
    for (int c = 0; c < columns; ++c) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement.get(), c));
      if (text) {
        row.emplace_back(std::string(text, static_cast<size_t>(sqlite3_column_bytes(statement.get(), c))));
      } else {
        row.emplace_back(std::nullopt);
      }
    }
  }
  if (rc != SQLITE_DONE) return core::fail(sqlite_error(db, rc, what));
  return rows;
}

core::Status sqlite_exec(sqlite3* db, std::string_view sql, std::initializer_list<SqlValue> params,
                         std::string_view what) {
  auto rows = sqlite_query(db, sql, params, what);
  if (!rows) return core::fail(rows.error());
  return {};
}

core::Status sqlite_exec_script(sqlite3* db, const std::string& sql, std::string_view what) {
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return core::fail(sqlite_error(db, rc, what));
  return {};
}

core::Result<SqliteTransaction> SqliteTransaction::begin(sqlite3* db, bool write, std::string_view what) {
  if (auto ok = sqlite_exec_script(db, write ? "BEGIN IMMEDIATE" : "BEGIN", what); !ok) return core::fail(ok.error());
  return SqliteTransaction(db);
}

SqliteTransaction::SqliteTransaction(SqliteTransaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }

SqliteTransaction::~SqliteTransaction() {
  // Nothing to report to: the caller is already returning the error that made it give up.
  if (db_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

core::Status SqliteTransaction::commit(std::string_view what) {
  auto ok = sqlite_exec_script(db_, "COMMIT", what);
  // A failed COMMIT (SQLITE_BUSY) leaves the transaction open: the destructor rolls it back.
  if (ok) db_ = nullptr;
  return ok;
}

}  // namespace ve::adapters::store
