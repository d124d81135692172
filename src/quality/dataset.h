// Labelled datasets: documents with the field values a person (or a generator) says are right.
//
// One in-memory form for every source: the project's own format (a folder with labels.jsonl,
// docs/design/document-ai.md; what `flowline samples` writes) and importers for the label
// formats of the public sets in ../shared/data, so they can be trained on and evaluated directly:
//
//   format        folder holds                          fields (type)
//   flowline      labels.jsonl [+ fields.yaml]          as labelled; types from fields.yaml or
//                                                       the invoice field set
//   sroie         img/NNN.jpg, key/NNN.json             company (organisation), date (date),
//                 [+ box/NNN.csv, the set's transcript] address (address), total (amount)
//   fcc           pdfs/<uuid>.pdf, labels.csv           contract_number (id), advertiser
//                                                       (organisation), gross_amount (amount),
//                                                       flight_from, flight_to (date)
//   invoice2data  files/<name>.pdf + <name>.json        invoice_number, invoice_date, due_date,
//                                                       currency, net_amount, tax_amount,
//                                                       total_amount (invoice field names)
//   zugferd       pdf/<name>.pdf, fields.csv            invoice_number, invoice_date, due_date,
//                                                       currency, vendor_name, customer_name,
//                                                       net_amount, tax_amount, total_amount;
//                                                       line_count and line_total (the rows'
//                                                       count and sum, for line items)
//
// Label values are normalised on load (ISO dates with the set's date order, decimal amounts,
// currency codes), so a score compares like with like. A label that does not parse as its type
// is dropped with a warning (label noise is reported, not hidden); a labelled document whose
// file is missing is skipped with a warning.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ai/extract/field_spec.h"
#include "common/json_util.h"

namespace flowline::quality {

struct LabelledDocument {
  std::string id;    // the file's path relative to the dataset folder; a stored case's key
  std::string path;  // the file, as it can be opened ("" for a case whose input is JSON only)
  // A case whose input is the workflow's JSON input rather than (or besides) a document: that
  // input (JSONL/CSV imports, dataset_store.h); null for a document case.
  Json input;
  std::string doc_type = "invoice";
  ai::DateOrder date_order = ai::DateOrder::kUnknown;
  std::map<std::string, std::string> fields;  // normalised values; absent = not on the document
  Json line_items = Json::array();            // [{description, quantity, unit_price, amount}]
  std::string defect;                         // generated samples: a deliberate error, or ""
  // The set's own text transcript of the file (SROIE: box/NNN.csv; transcript.h), or "" when the
  // set ships none. Read instead of the file with `--text given`.
  std::string transcript;
  // Where a set labels only the rows' count and sum (ZUGFeRD: line_count, line_total).
  std::optional<int> line_count;
  std::optional<std::string> line_total;  // normalised amount
  // Where the case came from: "import:<format>" (a folder or file import), "review:<task id>"
  // (a reviewer's corrections), "audit:<task id>" (an audit-sample verdict), or "" (unknown).
  std::string source;
  // What the case can be sliced by in reports (docs/datasets.md): "doc_type", "source" (the
  // part of `source` before ':'), "vendor" when a vendor/company/advertiser label names one, and
  // whatever an import adds.
  std::map<std::string, std::string> slices;
};

struct Dataset {
  std::string dir;     // the folder (or file) it was read from; "dataset:NAME@V" when stored
  std::string format;  // flowline, sroie, fcc, invoice2data, zugferd, jsonl, csv; "stored"
  // A stored dataset (dataset_store.h): its name, version, content hash and split settings;
  // "", 0, "" and the folder commands' defaults for a folder.
  std::string name;
  int version = 0;
  std::string content_hash;
  double validation_share = 0.0;
  double test_share = 0.5;
  uint64_t split_seed = 1;
  std::vector<ai::FieldSpec> fields;
  std::vector<LabelledDocument> documents;
  std::vector<std::string> warnings;  // labels dropped, files missing
};

// The formats LoadDataset reads, for --help texts.
std::vector<std::string> DatasetFormats();

// Loads the dataset in `dir`. `format` is one of DatasetFormats() or "auto" (recognised by the
// files the folder holds; with "auto", `dir` may also be a JSONL or CSV file of cases, read by
// LoadCaseFile). NotFound if `dir` is missing; InvalidArgument (naming the file and
// line) for labels that cannot be read at all, or for a folder in no known format.
absl::StatusOr<Dataset> LoadDataset(const std::string& dir, std::string_view format = "auto");

// A deterministic split by document id, the same for every command given the same seed. A
// document's fraction u is SHA-256("<seed>:<id>") read as a fraction of 2^32; it is in the test
// part when u < test_share, in the validation part when u < test_share + validation_share, and
// in the train part otherwise. So the test part does not depend on the validation share (a
// three-way split's test part is the two-way split's), `flowline train --split train` and
// `flowline eval --split test` never share a document, and a case keeps its part when a dataset
// gains new cases. Stored datasets (dataset_store.h) default to validation 0.2, test 0.2.
enum class Split { kAll, kTrain, kValidation, kTest };
std::optional<Split> ParseSplit(std::string_view name);  // "all", "train", "validation", "test"
std::string_view SplitName(Split split);
// The part `id` is in (never kAll). Shares are in [0, 1] with a sum of at most 1.
Split SplitOf(const std::string& id, double validation_share, double test_share, uint64_t seed);
// The two-way form: SplitOf(id, 0, test_share, seed) == Split::kTest.
bool InTestPart(const std::string& id, double test_share, uint64_t seed);
// `dataset` with only the documents of `split` (the two-way form: no validation part).
Dataset SelectSplit(Dataset dataset, Split split, double test_share, uint64_t seed);
Dataset SelectSplit(Dataset dataset, Split split, double validation_share, double test_share,
                    uint64_t seed);
// The fraction u in [0, 1) that places `id` in a split (above): SHA-256("<seed>:<id>").
double SplitPosition(const std::string& id, uint64_t seed);

// K-fold cross-validation's folds (`flowline eval --folds`): the fold (0..folds-1) of each of
// `ids`, at the same index. The ids are ordered by their split position u (ties by id) and cut
// into `folds` consecutive runs of sizes that differ by at most one, so every fold is non-empty
// when folds <= ids.size(), and the same ids and seed give the same folds (a fold, unlike a
// split part, can change when documents are added). Precondition: folds >= 1.
std::vector<int> AssignFolds(const std::vector<std::string>& ids, int folds, uint64_t seed);

// Fills the standard slices of `doc` that it does not have yet: "doc_type", "source" (the
// part of doc.source before ':', when there is a source) and "vendor" (the first of the
// vendor_name, company, advertiser labels that the document has).
void AddStandardSlices(LabelledDocument& doc);

// The invoice field set (docs/design/document-ai.md): the types of a flowline dataset's fields
// when its folder has no fields.yaml.
std::vector<ai::FieldSpec> InvoiceFieldSpecs();

}  // namespace flowline::quality
