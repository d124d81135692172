// The PostgreSQL tests' database: a throw-away cluster (scripts/pg-test-cluster.sh) that ctest's
// `pg` fixture starts, and a fresh, uniquely named schema in it per store, so that tests never
// see each other's rows and need no database of their own.
//
// The cluster is found through $FLOWLINE_TEST_PG_CONNINFO (a libpq conninfo), else the file named
// by $FLOWLINE_TEST_PG_CONNINFO_FILE (ctest sets it to the fixture's conninfo). Without either,
// the helpers fail with a message that says how to start a cluster: PostgreSQL tests never skip.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "store/postgres/postgres_store.h"

namespace flowline::store::postgres::testing {

// The test cluster's conninfo; FailedPrecondition (saying how to start one) if none is set.
absl::StatusOr<std::string> TestConninfo();

// A schema name no other test uses ("flowline_test_<pid>_<n>_<random>").
std::string NewTestSchema();

// Options for a store on a new empty schema of the test cluster.
absl::StatusOr<PostgresStoreOptions> FreshSchemaOptions(int connections = 8);

// A PostgresStore on a new empty schema (migrated). Errors as TestConninfo and Open.
absl::StatusOr<std::unique_ptr<PostgresStore>> FreshSchemaStore(int connections = 8);

}  // namespace flowline::store::postgres::testing
