// The `match` step kind (actor system): finds the row of a reference table (vendor master,
// purchase orders, customers; loaded with `flowline reference load`) that a value refers to,
// despite typos, case, punctuation and legal forms.
//
//   uses: match
//   with:
//     table: vendors                               # required, as written
//     value: ${{ steps.extract.output.fields.vendor_name.value }}
//     fields: [name, trading_name]                 # columns to compare (default: all text ones)
//     amount: {column: total, value: ${{ ... }}, tolerance: "2%"}   # optional; or 5.00
//     date: {column: order_date, value: ${{ ... }}, tolerance_days: 7}  # optional
//     min_score: 0.6                               # the least score that counts as a match
//     reference: reference.db                      # default: --reference
//
// Candidates come from the table's trigram index, filtered by amount and date; each is scored
// 0..1 by name similarity (reference_matcher.h, similarity.h). Output:
//   {"matched": true, "match": {row}, "score": 0.93, "field": "name",
//    "runner_up": {"row": {row}, "score": 0.41} or null, "method": "trigram",
//    "candidates": 7, "reference": {"table", "sha256" (of the loaded file), "loaded_at"}}
// with "match": null when the best score is under min_score (or nothing was found). The
// outcome's confidence for a match is score × (0.5 + 0.5 × min(1, margin / 0.2)), where margin
// is the score's lead over the runner-up: a close runner-up halves it. Without a match it is
// 1 - the best score (how clearly nothing fits). Values under three characters have no
// trigrams: they are matched by substring scan ("method": "scan").
//
// A missing database or table, or a field that is not a column, fails the attempt (permanent)
// saying how to fix it. Thread-safe: each Execute borrows its own read-only connection.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "steps/step_kind.h"

namespace flowline::ai {

class MatchStep final : public steps::StepKind {
 public:
  // `default_reference_db`: the database used when a step names no `reference`.
  explicit MatchStep(std::string default_reference_db);
  const steps::StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<steps::PreparedStep> Prepare(
      std::string_view step_id, const Json& with,
      std::vector<steps::ConfigError>* errors) const override;

 private:
  std::string default_reference_db_;
  steps::StepKindInfo info_;
};

}  // namespace flowline::ai
