#include "lifecycle/version_ref.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace flowline::lifecycle {

absl::StatusOr<store::VersionInfo> ResolveVersion(store::Store& store,
                                                  const std::string& reference) {
  const size_t at = reference.find('@');
  const std::string name = reference.substr(0, at);
  const std::string version = at == std::string::npos ? "" : reference.substr(at + 1);
  if (name.empty() || (at != std::string::npos && version.empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", reference, "' names no workflow version: write NAME or NAME@VERSION"));
  }
  absl::StatusOr<store::WorkflowInfo> workflow = store.GetWorkflow(name);
  if (absl::IsNotFound(workflow.status())) {
    return absl::NotFoundError(absl::StrCat("no workflow '", name,
                                            "' is deployed: deploy its spec with `flowline "
                                            "deploy`, or give the spec file instead"));
  }
  if (!workflow.ok()) return workflow.status();
  if (version.empty()) return store.GetVersion(name, workflow->live_version);
  ASSIGN_OR_RETURN(std::vector<store::VersionInfo> versions, store.ListVersions(name));
  std::vector<const store::VersionInfo*> matches;
  for (const store::VersionInfo& info : versions) {
    if (info.version == version) return info;
    if (absl::StartsWith(info.version, version)) matches.push_back(&info);
  }
  if (matches.size() == 1) return *matches.front();
  std::vector<std::string> names;
  for (const store::VersionInfo& info : versions) {
    if (matches.empty() || absl::StartsWith(info.version, version)) {
      names.push_back(info.version.substr(0, 12));
    }
  }
  return absl::NotFoundError(
      matches.empty() ? absl::StrCat("workflow '", name, "' has no version ", version, " (it has ",
                                     absl::StrJoin(names, ", "), ")")
                      : absl::StrCat("'", version, "' is the start of several versions of '", name,
                                     "' (", absl::StrJoin(names, ", "), "): give more of it"));
}

}  // namespace flowline::lifecycle
