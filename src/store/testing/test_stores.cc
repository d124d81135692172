#include "store/testing/test_stores.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "store/postgres/testing/pg_test_db.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::store::testing {

absl::StatusOr<std::unique_ptr<Store>> OpenTestStore(const std::string& kind,
                                                     const std::string& sqlite_path) {
  if (kind == "sqlite") {
    sqlite::SqliteStoreOptions options;
    options.path = sqlite_path;
    absl::StatusOr<std::unique_ptr<sqlite::SqliteStore>> opened =
        sqlite::SqliteStore::Open(options);
    if (!opened.ok()) return opened.status();
    return std::unique_ptr<Store>(std::move(*opened));
  }
  if (kind == "postgres") {
    absl::StatusOr<std::unique_ptr<postgres::PostgresStore>> opened =
        postgres::testing::FreshSchemaStore();
    if (!opened.ok()) return opened.status();
    return std::unique_ptr<Store>(std::move(*opened));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("no test store of kind '", kind, "' (sqlite or postgres)"));
}

std::string TestStoreKindName(const ::testing::TestParamInfo<const char*>& info) {
  return info.param;
}

}  // namespace flowline::store::testing
