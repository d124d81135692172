// Reference data as the business hands it over (vendor master, purchase orders, customers): a
// CSV file with a header line or a JSONL file of flat objects, parsed into columns and rows for
// LoadReferenceTable (reference_store.h).
//
// CSV follows RFC 4180: comma separated, fields with commas, quotes or line breaks in double
// quotes, a quote inside doubled (""); a UTF-8 byte-order mark and CRLF line ends are accepted;
// blank lines are skipped. In JSONL every line is an object whose values are strings, numbers,
// booleans or null; the columns are the keys in order of first appearance. Values are kept as
// the text they were written as (null or an empty CSV field: no value).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace flowline::ai {

struct ReferenceData {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // one value per column
  std::vector<int> lines;  // the line each row starts on (1-based), for messages
  std::string sha256;      // of the file's bytes
};

// Parses `text`; `name` (the file name) prefixes messages: InvalidArgument
// "vendors.csv:7: 4 values, the header has 3 columns (...)", with how to fix it. Columns must be
// non-empty, unique ignoring case, and free of control characters; there must be at least one
// row.
absl::StatusOr<ReferenceData> ParseReferenceCsv(std::string_view text, std::string_view name);
absl::StatusOr<ReferenceData> ParseReferenceJsonl(std::string_view text, std::string_view name);

// Reads `path` and parses it by its extension (.csv; .jsonl or .ndjson). InvalidArgument for
// another extension, NotFound if it cannot be read.
absl::StatusOr<ReferenceData> ReadReferenceFile(const std::string& path);

}  // namespace flowline::ai
