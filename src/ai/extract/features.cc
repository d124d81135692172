#include "ai/extract/features.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <unordered_set>

#include "absl/strings/ascii.h"

namespace flowline::ai {
namespace {

const char* const kBaseNames[kGeneralFeatureCount] = {
    "page",
    "first_page",
    "last_page",
    "page_count",
    "x0",
    "y0",
    "x1",
    "y1",
    "cx",
    "cy",
    "height_ratio",
    "width",
    "line_from_top",
    "line_from_bottom",
    "line_relative",
    "span_words",
    "line_words",
    "whole_line",
    "starts_line",
    "ends_line",
    "span_position",
    "chars",
    "digit_ratio",
    "alpha_ratio",
    "upper_ratio",
    "format",
    "decimals",
    "has_currency",
    "negative",
    "line_has_colon",
    "after_colon",
    "line_amounts",
    "amounts_right",
    "left_gap",
    "repeats",
    "value_rank",
    "value_rank_abs",
    "is_max",
    "position_rank",
    "candidates",
    "distinct_values",
    "magnitude",
    "sum_of_two",
    "addend",
    "ocr_conf",
    "line_count",
    "pattern_match",
    "hint_left",
    "hint_above",
    "org_suffix",
    "street_words",
    "postcode",
    "commas",
    "caps_line",
    "line_height_rank",
    "labelled_left",
};

const std::unordered_set<std::string>& OrgSuffixes() {
  static const auto* words = new std::unordered_set<std::string>{
      "ltd",         "limited", "inc",        "llc",         "gmbh",    "ag",    "sa",      "sarl",
      "sas",         "bv",      "nv",         "bhd",         "sdn",     "plc",   "co",      "corp",
      "corporation", "company", "enterprise", "enterprises", "trading", "kg",    "srl",     "spa",
      "oy",          "ab",      "pvt",        "llp",         "pte",     "group", "services"};
  return *words;
}

const std::unordered_set<std::string>& StreetWords() {
  static const auto* words = new std::unordered_set<std::string>{
      "jalan", "jln",       "road",  "rd",    "street", "st",     "avenue", "ave",
      "lane",  "strasse",   "str",   "rue",   "weg",    "laan",   "straat", "taman",
      "blvd",  "boulevard", "drive", "suite", "floor",  "lot",    "plaza",  "building",
      "box",   "po",        "no",    "way",   "place",  "square", "park"};
  return *words;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AmountLike(const std::string& word) {
  return word.find_first_of(".,") != std::string::npos && NormalizeAmount(word).has_value();
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  return values[values.size() / 2];
}

struct PageStats {
  double median_height = 0.01;
  std::vector<double> height_rank;  // per line: 0 = tallest line on the page, 1 = smallest
  std::vector<int> amounts;         // per line: amount-like words
};

PageStats Stats(const Page& page) {
  PageStats stats;
  std::vector<double> heights;
  for (const Line& line : page.lines) heights.push_back(line.box.height());
  stats.median_height = std::max(Median(heights), 1e-4);
  std::vector<double> sorted = heights;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  for (double h : heights) {
    const auto pos = std::lower_bound(sorted.begin(), sorted.end(), h, std::greater<>());
    stats.height_rank.push_back(sorted.size() > 1 ? static_cast<double>(pos - sorted.begin()) /
                                                        static_cast<double>(sorted.size() - 1)
                                                  : 0.0);
  }
  for (const Line& line : page.lines) {
    int n = 0;
    for (const Word& w : line.words) n += AmountLike(w.text) ? 1 : 0;
    stats.amounts.push_back(n);
  }
  return stats;
}

bool Contains(const std::vector<std::string>& words, const std::string& word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// Nearness of `word` in a nearest-first list: 1, 1/2, 1/3…; 0 when absent.
float Nearness(const std::vector<std::string>& words, const std::string& word) {
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] == word) return 1.0f / static_cast<float>(i + 1);
  }
  return 0.0f;
}

}  // namespace

std::vector<std::string> BaseFeatureNames() {
  std::vector<std::string> names(kBaseNames, kBaseNames + kGeneralFeatureCount);
  for (std::string& name : BlockFeatureNames()) names.push_back(std::move(name));
  for (std::string& name : SpanFeatureNames()) names.push_back(std::move(name));
  for (std::string& name : AgreementFeatureNames()) names.push_back(std::move(name));
  return names;
}

std::vector<std::string> FeatureNames(const std::vector<std::string>& vocabulary) {
  std::vector<std::string> names = BaseFeatureNames();
  for (const std::string& word : vocabulary) {
    names.push_back("left:" + word);
    names.push_back("above:" + word);
  }
  return names;
}

std::vector<std::string> LabelTokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  auto flush = [&] {
    if (current.size() >= 2) tokens.push_back(current);
    current.clear();
  };
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (absl::ascii_isalpha(u) || u >= 0x80) {
      current += absl::ascii_tolower(u);
    } else {
      flush();
    }
  }
  flush();
  return tokens;
}

Context CandidateContext(const Document& doc, const Candidate& candidate) {
  Context context;
  const Page& page = doc.pages[candidate.page];
  const Line& line = page.lines[candidate.line];
  for (int i = candidate.first_word - 1; i >= 0 && context.left.size() < 8; --i) {
    std::vector<std::string> tokens = LabelTokens(line.words[i].text);
    for (auto it = tokens.rbegin(); it != tokens.rend(); ++it) context.left.push_back(*it);
  }
  if (context.left.size() < 8) {  // a label printed as its own line left of the value
    for (std::string& token : RowLeftTokens(doc, candidate, 8 - context.left.size())) {
      context.left.push_back(std::move(token));
    }
  }
  const double height = std::max(line.box.height(), 1e-4);
  const double lo = candidate.box.x0 - 0.03, hi = candidate.box.x1 + 0.03;
  int found = 0;
  for (int l = candidate.line - 1; l >= 0 && l >= candidate.line - 10 && found < 2; --l) {
    const Line& above = page.lines[l];
    if (above.box.y1 > candidate.box.y0 + 0.25 * height) continue;  // same row, other column
    if (candidate.box.y0 - above.box.y1 > 4 * height) break;
    bool any = false;
    for (const Word& w : above.words) {
      if (w.box.x1 < lo || w.box.x0 > hi) continue;
      for (std::string& token : LabelTokens(w.text)) context.above.push_back(std::move(token));
      any = true;
    }
    found += any ? 1 : 0;
  }
  return context;
}

std::vector<std::string> LearnVocabulary(const std::vector<Context>& contexts,
                                         const FieldSpec& field, size_t size) {
  std::map<std::string, int> counts;
  for (const Context& context : contexts) {
    std::set<std::string> seen(context.left.begin(), context.left.end());
    seen.insert(context.above.begin(), context.above.end());
    for (const std::string& word : seen) ++counts[word];
  }
  std::vector<std::pair<int, std::string>> ranked;
  for (const auto& [word, count] : counts) {
    if (count >= 2) ranked.emplace_back(-count, word);
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> vocabulary;
  for (const auto& [count, word] : ranked) {
    if (vocabulary.size() >= size) break;
    vocabulary.push_back(word);
  }
  for (const std::string& label : field.labels) {
    for (const std::string& token : LabelTokens(label)) {
      if (!Contains(vocabulary, token)) vocabulary.push_back(token);
    }
  }
  return vocabulary;
}

std::vector<float> BuildFeatures(const Document& doc, const FieldSpec& field,
                                 const std::vector<Candidate>& candidates,
                                 const std::vector<std::string>& vocabulary) {
  std::vector<Context> contexts;
  const std::vector<float> base = BaseFeatures(doc, field, candidates, &contexts);
  return AddVocabulary(base, contexts, vocabulary);
}

std::vector<float> AddVocabulary(const std::vector<float>& base,
                                 const std::vector<Context>& contexts,
                                 const std::vector<std::string>& vocabulary) {
  const size_t width = kBaseFeatureCount + 2 * vocabulary.size();
  std::vector<float> rows(contexts.size() * width, 0.0f);
  for (size_t i = 0; i < contexts.size(); ++i) {
    std::copy(base.begin() + static_cast<std::ptrdiff_t>(i * kBaseFeatureCount),
              base.begin() + static_cast<std::ptrdiff_t>((i + 1) * kBaseFeatureCount),
              rows.begin() + static_cast<std::ptrdiff_t>(i * width));
    float* f = &rows[i * width];
    for (size_t v = 0; v < vocabulary.size(); ++v) {
      f[kBaseFeatureCount + 2 * v] = Nearness(contexts[i].left, vocabulary[v]);
      f[kBaseFeatureCount + 2 * v + 1] = Contains(contexts[i].above, vocabulary[v]) ? 1.0f : 0.0f;
    }
  }
  return rows;
}

std::vector<float> BaseFeatures(const Document& doc, const FieldSpec& field,
                                const std::vector<Candidate>& candidates,
                                std::vector<Context>* contexts) {
  const size_t width = kBaseFeatureCount;
  std::vector<float> rows(candidates.size() * width, 0.0f);
  contexts->clear();
  if (candidates.empty()) return rows;

  std::vector<PageStats> stats;
  for (const Page& page : doc.pages) stats.push_back(Stats(page));
  std::vector<std::regex> patterns;
  for (const std::string& pattern : field.patterns) {
    try {
      patterns.emplace_back(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {  // validated when the field spec was parsed
    }
  }
  std::vector<std::string> hint_words;
  for (const std::string& label : field.labels) {
    for (std::string& token : LabelTokens(label)) hint_words.push_back(std::move(token));
  }

  // Value order and repeats over the document's candidates of this type.
  const FieldType type = field.type;
  std::map<std::string, int> repeats;
  for (const Candidate& c : candidates) ++repeats[MatchKey(type, c.norm.value)];
  std::vector<std::string> distinct;
  std::map<std::string, double> numeric;
  for (const auto& [key, count] : repeats) distinct.push_back(key);
  if (type == FieldType::kAmount) {
    for (const std::string& key : distinct) numeric[key] = std::strtod(key.c_str(), nullptr);
    std::sort(distinct.begin(), distinct.end(),
              [&](const std::string& a, const std::string& b) { return numeric[a] > numeric[b]; });
  } else {
    std::sort(distinct.begin(), distinct.end(), std::greater<>());  // ISO dates: latest first
  }
  std::map<std::string, int> value_rank;
  for (size_t i = 0; i < distinct.size(); ++i) value_rank[distinct[i]] = static_cast<int>(i);
  // Sums: an amount equal to a + b of two other amounts (net + tax = total), and the addends.
  std::set<long long> cents;
  for (const auto& [key, v] : numeric) cents.insert(std::llround(v * 100));
  std::set<long long> sums, addends;
  if (type == FieldType::kAmount && cents.size() <= 400) {
    for (auto a = cents.begin(); a != cents.end(); ++a) {
      for (auto b = a; b != cents.end(); ++b) {
        if (*a <= 0 || *b <= 0 || a == b) continue;
        if (cents.count(*a + *b) > 0) {
          sums.insert(*a + *b);
          addends.insert(*a);
          addends.insert(*b);
        }
      }
    }
  }
  const std::string& earliest = distinct.empty() ? std::string() : distinct.back();

  const double n = static_cast<double>(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    const Page& page = doc.pages[c.page];
    const Line& line = page.lines[c.line];
    const PageStats& ps = stats[c.page];
    const int line_words = static_cast<int>(line.words.size());
    const int lines = static_cast<int>(page.lines.size());
    const std::string key = MatchKey(type, c.norm.value);
    float* f = &rows[i * width];

    f[0] = static_cast<float>(c.page);
    f[1] = c.page == 0;
    f[2] = c.page + 1 == static_cast<int>(doc.pages.size());
    f[3] = static_cast<float>(doc.pages.size());
    f[4] = static_cast<float>(c.box.x0);
    f[5] = static_cast<float>(c.box.y0);
    f[6] = static_cast<float>(c.box.x1);
    f[7] = static_cast<float>(c.box.y1);
    f[8] = static_cast<float>((c.box.x0 + c.box.x1) / 2);
    f[9] = static_cast<float>((c.box.y0 + c.box.y1) / 2);
    f[10] = static_cast<float>(line.box.height() / ps.median_height);
    f[11] = static_cast<float>(c.box.width());
    f[12] = static_cast<float>(std::min(c.line, 60));
    f[13] = static_cast<float>(std::min(lines - 1 - c.line, 60));
    f[14] = lines > 1 ? static_cast<float>(c.line) / static_cast<float>(lines - 1) : 0.0f;
    f[15] = static_cast<float>(c.end_word - c.first_word);
    f[16] = static_cast<float>(line_words);
    f[17] = c.first_word == 0 && c.end_word == line_words;
    f[18] = c.first_word == 0;
    f[19] = c.end_word == line_words;
    f[20] = line_words > 0 ? static_cast<float>(c.first_word) / static_cast<float>(line_words) : 0;
    int digits = 0, alpha = 0, upper = 0, commas = 0;
    for (char ch : c.text) {
      const auto u = static_cast<unsigned char>(ch);
      digits += IsDigit(ch);
      alpha += absl::ascii_isalpha(u) ? 1 : 0;
      upper += absl::ascii_isupper(u) ? 1 : 0;
      commas += ch == ',';
    }
    const float chars = static_cast<float>(std::max<size_t>(c.text.size(), 1));
    f[21] = static_cast<float>(c.text.size());
    f[22] = static_cast<float>(digits) / chars;
    f[23] = static_cast<float>(alpha) / chars;
    f[24] = alpha > 0 ? static_cast<float>(upper) / static_cast<float>(alpha) : 0.0f;
    f[25] = static_cast<float>(c.norm.format);
    f[26] = static_cast<float>(c.norm.decimals);
    f[27] = c.norm.has_currency;
    f[28] = !c.norm.value.empty() && c.norm.value[0] == '-';
    const std::string line_text = line.Text();
    f[29] = line_text.find(':') != std::string::npos;
    f[30] = c.first_word > 0 && !line.words[c.first_word - 1].text.empty() &&
            line.words[c.first_word - 1].text.back() == ':';
    f[31] = static_cast<float>(ps.amounts[c.line]);
    int right = 0;
    for (int w = c.end_word; w < line_words; ++w) right += AmountLike(line.words[w].text) ? 1 : 0;
    f[32] = static_cast<float>(right);
    f[33] = c.first_word > 0 ? static_cast<float>((line.words[c.first_word].box.x0 -
                                                   line.words[c.first_word - 1].box.x1) /
                                                  std::max(line.box.height(), 1e-4))
                             : -1.0f;
    f[34] = static_cast<float>(repeats[key]);
    const int rank = value_rank[key];
    f[35] = distinct.size() > 1 ? static_cast<float>(rank) / static_cast<float>(distinct.size() - 1)
                                : 0.0f;
    f[36] = static_cast<float>(std::min(rank, 20));
    f[37] = rank == 0;
    f[38] = static_cast<float>(i) / static_cast<float>(n);
    f[39] = static_cast<float>(std::log1p(n));
    f[40] = static_cast<float>(std::log1p(static_cast<double>(distinct.size())));
    if (type == FieldType::kAmount) {
      const double v = numeric[key];
      f[41] = static_cast<float>(std::log10(1 + std::fabs(v)));
      const long long ct = std::llround(v * 100);
      f[42] = sums.count(ct) > 0;
      f[43] = addends.count(ct) > 0;
    } else if (type == FieldType::kDate && !earliest.empty()) {
      f[41] = key == earliest ? 0.0f : 1.0f + static_cast<float>(distinct.size() - 1 - rank);
    }
    float conf = 1.0f;
    for (int w = c.first_word; w < c.end_word && w < line_words; ++w) {
      if (line.words[w].confidence)
        conf = std::min(conf, static_cast<float>(*line.words[w].confidence));
    }
    f[44] = conf;
    f[45] = static_cast<float>(c.line_count);
    for (const std::regex& pattern : patterns) {
      // An OCR'd id's repaired value (ocr_id.h) counts as matching too.
      if (std::regex_search(c.text, pattern) ||
          (type == FieldType::kId && std::regex_search(c.norm.value, pattern))) {
        f[46] = 1;
      }
    }
    contexts->push_back(CandidateContext(doc, c));
    const Context& context = contexts->back();
    for (const std::string& word : hint_words) {
      f[47] = std::max(f[47], Nearness(context.left, word));
      f[48] = std::max(f[48], Contains(context.above, word) ? 1.0f : 0.0f);
    }
    int org = 0, street = 0, postcode = 0;
    std::string token;
    auto take = [&](const std::string& t) {
      std::string lower = absl::AsciiStrToLower(t);
      org += OrgSuffixes().count(lower) > 0;
      street += StreetWords().count(lower) > 0;
      postcode += t.size() >= 4 && t.size() <= 6 && std::all_of(t.begin(), t.end(), IsDigit);
    };
    for (char ch : c.text) {
      if (absl::ascii_isalnum(static_cast<unsigned char>(ch))) {
        token += ch;
      } else if (!token.empty()) {
        take(token);
        token.clear();
      }
    }
    if (!token.empty()) take(token);
    f[49] = static_cast<float>(org);
    f[50] = static_cast<float>(street);
    f[51] = static_cast<float>(postcode);
    f[52] = static_cast<float>(commas);
    bool caps = true;
    for (char ch : line_text) caps = caps && !absl::ascii_islower(static_cast<unsigned char>(ch));
    f[53] = caps;
    f[54] = static_cast<float>(ps.height_rank[c.line]);
    f[55] = !context.left.empty();
  }
  BlockFeatures(doc, type, candidates, width, kGeneralFeatureCount, rows.data());
  SpanFeatures(doc, type, candidates, width, kGeneralFeatureCount + kBlockFeatureCount,
               rows.data());
  AgreementFeatures(doc, type, candidates, width,
                    kGeneralFeatureCount + kBlockFeatureCount + kSpanFeatureCount, rows.data());
  return rows;
}

}  // namespace flowline::ai
