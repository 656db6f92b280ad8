// The schema of the SQLite store as numbered migrations, applied in order when a store
// opens. The pending ones run in one transaction with the rows that record them in
// `schema_migrations`, so a crash during start-up leaves the previous version intact.
// Migrations are never edited once released: a change is a new number.
#pragma once

#include "store/sqlite_connection.hpp"

namespace parcours::store {

// The highest migration number this build knows.
int latest_schema_version();

// The highest migration applied to the database (0 for a new one).
int schema_version(Connection& connection);

// Applies every migration the database lacks. Refuses, with a StoreError saying what
// to do, a database written by a newer build (its version is above ours).
void apply_migrations(Connection& connection);

}  // namespace parcours::store
