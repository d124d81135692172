#include "monitor/json_members.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace flowline::monitor {
namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  size_t pos() const { return pos_; }

  void SkipSpace() {
    while (!AtEnd() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' ||
                        text_[pos_] == '\t')) {
      ++pos_;
    }
  }

  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }

  // At an opening quote: moves past the closing one; the contents (escapes kept) in `out`.
  bool String(std::string_view* out) {
    if (!Consume('"')) return false;
    const size_t begin = pos_;
    while (!AtEnd()) {
      const char c = text_[pos_];
      if (c == '\\') {
        pos_ += 2;
        continue;
      }
      if (c == '"') {
        if (out != nullptr) *out = text_.substr(begin, pos_ - begin);
        ++pos_;
        return true;
      }
      ++pos_;
    }
    return false;
  }

  // Moves past one value of any kind.
  bool Value() {
    const char c = Peek();
    if (c == '"') return String(nullptr);
    if (c == '{' || c == '[') {
      int depth = 0;
      while (!AtEnd()) {
        const char d = text_[pos_];
        if (d == '"') {
          if (!String(nullptr)) return false;
          continue;
        }
        ++pos_;
        if (d == '{' || d == '[') ++depth;
        if (d == '}' || d == ']') {
          if (--depth == 0) return true;
        }
      }
      return false;
    }
    // A number, true, false or null: up to the next delimiter.
    const size_t begin = pos_;
    while (!AtEnd() && text_[pos_] != ',' && text_[pos_] != '}' && text_[pos_] != ']' &&
           text_[pos_] != ' ' && text_[pos_] != '\n' && text_[pos_] != '\r' &&
           text_[pos_] != '\t') {
      ++pos_;
    }
    return pos_ > begin;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

absl::Status Malformed(size_t at) {
  return absl::InvalidArgumentError(
      absl::StrCat("not a well-formed JSON object (at byte ", at, ")"));
}

}  // namespace

absl::StatusOr<std::map<std::string_view, std::string_view>> FindMembers(
    std::string_view text, std::initializer_list<std::string_view> wanted) {
  std::map<std::string_view, std::string_view> found;
  Scanner scan(text);
  scan.SkipSpace();
  if (!scan.Consume('{')) return Malformed(scan.pos());
  scan.SkipSpace();
  if (scan.Consume('}')) return found;
  for (;;) {
    scan.SkipSpace();
    std::string_view name;
    if (!scan.String(&name)) return Malformed(scan.pos());
    scan.SkipSpace();
    if (!scan.Consume(':')) return Malformed(scan.pos());
    scan.SkipSpace();
    const size_t begin = scan.pos();
    if (!scan.Value()) return Malformed(scan.pos());
    const auto match = std::find(wanted.begin(), wanted.end(), name);
    if (match != wanted.end()) found[*match] = text.substr(begin, scan.pos() - begin);
    scan.SkipSpace();
    if (scan.Consume(',')) continue;
    if (scan.Consume('}')) return found;
    return Malformed(scan.pos());
  }
}

}  // namespace flowline::monitor
