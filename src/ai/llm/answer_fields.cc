#include "ai/llm/answer_fields.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"

namespace flowline::ai::llm {
namespace {

std::string Collapse(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

bool ValidDate(int y, int m, int d) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m != 2 || d <= 28 || leap;
}

std::optional<int> MonthNumber(std::string_view word) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  std::string lower = absl::AsciiStrToLower(Sv(word));
  if (!lower.empty() && lower.back() == '.') lower.pop_back();
  if (lower.size() < 3) return std::nullopt;
  for (int i = 0; i < 12; ++i) {
    if (lower.compare(0, 3, kMonths[i]) == 0) return i + 1;
  }
  return std::nullopt;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ISO YYYY-MM-DD for the unambiguous ways of writing a date; nullopt otherwise.
std::optional<std::string> IsoDate(std::string_view text) {
  int y = 0, m = 0, d = 0;
  std::vector<std::string> parts =
      absl::StrSplit(Sv(text), absl::ByAnyChar("-/. ,"), absl::SkipEmpty());
  if (parts.size() != 3) return std::nullopt;
  auto number = [](const std::string& s) { return AllDigits(s) ? std::stoi(s) : -1; };
  if (AllDigits(parts[0]) && AllDigits(parts[1]) && AllDigits(parts[2])) {
    const int a = number(parts[0]), b = number(parts[1]), c = number(parts[2]);
    if (parts[0].size() == 4) {
      y = a, m = b, d = c;  // 2026-03-02, 2026/3/2
    } else if (parts[2].size() == 4 && text.find('.') != std::string_view::npos) {
      y = c, m = b, d = a;  // 02.03.2026: the dotted form is day first wherever it is used
    } else if (parts[2].size() == 4 && a > 12) {
      y = c, m = b, d = a;  // 23/03/2026
    } else if (parts[2].size() == 4 && b > 12) {
      y = c, m = a, d = b;  // 03/23/2026
    } else {
      return std::nullopt;  // 03/02/2026: March or February
    }
  } else if (std::optional<int> month = MonthNumber(parts[1]);
             month && AllDigits(parts[0]) && AllDigits(parts[2])) {
    y = number(parts[2]), m = *month, d = number(parts[0]);  // 2 March 2026
  } else if (std::optional<int> month = MonthNumber(parts[0]);
             month && AllDigits(parts[1]) && AllDigits(parts[2])) {
    y = number(parts[2]), m = *month, d = number(parts[1]);  // March 2, 2026
  } else {
    return std::nullopt;
  }
  if (!ValidDate(y, m, d)) return std::nullopt;
  return absl::StrFormat("%04d-%02d-%02d", y, m, d);
}

// A JSON text scanner that reports where values start and end (nlohmann's parser does not).
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool Peek(char c) {
    SkipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  bool Consume(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  // A string; its decoded value is not needed beyond plain member names, so escapes are kept.
  std::optional<std::string> String() {
    if (!Consume('"')) return std::nullopt;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\') {
        if (pos_ + 1 >= text_.size()) return std::nullopt;
        out.push_back(text_[pos_++]);
      }
      out.push_back(text_[pos_++]);
    }
    if (pos_ >= text_.size()) return std::nullopt;
    ++pos_;
    return out;
  }
  // Skips one value; false if there is none.
  bool Value() {
    SkipSpace();
    if (pos_ >= text_.size()) return false;
    const char c = text_[pos_];
    if (c == '"') return String().has_value();
    if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++pos_;
      if (Consume(close)) return true;
      do {
        if (c == '{' && !(String() && Consume(':'))) return false;
        if (!Value()) return false;
      } while (Consume(','));
      return Consume(close);
    }
    const size_t start = pos_;
    while (pos_ < text_.size() &&
           std::string_view(",}] \n\r\t").find(text_[pos_]) == std::string_view::npos) {
      ++pos_;
    }
    return pos_ > start;
  }
  size_t pos() const { return pos_; }
  bool AtEnd() {
    SkipSpace();
    return pos_ == text_.size();
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

Json Member(const std::optional<Json>& sample, const std::string& name) {
  if (!sample.has_value() || !sample->is_object()) return Json();
  return sample->value(name, Json());
}

}  // namespace

Json NormalizeValue(const Json& value, const Json& property_schema) {
  const Json& schema = property_schema.is_object() ? property_schema : Json::object();
  switch (value.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      return nullptr;
    case Json::value_t::string: {
      std::string text = Collapse(value.get<std::string>());
      if (schema.value("format", "") == "date") {
        if (std::optional<std::string> iso = IsoDate(text)) return *iso;
      }
      return text;
    }
    case Json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: {
      const double number = value.get<double>();
      if (schema.value("x-flowline-type", "") == "amount") return absl::StrFormat("%.2f", number);
      return absl::StrFormat("%.15g", number);
    }
    default:
      return common::CanonicalJson(value);
  }
}

std::string VoteKey(const Json& normalized) {
  if (!normalized.is_string()) return "";  // null: absent and null agree with each other
  return "=" + absl::AsciiStrToLower(normalized.get<std::string>());
}

Vote VoteOnSamples(const Json& schema, const std::vector<std::optional<Json>>& samples,
                   const std::set<std::string>& free_text) {
  Vote vote;
  const Json properties = schema.value("properties", Json::object());
  const int n = static_cast<int>(samples.size());
  // Per field: each valid sample's key, and the modal key.
  struct Tally {
    std::vector<std::optional<std::string>> keys;  // per sample; nullopt: invalid sample
    std::string modal;
    int count = 0;
  };
  std::vector<Tally> tallies;
  for (const auto& [name, property] : properties.items()) {
    Tally tally;
    std::map<std::string, int> counts;
    for (const std::optional<Json>& sample : samples) {
      if (!sample.has_value()) {
        tally.keys.push_back(std::nullopt);
        continue;
      }
      const Json value = Member(sample, name);
      tally.keys.push_back(VoteKey(NormalizeValue(value, property)));
      ++counts[*tally.keys.back()];
    }
    // The first sample holding a value with the highest count: ties go to the lowest index.
    for (const std::optional<std::string>& key : tally.keys) {
      if (key.has_value() && counts[*key] > tally.count) {
        tally.modal = *key;
        tally.count = counts[*key];
      }
    }
    tallies.push_back(std::move(tally));
  }
  int best = -1;
  for (int i = 0; i < n; ++i) {
    if (!samples[i].has_value()) continue;
    int agrees = 0;
    size_t f = 0;
    for (const auto& [name, property] : properties.items()) {
      const Tally& tally = tallies[f++];
      if (!free_text.contains(name) && tally.keys[i] == tally.modal) ++agrees;
    }
    if (agrees > best) {
      best = agrees;
      vote.chosen = i;
    }
  }
  size_t f = 0;
  for (const auto& [name, property] : properties.items()) {
    const Tally& tally = tallies[f++];
    FieldVote field;
    field.name = name;
    field.of = n;
    field.free_text = free_text.contains(name);
    if (vote.chosen >= 0) field.value = Member(samples[vote.chosen], name);
    if (!field.free_text) {
      // The chosen answer may differ from the modal value on this field: report the modal one.
      for (int i = 0; i < n; ++i) {
        if (tally.keys[i] == tally.modal && tally.count > 0) {
          if (i != vote.chosen) field.value = Member(samples[i], name);
          break;
        }
      }
      field.normalized = NormalizeValue(field.value, property);
      field.agree = tally.count;
      field.confidence = n == 0 ? 0.0 : static_cast<double>(tally.count) / n;
    }
    vote.fields.push_back(std::move(field));
  }
  return vote;
}

std::optional<std::map<std::string, std::pair<size_t, size_t>>> MemberValueSpans(
    std::string_view text) {
  Scanner scanner(text);
  std::map<std::string, std::pair<size_t, size_t>> spans;
  if (!scanner.Consume('{')) return std::nullopt;
  if (!scanner.Consume('}')) {
    do {
      std::optional<std::string> name = scanner.String();
      if (!name.has_value() || !scanner.Consume(':')) return std::nullopt;
      scanner.SkipSpace();
      const size_t begin = scanner.pos();
      if (!scanner.Value()) return std::nullopt;
      spans[*name] = {begin, scanner.pos()};
    } while (scanner.Consume(','));
    if (!scanner.Consume('}')) return std::nullopt;
  }
  if (!scanner.AtEnd()) return std::nullopt;
  return spans;
}

std::optional<std::map<std::string, double>> LogprobConfidence(
    std::string_view text, const std::vector<TokenLogprob>& logprobs) {
  if (logprobs.empty()) return std::nullopt;
  std::string spelled;
  for (const TokenLogprob& token : logprobs) spelled += token.token;
  if (spelled != text) return std::nullopt;
  std::optional<std::map<std::string, std::pair<size_t, size_t>>> spans = MemberValueSpans(text);
  if (!spans.has_value()) return std::nullopt;
  std::map<std::string, double> out;
  for (const auto& [name, span] : *spans) {
    double sum = 0;
    size_t begin = 0;
    for (const TokenLogprob& token : logprobs) {
      const size_t end = begin + token.token.size();
      if (begin < span.second && end > span.first) sum += token.logprob;
      begin = end;
    }
    out[name] = std::exp(sum);
  }
  return out;
}

}  // namespace flowline::ai::llm
