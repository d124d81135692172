// Naming a workflow version the way people do: its full content hash or a prefix of it (the API's
// `?version=` and the CLI's `--version`).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/store.h"

namespace flowline::server {

// The version of `versions` (the workflow's) that `wanted` names: its full hash or a prefix of
// only it. NotFound when none matches, InvalidArgument when several do.
absl::StatusOr<const store::VersionInfo*> FindVersion(
    const std::vector<store::VersionInfo>& versions, const std::string& workflow,
    const std::string& wanted);

}  // namespace flowline::server
