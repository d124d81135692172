// A workflow version as people name it on the command line: NAME (the live version) or
// NAME@VERSION (a stored version, by its content hash or a unique prefix of it).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "store/store.h"

namespace flowline::lifecycle {

// Resolves `reference` against the versions in `store`. InvalidArgument for an empty name or
// version; NotFound (saying what exists) for an unknown workflow or version, or one whose
// prefix matches several versions (listing them).
absl::StatusOr<store::VersionInfo> ResolveVersion(store::Store& store,
                                                  const std::string& reference);

}  // namespace flowline::lifecycle
