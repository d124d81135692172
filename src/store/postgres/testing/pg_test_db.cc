#include "store/postgres/testing/pg_test_db.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace flowline::store::postgres::testing {

absl::StatusOr<std::string> TestConninfo() {
  if (const char* conninfo = std::getenv("FLOWLINE_TEST_PG_CONNINFO");
      conninfo != nullptr && *conninfo != '\0') {
    return std::string(conninfo);
  }
  if (const char* file = std::getenv("FLOWLINE_TEST_PG_CONNINFO_FILE");
      file != nullptr && *file != '\0') {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    std::string conninfo(absl::StripAsciiWhitespace(text.str()));
    if (!conninfo.empty()) return conninfo;
    return absl::FailedPreconditionError(absl::StrCat(
        "no PostgreSQL test cluster: ", file,
        " is missing or empty (the ctest fixture pg_cluster_start writes it: run the test "
        "through ctest, or start one with scripts/pg-test-cluster.sh start DIR)"));
  }
  return absl::FailedPreconditionError(
      "no PostgreSQL test cluster: start one with `scripts/pg-test-cluster.sh start /tmp/pg` and "
      "export FLOWLINE_TEST_PG_CONNINFO=\"$(cat /tmp/pg/conninfo)\" (ctest starts one itself)");
}

std::string NewTestSchema() {
  static std::atomic<int> counter{0};
  static const uint32_t kSalt = std::random_device{}();
  return absl::StrCat("flowline_test_", getpid(), "_", counter.fetch_add(1), "_", kSalt % 100000);
}

absl::StatusOr<PostgresStoreOptions> FreshSchemaOptions(int connections) {
  ASSIGN_OR_RETURN(std::string conninfo, TestConninfo());
  PostgresStoreOptions options;
  options.conninfo = conninfo;
  options.schema = NewTestSchema();
  options.connections = connections;
  return options;
}

absl::StatusOr<std::unique_ptr<PostgresStore>> FreshSchemaStore(int connections) {
  ASSIGN_OR_RETURN(PostgresStoreOptions options, FreshSchemaOptions(connections));
  return PostgresStore::Open(options);
}

}  // namespace flowline::store::postgres::testing
