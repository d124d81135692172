// The `extract` step kind (actor ai): the fields of a read document, each with a value, its
// normalised form, a calibrated confidence and the evidence (page, box, text) it came from.
//
//   uses: extract
//   with:
//     model: invoice-fields                  # a name under --models, or a path holding a '/'
//     document: ${{ steps.read.output }}     # a Document's JSON (ai/document/document.h)
//     date_order: dmy                        # optional: dmy, mdy or ymd for ambiguous dates
//                                            # (default: the training data's usual order)
//
// The model (a directory from `flowline train extract`, see extraction_model.h) is loaded once,
// in Prepare: a missing or damaged model is a ConfigError on `model` with a hint to train one.
// Output:
//   {"fields": {"total_amount": {"value": "$5,625.00", "normalized": "5625.00",
//                                "confidence": 0.97,
//                                "evidence": {"page": 1, "box": [x0, y0, x1, y1], "text": "..."}},
//               "due_date": {"value": null, "normalized": null, "confidence": 0.9,
//                            "evidence": null}},           // judged not on the document
//    "values": {"total_amount": "5625.00", "due_date": null},
//    "confidence": 0.9,                                     // the lowest field confidence
//    "model": {"name": "invoice-fields", "sha256": "<hex>"}}
// A model with a table field (line items, table_spec.h) adds the rows under the field's name and
// a summary under "tables" (line_items.h; rows are found by geometry and checked by arithmetic
// against the amount fields above; a row whose OCR'd cell was recomputed from the other two says
// which in "corrected"):
//    "line_items": [{"description": "Consulting", "quantity": "2", "unit_price": "100.00",
//                    "amount": "200.00", "confidence": 0.97, "multiplies_out": true,
//                    "evidence": {"page": 1, "box": [x0, y0, x1, y1]}}],
//    "tables": {"line_items": {"rows": 1, "sum": "200.00", "adds_up_to": "net_amount",
//                              "confidence": 0.97}}
// The outcome's confidence is the lowest field confidence (line items do not count: whether they
// add up is the workflow's check to make). A `document` that is not a Document
// fails the attempt (permanent) saying what is wrong.
//
// Thread-safety: the prepared step shares one loaded model; Execute is safe from many threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "steps/step_kind.h"

namespace flowline::ai {

class ExtractStep final : public steps::StepKind {
 public:
  // `models_dir`: where a `model:` name without '/' resolves.
  explicit ExtractStep(std::string models_dir);
  const steps::StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<steps::PreparedStep> Prepare(
      std::string_view step_id, const Json& with,
      std::vector<steps::ConfigError>* errors) const override;

 private:
  std::string models_dir_;
  steps::StepKindInfo info_;
};

}  // namespace flowline::ai
