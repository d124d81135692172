#include "quality/transcript.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/strings.h"
#include "quality/dataset_internal.h"

namespace flowline::quality {
namespace {

struct Row {
  double x0, y0, x1, y1;  // pixels, the corners' bounding box
  std::string text;
};

struct ImageSize {
  int width = 0, height = 0;
  double dpi = 72;
};

int Be16(std::string_view b, size_t at) {
  return (static_cast<unsigned char>(b[at]) << 8) | static_cast<unsigned char>(b[at + 1]);
}

// The pixel size (and JFIF density) from a JPEG's or PNG's header; zeros if neither.
ImageSize MeasureImage(std::string_view bytes) {
  ImageSize size;
  if (bytes.size() > 24 && bytes.substr(0, 8) == "\x89PNG\r\n\x1a\n") {
    auto be32 = [&](size_t at) { return (Be16(bytes, at) << 16) | Be16(bytes, at + 2); };
    size.width = be32(16);
    size.height = be32(20);
    return size;
  }
  if (bytes.size() < 4 || static_cast<unsigned char>(bytes[0]) != 0xFF ||
      static_cast<unsigned char>(bytes[1]) != 0xD8) {
    return size;
  }
  size_t at = 2;
  while (at + 4 <= bytes.size()) {
    if (static_cast<unsigned char>(bytes[at]) != 0xFF) break;
    const int marker = static_cast<unsigned char>(bytes[at + 1]);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    const size_t length = static_cast<size_t>(Be16(bytes, at + 2));
    const size_t body = at + 4;
    if (marker == 0xE0 && body + 12 <= bytes.size() &&
        bytes.substr(body, 5) == std::string_view("JFIF\0", 5)) {
      const int units = static_cast<unsigned char>(bytes[body + 7]);
      const int x_density = Be16(bytes, body + 8);
      if (units == 1 && x_density > 0) size.dpi = x_density;
      if (units == 2 && x_density > 0) size.dpi = x_density * 2.54;
    }
    // Start of frame (baseline, progressive, lossless…; not DHT C4, JPG C8, DAC CC).
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      if (body + 5 <= bytes.size()) {
        size.height = Be16(bytes, body + 1);
        size.width = Be16(bytes, body + 3);
      }
      return size;
    }
    at = body + length - 2;
  }
  return size;
}

absl::StatusOr<Row> ParseRow(std::string_view text, const std::string& where) {
  std::vector<std::string_view> parts;  // the transcript may hold commas: 8 splits at most
  while (parts.size() < 8) {
    const size_t comma = text.find(',');
    if (comma == std::string_view::npos) break;
    parts.push_back(text.substr(0, comma));
    text.remove_prefix(comma + 1);
  }
  parts.push_back(text);
  if (parts.size() != 9) {
    return absl::InvalidArgumentError(
        absl::StrCat(where,
                     ": expected x1,y1,x2,y2,x3,y3,x4,y4,transcript (8 coordinates and "
                     "the text), found ",
                     parts.size(), " fields"));
  }
  double xs[4], ys[4];
  for (int i = 0; i < 8; ++i) {
    std::string_view digits = parts[i];
    while (!digits.empty() && digits.front() == ' ') digits.remove_prefix(1);
    while (!digits.empty() && digits.back() == ' ') digits.remove_suffix(1);
    int v = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": coordinate ", i + 1, " '", Sv(parts[i]), "' is not an integer"));
    }
    (i % 2 == 0 ? xs : ys)[i / 2] = v;
  }
  Row row;
  row.x0 = *std::min_element(xs, xs + 4);
  row.x1 = *std::max_element(xs, xs + 4);
  row.y0 = *std::min_element(ys, ys + 4);
  row.y1 = *std::max_element(ys, ys + 4);
  row.text = std::string(parts[8]);
  return row;
}

// The row's words, their boxes (fractions of the page) apportioned by character offsets.
std::vector<ai::Word> RowWords(const Row& row, double width, double height) {
  std::vector<ai::Word> words;
  const double chars = std::max<double>(1, static_cast<double>(row.text.size()));
  const double per_char = (row.x1 - row.x0) / chars;
  size_t i = 0;
  while (i < row.text.size()) {
    if (row.text[i] == ' ') {
      ++i;
      continue;
    }
    size_t end = row.text.find(' ', i);
    if (end == std::string::npos) end = row.text.size();
    ai::Word word;
    word.text = row.text.substr(i, end - i);
    word.box = {(row.x0 + per_char * static_cast<double>(i)) / width, row.y0 / height,
                (row.x0 + per_char * static_cast<double>(end)) / width, row.y1 / height};
    words.push_back(std::move(word));
    i = end;
  }
  return words;
}

}  // namespace

absl::StatusOr<ai::Document> ParseBoxTranscript(std::string_view csv, const std::string& where,
                                                int width, int height, double dpi) {
  const std::string sha256 = common::Sha256Hex(csv);
  std::vector<Row> rows;
  int line_number = 0;
  double max_x = 1, max_y = 1;
  while (!csv.empty()) {
    const size_t newline = csv.find('\n');
    std::string_view text = csv.substr(0, newline);
    csv.remove_prefix(newline == std::string_view::npos ? csv.size() : newline + 1);
    ++line_number;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
    absl::StatusOr<Row> row = ParseRow(text, absl::StrCat(where, ":", line_number));
    if (!row.ok()) return row.status();
    max_x = std::max(max_x, row->x1);
    max_y = std::max(max_y, row->y1);
    if (row->text.find_first_not_of(' ') == std::string::npos) continue;
    rows.push_back(*std::move(row));
  }
  const double w = width > 0 ? width : max_x;
  const double h = height > 0 ? height : max_y;
  // Visual lines: rows sorted by their vertical centre; a row joins the current line when its
  // centre is within half a row's height of the line's first row's centre.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.y0 + a.y1 < b.y0 + b.y1; });
  ai::Page page;
  page.number = 1;
  page.width = w * 72.0 / dpi;
  page.height = h * 72.0 / dpi;
  size_t first = 0;
  while (first < rows.size()) {
    const double centre = (rows[first].y0 + rows[first].y1) / 2;
    const double half = std::max(1.0, (rows[first].y1 - rows[first].y0) / 2);
    size_t end = first + 1;
    while (end < rows.size() && std::fabs((rows[end].y0 + rows[end].y1) / 2 - centre) <= half) {
      ++end;
    }
    std::vector<const Row*> line_rows;
    for (size_t r = first; r < end; ++r) line_rows.push_back(&rows[r]);
    std::stable_sort(line_rows.begin(), line_rows.end(),
                     [](const Row* a, const Row* b) { return a->x0 < b->x0; });
    ai::Line line;
    for (const Row* row : line_rows) {
      for (ai::Word& word : RowWords(*row, w, h)) line.words.push_back(std::move(word));
    }
    if (!line.words.empty()) {
      line.box = line.words.front().box;
      for (const ai::Word& word : line.words) line.box = line.box.Union(word.box);
      page.lines.push_back(std::move(line));
    }
    first = end;
  }
  ai::Document doc;
  doc.sha256 = sha256;
  doc.media_type = "text/csv";
  doc.pages.push_back(std::move(page));
  return doc;
}

absl::StatusOr<ai::Document> ReadBoxTranscript(const std::string& csv_path,
                                               const std::string& image_path) {
  absl::StatusOr<std::string> csv = internal::ReadWholeFile(csv_path);
  if (!csv.ok()) return csv.status();
  ImageSize size;
  if (!image_path.empty()) {
    if (absl::StatusOr<std::string> image = internal::ReadWholeFile(image_path); image.ok()) {
      size = MeasureImage(*image);
    }
  }
  return ParseBoxTranscript(*csv, csv_path, size.width, size.height, size.dpi);
}

}  // namespace flowline::quality
