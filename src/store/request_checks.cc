#include "store/request_checks.h"

#include "absl/strings/str_cat.h"

namespace flowline::store {

absl::Status ValidateMeasureBatch(const MeasureBatch& batch) {
  if (batch.to_seq < batch.from_seq) {
    return absl::InvalidArgumentError(absl::StrCat("a measure batch cannot move the cursor back (",
                                                   batch.from_seq, " to ", batch.to_seq, ")"));
  }
  for (const MeasureBucket& delta : batch.deltas) {
    if (delta.workflow.empty() || delta.measure.empty()) {
      return absl::InvalidArgumentError("every measure delta needs a workflow and a measure");
    }
    if (delta.granularity_s < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("measure granularity ", delta.granularity_s, " is negative"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateAlertRaise(const AlertRaise& raise) {
  if (raise.workflow.empty() || raise.kind.empty() || raise.subject.empty()) {
    return absl::InvalidArgumentError("an alert needs a workflow, a kind and a subject");
  }
  return absl::OkStatus();
}

}  // namespace flowline::store
