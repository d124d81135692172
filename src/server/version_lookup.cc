#include "server/version_lookup.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace flowline::server {

absl::StatusOr<const store::VersionInfo*> FindVersion(
    const std::vector<store::VersionInfo>& versions, const std::string& workflow,
    const std::string& wanted) {
  const store::VersionInfo* found = nullptr;
  for (const store::VersionInfo& version : versions) {
    if (!absl::StartsWith(version.version, wanted)) continue;
    if (found != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("version \"", wanted, "\" matches more than one version of ", workflow,
                       "; give more characters of the hash"));
    }
    found = &version;
  }
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat("workflow ", workflow, " has no version \"", wanted,
                                            "\"; GET /api/v1/workflows/", workflow,
                                            " lists its versions"));
  }
  return found;
}

}  // namespace flowline::server
