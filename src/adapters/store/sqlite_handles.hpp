// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>

// Declared only: sqlite3.h stays inside the adapter's .cpp files.
struct sqlite3;
struct sqlite3_stmt;

namespace ve::adapters::store {

// sqlite3_close_v2: the connection goes once its last statement is finalized.
struct SqliteCloser {
  void operator()(sqlite3* db) const;
};
using SqliteDb = std::unique_ptr<sqlite3, SqliteCloser>;

struct SqliteFinalizer {
  void operator()(sqlite3_stmt* statement) const;
};
using SqliteStatement = std::unique_ptr<sqlite3_stmt, SqliteFinalizer>;

}  // namespace ve::adapters::store
