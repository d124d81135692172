// Edits of a workflow spec's YAML text that keep everything else as written: its comments, its
// layout, the order of its keys. What `flowline tune` (per-field thresholds) and `flowline train
// --workflow` (the model a step uses) change to make a new version. The edits work on the text
// (yaml-cpp says where each key is), so the result differs from the input only in the lines
// edited; they do not validate the spec: parse the result (spec.h) before deploying it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace flowline::engine {

struct ThresholdLine {
  std::string field;
  double threshold = 0;
  std::string comment;  // written after it as `# comment`; "" for none
};

// The spec with its exception policy's `fields:` (per-field confidence thresholds) replaced by
// `lines`, in their order. Inserts `fields:` (first in `exceptions:`) when the policy has none, and
// `exceptions:` (at the end) when the spec has none. `comment` (if not empty) is written on the
// `fields:` line. InvalidArgument when the text is not YAML, is not a mapping, or `exceptions:` is
// not a block mapping (`exceptions: { ... }` on one line: write it as a block to let tools edit
// it).
absl::StatusOr<std::string> SetFieldThresholds(std::string_view text,
                                               const std::vector<ThresholdLine>& lines,
                                               std::string_view comment = "");

// The spec with step `step_id`'s `with.<param>` set to `value` (written as a plain or quoted YAML
// scalar; a comment after the old value is kept), added under `with:` when the step has no such
// parameter. NotFound when no step has that id; InvalidArgument when its `with:` is missing or not
// a block mapping, or the parameter's value is not a one-line scalar.
absl::StatusOr<std::string> SetStepParam(std::string_view text, std::string_view step_id,
                                         std::string_view param, std::string_view value);

// Readers for the tools that edit: the id of the first step that `uses:` `kind` (NotFound when
// none); step `step_id`'s `with.<param>` when it is a scalar (NotFound otherwise); the exception
// policy's `fields:` thresholds in their order (none when it has none). InvalidArgument when the
// text is not a YAML mapping or a threshold is not a number.
absl::StatusOr<std::string> FirstStepUsing(std::string_view text, std::string_view kind);
absl::StatusOr<std::string> StepParam(std::string_view text, std::string_view step_id,
                                      std::string_view param);
absl::StatusOr<std::vector<ThresholdLine>> ThresholdFields(std::string_view text);

}  // namespace flowline::engine
