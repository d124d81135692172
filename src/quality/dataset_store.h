// Stored datasets (docs/datasets.md): labelled cases kept by the store as named, immutable
// numbered versions, with their files in the content-addressed artifact store, so a version
// never changes when the folder it was imported from does.
//
// This is the one way the rest of flowline reads a stored dataset: LoadStoredDataset gives the
// same quality::Dataset a folder gives (dataset.h), whose documents' paths can be opened. The
// conversions between a labelled document and the store's row (CaseOf / DocumentOf) are public
// for the importers and the corrections fold (reviewed_cases.h).
//
// Thread-safety: the functions keep no state; they are as safe as the store and artifact store
// they are given.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "quality/dataset.h"
#include "steps/artifacts.h"
#include "store/store.h"

namespace flowline::quality {

// "NAME" or "NAME@VERSION" (`--dataset` on the command line); version 0 means the newest.
struct DatasetRef {
  std::string name;
  int version = 0;
};
// InvalidArgument for an empty name or a version that is not a positive number.
absl::StatusOr<DatasetRef> ParseDatasetRef(std::string_view text);
std::string DatasetRefName(const std::string& name, int version);  // "inv@3"

// The store row of `doc`. Its file (and transcript, if any) is copied into `artifacts` and the
// row names it by artifact key: {"file": key, "name": doc.id, "sha256": hex[, "transcript":
// key]} (with no artifact store, a path stays a path and "sha256" is left out); a JSON input is
// kept as {"input": ...}. `fields` gives the labels' types, kept with the case. NotFound /
// DataLoss when the file cannot be read or stored.
absl::StatusOr<store::NewDatasetCase> CaseOf(const LabelledDocument& doc,
                                             const std::vector<ai::FieldSpec>& fields,
                                             steps::ArtifactStore* artifacts);

// The labelled document of a stored case: id = the case key, path = the artifact's file (or the
// path the row names when it is not an artifact key; the key itself with no artifact store,
// for callers that only count). `types` gains the case's field types. DataLoss for a row whose
// JSON this program cannot read; NotFound for a file the artifact store does not have.
absl::StatusOr<LabelledDocument> DocumentOf(const store::DatasetCase& row,
                                            const steps::ArtifactStore* artifacts,
                                            std::map<std::string, std::string>* types = nullptr);

// Loads version `version` (0: the newest) of dataset `name`: its cases in `split` (by case key,
// with the dataset's shares and seed, SplitOf) as documents whose paths can be opened. The
// dataset's fields are the union of its cases' labelled fields, typed as the cases say (else as
// the invoice field set, else text). NotFound for an unknown dataset or version.
absl::StatusOr<Dataset> LoadStoredDataset(store::Store& store,
                                          const steps::ArtifactStore* artifacts,
                                          const std::string& name, int version = 0,
                                          Split split = Split::kAll);

// What a dataset holds, for `flowline dataset show` and GET /api/v1/datasets/{name}:
// {"cases", "splits": {"train", "validation", "test"} (by the dataset's shares and seed),
//  "sources": {"import": n, "review": n, ...}, "slices": {"vendor": {"ACME": n}, ...},
//  "fields": {"total_amount": n labelled, ...}, "doc_types": {"invoice": n, ...}}.
Json SummarizeDataset(const Dataset& dataset);

}  // namespace flowline::quality
