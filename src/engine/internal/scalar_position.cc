#include "engine/internal/scalar_position.h"

#include <algorithm>
#include <optional>

#include "engine/internal/spec_diagnostics.h"

namespace flowline::engine::internal {

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Line `line0` (0-based) of a walk over the source, without its line break.
struct SourceLine {
  size_t start = 0;
  std::string_view text;
};

class LineReader {
 public:
  LineReader(std::string_view source, size_t start) : source_(source), next_(start) {}

  std::optional<SourceLine> Next() {
    if (next_ >= source_.size()) return std::nullopt;
    size_t end = source_.find('\n', next_);
    if (end == std::string_view::npos) end = source_.size();
    SourceLine line{next_, source_.substr(next_, end - next_)};
    next_ = end + 1;
    return line;
  }

 private:
  std::string_view source_;
  size_t next_;
};

size_t LeadingBlanks(std::string_view text) {
  size_t n = 0;
  while (n < text.size() && IsBlank(text[n])) ++n;
  return n;
}

size_t TrimmedLength(std::string_view text) {
  size_t n = text.size();
  while (n > 0 && IsBlank(text[n - 1])) --n;
  return n;
}

// Plain and quoted scalars: the first line starts at the scalar; continuation lines are trimmed
// and joined with a space, an empty line standing for a line break.
Location LocateInFlow(std::string_view source, size_t start, int line0, int column0, size_t offset,
                      Location fallback) {
  LineReader lines(source, start);
  auto first = lines.Next();
  if (!first) return fallback;
  size_t length = TrimmedLength(first->text);
  if (offset <= length) return {line0 + 1, column0 + static_cast<int>(offset) + 1};
  size_t value = length;
  size_t blank_run = 0;
  int line = line0;
  while (auto next = lines.Next()) {
    ++line;
    size_t indent = LeadingBlanks(next->text);
    if (indent == next->text.size()) {
      ++blank_run;
      continue;
    }
    size_t segment_start = value + std::max<size_t>(blank_run, 1);
    size_t segment_length = TrimmedLength(next->text) - indent;
    if (offset <= segment_start + segment_length) {
      size_t into = offset > segment_start ? offset - segment_start : 0;
      return {line + 1, static_cast<int>(indent + into) + 1};
    }
    value = segment_start + segment_length;
    blank_run = 0;
  }
  return fallback;
}

// Block scalars: content starts on the line after the header, at the block's indentation (that
// of its first non-empty line). `|` keeps line breaks, so content line N is value line N; `>`
// joins lines like a plain scalar, except around lines indented further, which keep their break.
Location LocateInBlock(std::string_view source, size_t header, int line0, bool folded,
                       size_t offset, Location fallback) {
  size_t header_end = source.find('\n', header);
  if (header_end == std::string_view::npos) return fallback;
  size_t indent = 0;
  {
    LineReader probe(source, header_end + 1);
    while (auto next = probe.Next()) {
      size_t blanks = LeadingBlanks(next->text);
      if (blanks < next->text.size()) {
        indent = blanks;
        break;
      }
    }
  }
  if (indent == 0) return fallback;
  LineReader lines(source, header_end + 1);
  size_t value = 0;
  size_t blank_run = 0;
  bool any_line = false;
  bool previous_more_indented = false;
  int line = line0;
  while (auto next = lines.Next()) {
    ++line;
    size_t blanks = LeadingBlanks(next->text);
    bool blank = blanks == next->text.size();
    if (!blank && blanks < indent) break;  // the block has ended
    std::string_view content = blank ? std::string_view() : next->text.substr(indent);
    size_t length = folded ? TrimmedLength(content) : content.size();
    if (!content.empty() && content.back() == '\r') --length;
    size_t segment_start = value;
    if (folded) {
      if (blank) {
        ++blank_run;
        continue;
      }
      bool more_indented = blanks > indent;
      size_t separator = blank_run;
      if (any_line && (blank_run == 0 || more_indented || previous_more_indented)) {
        separator += 1;
      }
      segment_start = value + separator;
      previous_more_indented = more_indented;
      blank_run = 0;
    }
    if (offset <= segment_start + length) {
      size_t into = offset > segment_start ? offset - segment_start : 0;
      return {line + 1, static_cast<int>(indent + into) + 1};
    }
    value = segment_start + length + (folded ? 0 : 1);
    any_line = true;
  }
  return fallback;
}

}  // namespace

size_t OffsetOf(std::string_view text, int line, int column) {
  size_t offset = 0;
  for (int current = 1; current < line; ++current) {
    size_t newline = text.find('\n', offset);
    if (newline == std::string_view::npos) return text.size();
    offset = newline + 1;
  }
  // Columns count characters: step over UTF-8 continuation bytes.
  for (int current = 1; current < column && offset < text.size(); ++current) {
    ++offset;
    while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) {
      ++offset;
    }
  }
  return offset;
}

Location LocateInScalar(std::string_view source, const YAML::Node& scalar, size_t offset) {
  Location fallback = LocationOf(scalar);
  const YAML::Mark mark = scalar.Mark();
  if (mark.is_null() || mark.pos < 0 || static_cast<size_t>(mark.pos) >= source.size()) {
    return fallback;
  }
  size_t pos = mark.pos;
  // A tag or anchor may come before the value: `!!str "..."`, `&name ...`.
  while (pos < source.size() && (source[pos] == '!' || source[pos] == '&')) {
    while (pos < source.size() && !IsBlank(source[pos]) && source[pos] != '\n') ++pos;
    while (pos < source.size() && IsBlank(source[pos])) ++pos;
  }
  if (pos >= source.size() || source[pos] == '\n') return fallback;
  int column0 = mark.column + static_cast<int>(pos - mark.pos);
  char c = source[pos];
  if (c == '|' || c == '>')
    return LocateInBlock(source, pos, mark.line, c == '>', offset, fallback);
  int quote = (c == '"' || c == '\'') ? 1 : 0;
  return LocateInFlow(source, pos + quote, mark.line, column0 + quote, offset, fallback);
}

}  // namespace flowline::engine::internal
