// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace ve::adapters::store {

// One numbered schema change, in each dialect. Applied in version order, each in the same
// transaction as its row in schema_migrations(version); never edited once released: add a new one.
struct Migration {
  int version;
  std::string_view description;
  std::string_view sqlite;
  std::string_view postgres;
};

// Every migration, oldest first; versions are 1, 2, 3, ...
std::span<const Migration> migrations();

// The schema version this build needs.
int latest_schema_version();

// A message for a database that lacks migrations and may not be migrated: what is missing and that
// AUTO_MIGRATE_DB=true (or running once with it) fixes it. `where` names the database.
std::string missing_schema_message(const std::string& where, int current_version);

}  // namespace ve::adapters::store
