// Options for a scratch SQLite store in tests and benchmarks: a throw-away file whose loss in a
// power cut does not matter, so commits skip the full fsync (synchronous=NORMAL).
#pragma once

#include <string>
#include <utility>

#include "store/sqlite/sqlite_store.h"

namespace flowline::store::sqlite {

inline SqliteStoreOptions ScratchStoreOptions(std::string path) {
  SqliteStoreOptions options;
  options.path = std::move(path);
  options.synchronous_full = false;
  return options;
}

}  // namespace flowline::store::sqlite
