// What a person's decision on a task does: the four-eyes rules, and the corrections (labelled
// cases) it produces.
//
// Decisions: `approve` (the values stand as they are), `correct` (with `data.fields`: the
// person's values, by field name), `reject` (ends the run), and whatever else the review step
// lists. On a four-eyes task the first approve or correct is kept and the task goes back to its
// queue; a different person then approves (the first decision's values stand) or corrects (their
// correction becomes the first decision, which again needs someone else). Reject ends it at once.
//
// Corrections: the task's payload `data.fields` holds the AI's fields as the extract step gave
// them ({name: {"value", "normalized", "confidence", ...}}); the final decision's values are
// compared with them field by field. The payload's `fields_step` names the AI step, and
// `data.document` the document, both recorded with each correction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_util.h"
#include "store/store.h"

namespace flowline::review {

struct Decision {
  std::string user;
  std::string decision;
  std::string comment;
  Json data = Json::object();  // `correct`: {"fields": {name: value}}
};

struct ResolutionPlan {
  bool first_of_two = false;  // keep it as the first of two decisions
  std::optional<std::string> expected_first_by;
  Json resolution;  // handed to the waiting step (or kept as the first decision)
  std::string correction_step_id;
  std::string document_json;
  std::vector<store::NewCorrection> corrections;  // final decisions only
};

// Checks `decision` against the task (offered decisions, a `correct` without fields, four-eyes
// by the same person) and plans its effect. InvalidArgument / FailedPrecondition with a message
// for the person otherwise.
absl::StatusOr<ResolutionPlan> PlanResolution(const store::Task& task, const Decision& decision);

// The corrections of a final decision: one per field of the AI's fields, comparing the value the
// person accepted (`data.fields[name]`, else the AI's) with the AI's. Values are compared as
// text after trimming and case-folding, numbers numerically.
std::vector<store::NewCorrection> Corrections(const Json& ai_fields, const Json& human_fields);

}  // namespace flowline::review
