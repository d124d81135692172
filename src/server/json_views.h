// The JSON the API shows for the store's records; `flowline ... --json` prints the same.
// Times are RFC 3339 UTC with milliseconds; stored JSON payloads are embedded as JSON (not as
// strings); absent optional values are null. Token hashes never leave the server.
#pragma once

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "common/json_util.h"
#include "store/store.h"

namespace flowline::server {

std::string Rfc3339(absl::Time time);
Json TimeOrNull(const std::optional<absl::Time>& time);

// Stored JSON text as a value: null when empty, the text itself if it does not parse.
Json StoredJson(const std::string& text);

// run_id, workflow, version, business_key, status, created_at, updated_at, finished_at, error.
Json RunSummaryJson(const store::Run& run);
// The summary plus input and output.
Json RunJson(const store::Run& run);
// One step of a run's timeline.
Json StepJson(const store::StepState& step);
Json RecordJson(const store::Record& record);
Json TaskJson(const store::Task& task);
Json VersionJson(const store::VersionInfo& version, bool live);
Json WorkflowJson(const store::WorkflowInfo& workflow);
Json TokenJson(const store::TokenInfo& token);
Json CorrectionJson(const store::Correction& correction);
// An alert, its latest finding (`detail`) embedded as JSON.
Json AlertJson(const store::Alert& alert);

}  // namespace flowline::server
