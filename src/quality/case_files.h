// Labelled cases from one file (docs/datasets.md, "Formats"): JSONL, a case per line, or CSV, a
// case per row. Unlike the folder formats (dataset.h), which read sets someone else labelled and
// skip what they cannot use with a warning, these files are written for flowline, so every bad
// row is an error naming the file and line, and nothing is loaded.
//
//   JSONL  {"id": "c1", "file": "docs/a.pdf", "input": {...},
//           "expected": {"doc_type": "invoice", "fields": {"total_amount": "12.50"},
//                        "line_items": [...]},
//           "slices": {"region": "north"}, "source": "import:erp"}
//          `file` (relative to the JSONL's folder) and/or `input` (the workflow's JSON input);
//          `id` defaults to `file`, else "line-<n>". Without "fields", the other keys of
//          `expected` (not doc_type, line_items) are the fields.
//   CSV    columns: id, file, input.<name>, expected.<field>, expected.doc_type,
//          slice.<name>, source. An empty expected.<field> cell: not on the document.
//
// Field types come from fields.yaml / fields.json beside the file, else the invoice field set;
// labels are normalised as in the folder formats.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "quality/dataset.h"

namespace flowline::quality {

// "jsonl", "csv", or "auto" (by the file's extension). NotFound if `path` cannot be read;
// InvalidArgument naming path:line for the first bad row, an unknown format, or no cases.
absl::StatusOr<Dataset> LoadCaseFile(const std::string& path, std::string_view format = "auto");

}  // namespace flowline::quality
