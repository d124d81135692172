// CSV (RFC 4180): comma-separated, fields optionally in double quotes, "" for a quote inside
// quotes, CRLF or LF line ends, quoted fields may span lines. A UTF-8 byte-order mark at the
// start is skipped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace flowline::common {

using CsvRow = std::vector<std::string>;

struct CsvTable {
  CsvRow header;
  std::vector<CsvRow> rows;    // each as long as the header
  std::vector<int> row_lines;  // the line each row starts on (1-based), for error messages
  // The index of column `name` in the header, or -1.
  int Column(std::string_view name) const;
};

// Parses `text` whose first row is the header. InvalidArgument naming `what` and the line for an
// unterminated quote, a stray quote, or a row with a different number of fields than the header.
// Empty lines are skipped.
absl::StatusOr<CsvTable> ParseCsv(std::string_view text, std::string_view what);

}  // namespace flowline::common
