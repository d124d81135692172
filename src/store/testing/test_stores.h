// Tests above the store (engine, server) that must hold on every Store implementation run once
// per store kind: a value-parameterized fixture takes a kind from kTestStoreKinds and opens a
// fresh, empty store of it with OpenTestStore.
//
//   INSTANTIATE_TEST_SUITE_P(Stores, MyEngineTest, ::testing::ValuesIn(kTestStoreKinds),
//                            TestStoreKindName);
//
// The PostgreSQL kind needs the test cluster (ctest's `pg` fixture: register the test binary
// with `flowline_test(... NEEDS_PG)`); without one it fails saying how to start it.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "store/store.h"

namespace flowline::store::testing {

inline constexpr const char* kTestStoreKinds[] = {"sqlite", "postgres"};

// A fresh, empty store: "sqlite" in the file `sqlite_path` (a test's temporary directory),
// "postgres" on a new schema of the test cluster. InvalidArgument for another kind.
absl::StatusOr<std::unique_ptr<Store>> OpenTestStore(const std::string& kind,
                                                     const std::string& sqlite_path);

// For INSTANTIATE_TEST_SUITE_P's name generator: the kind itself.
std::string TestStoreKindName(const ::testing::TestParamInfo<const char*>& info);

}  // namespace flowline::store::testing
