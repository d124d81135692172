// `flowline audit export --run ID`: the whole story of one case from the store — the run, its
// steps, the people's tasks and corrections, and every decision record with the evidence that it
// is intact — as JSON, and as a self-contained HTML page (no scripts, no external files).
//
// Personal data (personal_data.h) appears only as digests: the run's input, business key and
// outputs, the people's decision data and corrections are redacted here with the version's
// `personal:` paths; records were redacted when they were written. Step parameters are shown as
// their digest (as in the records), never as values.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "audit/keys.h"
#include "audit/personal_data.h"
#include "common/json_util.h"
#include "store/store.h"

namespace flowline::audit {

struct RunStoryOptions {
  // The run's version's `personal:` paths, and the installation's digest key.
  const PersonalFields* personal = nullptr;
  const PersonalDigest* digest = nullptr;
  // If set, the checkpoint covering the run's records must carry this key's valid signature
  // for the story to call them signed.
  const PublicKey* trusted_key = nullptr;
};

// The story as JSON (format "flowline.run-story.v1", described in docs/audit.md). NotFound for
// an unknown run; otherwise the store's errors.
absl::StatusOr<Json> RunStory(store::Store& store, const std::string& run_id,
                              const RunStoryOptions& options);

// The story as one HTML page, readable by people: summary, timeline, tasks, corrections, and the
// chain evidence. Everything shown is escaped.
std::string RunStoryHtml(const Json& story);

}  // namespace flowline::audit
