#include "ai/match/reference_data.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/json_util.h"
#include "common/strings.h"

namespace flowline::ai {
namespace {

absl::Status CheckColumns(const std::vector<std::string>& columns, std::string_view where) {
  std::set<std::string> seen;
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string& c = columns[i];
    if (c.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Sv(where), ": column ", i + 1, " has no name; name every column"));
    }
    for (char ch : c) {
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
        return absl::InvalidArgumentError(absl::StrCat(
            Sv(where), ": column name \"", absl::CEscape(c), "\" contains a control character"));
      }
    }
    if (!seen.insert(absl::AsciiStrToLower(c)).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          Sv(where), ": column \"", c, "\" appears twice (names are compared ignoring case)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ReferenceData> ParseReferenceCsv(std::string_view text, std::string_view name) {
  ReferenceData data;
  data.sha256 = common::Sha256Hex(text);
  if (absl::StartsWith(Sv(text), "\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<std::vector<std::optional<std::string>>> records;
  std::vector<int> record_lines;
  int line = 1;
  size_t i = 0;
  while (i < text.size()) {
    // One record: fields until an unquoted line end.
    const int start_line = line;
    std::vector<std::optional<std::string>> fields;
    bool blank = true;
    while (true) {
      std::string field;
      bool quoted = false;
      if (i < text.size() && text[i] == '"') {
        quoted = true;
        blank = false;
        ++i;
        while (true) {
          if (i >= text.size()) {
            return absl::InvalidArgumentError(absl::StrCat(
                Sv(name), ":", start_line, ": a quoted value is never closed; end it with \""));
          }
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          field.push_back(text[i++]);
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          return absl::InvalidArgumentError(
              absl::StrCat(Sv(name), ":", line,
                           ": text after a closing quote; a quote inside a quoted value "
                           "is written twice (\"\")"));
        }
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') {
            return absl::InvalidArgumentError(
                absl::StrCat(Sv(name), ":", line,
                             ": a quote inside an unquoted value; put the whole value "
                             "in quotes and write the quote twice (\"\")"));
          }
          field.push_back(text[i++]);
        }
        if (!field.empty()) blank = false;
      }
      if (quoted || !field.empty()) {
        fields.emplace_back(std::move(field));
      } else {
        fields.emplace_back(std::nullopt);
      }
      if (i < text.size() && text[i] == ',') {
        blank = false;
        ++i;
        continue;
      }
      break;
    }
    if (i < text.size() && text[i] == '\r') ++i;
    if (i < text.size() && text[i] == '\n') {
      ++i;
      ++line;
    } else if (i < text.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Sv(name), ":", line, ": a lone carriage return; use \\n or \\r\\n"));
    }
    if (blank) continue;
    records.push_back(std::move(fields));
    record_lines.push_back(start_line);
  }
  if (records.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(name), ": empty; the first line must name the columns"));
  }
  for (const std::optional<std::string>& c : records[0]) data.columns.push_back(c.value_or(""));
  if (absl::Status s = CheckColumns(data.columns, absl::StrCat(Sv(name), ":", record_lines[0]));
      !s.ok()) {
    return s;
  }
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != data.columns.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          Sv(name), ":", record_lines[r], ": ", records[r].size(), " values, the header has ",
          data.columns.size(), " columns (put values that contain commas in double quotes)"));
    }
    data.rows.push_back(std::move(records[r]));
    data.lines.push_back(record_lines[r]);
  }
  if (data.rows.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(name), ": a header but no rows"));
  }
  return data;
}

absl::StatusOr<ReferenceData> ParseReferenceJsonl(std::string_view text, std::string_view name) {
  ReferenceData data;
  data.sha256 = common::Sha256Hex(text);
  std::map<std::string, size_t> index;
  std::vector<std::map<size_t, std::string>> values;
  int line = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    ++line;
    if (raw.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = absl::StrCat(Sv(name), ":", line);
    absl::StatusOr<Json> row = common::ParseJson(raw, where);
    if (!row.ok()) return row.status();
    if (!row->is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": each line must be a JSON object like {\"id\": \"V1\", ...}"));
    }
    std::map<size_t, std::string> cells;
    for (const auto& [key, value] : row->items()) {
      if (value.is_structured()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": \"", key, "\" is a nested ", value.is_array() ? "list" : "object",
            "; reference rows are flat (one value per column)"));
      }
      auto [it, added] = index.emplace(key, data.columns.size());
      if (added) data.columns.push_back(key);
      if (value.is_null()) continue;
      cells[it->second] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    values.push_back(std::move(cells));
    data.lines.push_back(line);
  }
  if (values.empty()) return absl::InvalidArgumentError(absl::StrCat(Sv(name), ": no rows"));
  if (absl::Status s = CheckColumns(data.columns, name); !s.ok()) return s;
  for (auto& cells : values) {
    std::vector<std::optional<std::string>> row(data.columns.size());
    for (auto& [column, value] : cells) row[column] = std::move(value);
    data.rows.push_back(std::move(row));
  }
  return data;
}

absl::StatusOr<ReferenceData> ReadReferenceFile(const std::string& path) {
  const bool csv = absl::EndsWithIgnoreCase(path, ".csv");
  const bool jsonl =
      absl::EndsWithIgnoreCase(path, ".jsonl") || absl::EndsWithIgnoreCase(path, ".ndjson");
  if (!csv && !jsonl) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(path),
                     ": unknown format; reference data is a .csv file with a header line or a "
                     ".jsonl file with one object per line"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(Sv(path), ": cannot be read"));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return csv ? ParseReferenceCsv(bytes.str(), path) : ParseReferenceJsonl(bytes.str(), path);
}

}  // namespace flowline::ai
