#include "common/csv.h"

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::common {

int CsvTable::Column(std::string_view name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<CsvTable> ParseCsv(std::string_view text, std::string_view what) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<CsvRow> rows;
  std::vector<int> lines;
  CsvRow row;
  std::string field;
  int line = 1;
  int row_line = 1;
  bool in_quotes = false;
  bool quoted = false;  // the current field was quoted (so it ended at the closing quote)
  auto bad = [&](std::string_view problem) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(what), ":", line, ": ", Sv(problem)));
  };
  auto end_row = [&] {
    row.push_back(std::move(field));
    field.clear();
    quoted = false;
    bool empty = row.size() == 1 && row[0].empty();
    if (!empty) {
      rows.push_back(std::move(row));
      lines.push_back(row_line);
    }
    row.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || quoted)
        return bad("a quote inside an unquoted field (write it as \"\")");
      in_quotes = true;
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      quoted = false;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;  // CRLF: the \n ends the row
    } else if (c == '\n') {
      end_row();
      ++line;
      row_line = line;
    } else {
      if (quoted) return bad("text after a closing quote");
      field += c;
    }
  }
  if (in_quotes) return bad("a quoted field is not closed (missing \")");
  if (!field.empty() || !row.empty() || quoted) end_row();
  if (rows.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(what), ": no header row (the file is empty)"));
  }
  CsvTable table;
  table.header = std::move(rows[0]);
  for (size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].size() != table.header.size()) {
      return absl::InvalidArgumentError(absl::StrCat(Sv(what), ":", lines[r], ": ", rows[r].size(),
                                                     " fields, but the header has ",
                                                     table.header.size()));
    }
    table.rows.push_back(std::move(rows[r]));
    table.row_lines.push_back(lines[r]);
  }
  return table;
}

}  // namespace flowline::common
