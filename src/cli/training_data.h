// The labelled documents an extract model is trained on, shared by `flowline train extract` and
// `flowline eval --folds` (cross-validation) so both train from the same documents the same way:
// the fields file, the --extra-data folders, and the read documents turned into the trainer's
// ai::LabelledDocument (documents that could not be read are skipped with a warning).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ai/document/document.h"
#include "ai/extract/field_spec.h"
#include "ai/extract/table_spec.h"
#include "ai/extract/trainer.h"
#include "quality/dataset.h"

namespace flowline::cli {

// A FIELDS file (YAML/JSON) when `spec` names one, else an inline "name:type,..." list. A file's
// table fields (line items, ai/extract/table_spec.h) go to `tables`. InvalidArgument for a
// malformed list or file.
absl::StatusOr<std::vector<ai::FieldSpec>> LoadFields(const std::string& spec,
                                                      std::vector<ai::TableSpec>* tables);

// Appends every document of each folder of `dirs` (whole, not split) to `dataset`, its id
// prefixed with the folder ("DIR/ID") so ids stay distinct across folders, and the folders'
// warnings. The loaders' errors (NotFound, InvalidArgument) otherwise.
absl::Status AppendExtraData(const std::vector<std::string>& dirs, quality::Dataset& dataset);

// The trainer's documents: `dataset.documents[i]` with `read[i]` (consumed), in order; a
// document that could not be read is left out and `warn` is told why.
std::vector<ai::LabelledDocument> TrainingDocuments(
    const quality::Dataset& dataset, std::vector<absl::StatusOr<ai::Document>> read,
    const std::function<void(const std::string&)>& warn);

// The training data's hash recorded in model.json (ai::TrainOptions::data_sha256): chained over
// the documents in order, each by its id, file hash and labels.
std::string TrainingDataSha256(const std::vector<ai::LabelledDocument>& documents);

}  // namespace flowline::cli
