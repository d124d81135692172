#include "ai/extract/block_features.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <unordered_set>

#include "absl/strings/ascii.h"
#include "ai/extract/features.h"

namespace flowline::ai {
namespace {

const char* const kNames[kBlockFeatureCount] = {
    "block_first_org",
    "block_ends_org",
    "block_open_paren",
    "block_prev_org",
    "block_next_org",
    "block_next_address",
    "block_next_regno",
    "block_first_street",
    "block_last_postcode",
    "block_last_region",
    "block_regions",
    "block_contact",
    "block_next_contact",
    "block_next_postcode",
    "block_next_region",
    "block_prev_street",
    "block_org_offset",
    "block_postcode_offset",
    "block_text_line",
    "row_total",
    "row_rounded",
    "row_subtotal",
    "row_tendered",
    "row_change",
    "row_tax",
    "row_discount",
    "cash_minus_change",
    "row_time",
    "row_including",
    "row_excluding",
};

using WordSet = std::unordered_set<std::string>;

// Words that end or mark a business name, in the languages of the sets we measure on.
const WordSet& OrgWords() {
  static const auto* words = new WordSet{
      "sdn",        "bhd",         "berhad",      "ltd",         "limited",     "inc",
      "llc",        "plc",         "gmbh",        "corp",        "corporation", "company",
      "co",         "pte",         "enterprise",  "enterprises", "trading",     "traders",
      "restaurant", "restoran",    "cafe",        "kedai",       "perniagaan",  "mart",
      "minimarket", "market",      "supermarket", "store",       "stores",      "shop",
      "hardware",   "stationery",  "bakery",      "pharmacy",    "hotel",       "industries",
      "holdings",   "resources",   "services",    "station",     "books",       "bookstore",
      "motor",      "engineering", "marketing",   "food",        "foods",       "kitchen",
      "group",      "centre",      "center"};
  return *words;
}

const WordSet& StreetWords() {
  static const auto* words = new WordSet{
      "jalan",   "jln",    "lorong",    "persiaran",     "lebuh",   "lebuhraya", "taman",
      "tmn",     "bandar", "kawasan",   "perindustrian", "lot",     "no",        "blok",
      "block",   "level",  "floor",     "flr",           "road",    "rd",        "street",
      "st",      "avenue", "ave",       "lane",          "seksyen", "section",   "batu",
      "kampung", "kg",     "plaza",     "mall",          "wisma",   "bangunan",  "tower",
      "suite",   "unit",   "boulevard", "blvd",          "drive",   "strasse",   "str",
      "rue",     "weg",    "way",       "square",        "park",    "city"};
  return *words;
}

// States and federal territories (Malaysia) and country names: where an address ends.
const WordSet& RegionWords() {
  static const auto* words =
      new WordSet{"johor",     "selangor", "kedah",       "kelantan",   "melaka", "malacca",
                  "negeri",    "sembilan", "pahang",      "perak",      "perlis", "penang",
                  "pinang",    "sabah",    "sarawak",     "terengganu", "labuan", "putrajaya",
                  "kuala",     "lumpur",   "darul",       "ehsan",      "takzim", "malaysia",
                  "singapore", "germany",  "deutschland", "france",     "usa",    "uk"};
  return *words;
}

const WordSet& ContactWords() {
  static const auto* words = new WordSet{
      "tel",     "tele",     "telephone", "phone",   "fax",     "email",   "mail", "gst",
      "sst",     "vat",      "tax",       "invoice", "receipt", "cashier", "date", "time",
      "www",     "http",     "com",       "hp",      "reg",     "id",      "bill", "table",
      "counter", "terminal", "order",     "member",  "doc",     "document"};
  return *words;
}

struct LineInfo {
  std::vector<std::string> words;  // lower-case letter runs
  int org = 0, street = 0, region = 0, contact = 0;
  bool postcode = false;
  bool regno = false;  // "867388-U", "(1202194-W)", "JM0325955-V"
  bool phone = false;  // "07-352 8080", "03-8079 0255"
  bool time = false;   // "12:30", "8:13:39"
  bool leading_number = false;
  bool digits_only = false;  // no letters, some digits
  int letters = 0;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Tokens of `text` split at anything but letters, digits and '-', ':'.
std::vector<std::string> RawTokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  for (char c : text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':') {
      current += c;
    } else if (!current.empty()) {
      tokens.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

LineInfo Describe(const Line& line) {
  LineInfo info;
  const std::string text = line.Text();
  std::string word;
  bool any_digit = false;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    any_digit = any_digit || IsDigit(c);
    if (absl::ascii_isalpha(u)) {
      word += absl::ascii_tolower(u);
      ++info.letters;
    } else if (!word.empty()) {
      info.words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) info.words.push_back(std::move(word));
  for (const std::string& w : info.words) {
    info.org += OrgWords().count(w) > 0;
    info.street += StreetWords().count(w) > 0;
    info.region += RegionWords().count(w) > 0;
    info.contact += ContactWords().count(w) > 0;
  }
  info.digits_only = info.letters == 0 && any_digit;
  const std::vector<std::string> tokens = RawTokens(text);
  for (size_t t = 0; t < tokens.size(); ++t) {
    const std::string& tok = tokens[t];
    int digits = 0, letters = 0;
    for (char c : tok) {
      digits += IsDigit(c);
      letters += absl::ascii_isalpha(static_cast<unsigned char>(c)) ? 1 : 0;
    }
    if (digits == 5 && letters == 0 && tok.size() == 5) info.postcode = true;
    // A registration number: 5+ digits and a single trailing letter after '-'.
    if (digits >= 5 && tok.size() >= 3 && tok[tok.size() - 2] == '-' &&
        absl::ascii_isalpha(static_cast<unsigned char>(tok.back()))) {
      info.regno = true;
    }
    // A phone number: 2-4 digits, '-', 3+ digits ("07-352", "03-80790255").
    const size_t dash = tok.find('-');
    if (letters == 0 && dash != std::string::npos && dash >= 2 && dash <= 4 &&
        tok.size() - dash - 1 >= 3 && digits + 1 == static_cast<int>(tok.size())) {
      info.phone = true;
    }
    // A time: d:dd or dd:dd(:dd).
    const size_t colon = tok.find(':');
    if (letters == 0 && colon != std::string::npos && colon >= 1 && colon <= 2 &&
        tok.size() >= colon + 3 && IsDigit(tok[colon + 1]) && IsDigit(tok[colon + 2])) {
      info.time = true;
    }
    if (t == 0 && digits > 0) info.leading_number = true;
  }
  if (!info.words.empty() && (info.words[0] == "no" || info.words[0] == "lot") && !tokens.empty() &&
      !info.leading_number) {
    info.leading_number =
        std::any_of(text.begin(), text.begin() + std::min<size_t>(8, text.size()), IsDigit);
  }
  return info;
}

bool Has(const std::vector<std::string>& words, std::initializer_list<const char*> any) {
  for (const std::string& w : words) {
    for (const char* a : any) {
      if (w == a) return true;
    }
  }
  return false;
}

// The words of every line on `line`'s visual row (its own included).
std::vector<std::string> RowWords(const Page& page, const std::vector<LineInfo>& infos, int line) {
  const Box& box = page.lines[line].box;
  const double centre = (box.y0 + box.y1) / 2, half = std::max(box.height() / 2, 1e-4);
  std::vector<std::string> words;
  for (int l = std::max(0, line - 6); l < std::min<int>(page.lines.size(), line + 7); ++l) {
    const Box& other = page.lines[l].box;
    if (std::fabs((other.y0 + other.y1) / 2 - centre) > half) continue;
    words.insert(words.end(), infos[l].words.begin(), infos[l].words.end());
  }
  return words;
}

bool RowTime(const Page& page, const std::vector<LineInfo>& infos, int line) {
  const Box& box = page.lines[line].box;
  const double centre = (box.y0 + box.y1) / 2, half = std::max(box.height() / 2, 1e-4);
  for (int l = std::max(0, line - 6); l < std::min<int>(page.lines.size(), line + 7); ++l) {
    const Box& other = page.lines[l].box;
    if (std::fabs((other.y0 + other.y1) / 2 - centre) <= half && infos[l].time) return true;
  }
  return false;
}

const std::initializer_list<const char*> kTotalWords = {"total",   "amount", "amt",   "due",
                                                        "payable", "nett",   "grand", "jumlah"};
const std::initializer_list<const char*> kTenderedWords = {"cash",   "tendered", "paid", "payment",
                                                           "tender", "card",     "visa", "master"};

}  // namespace

std::vector<std::string> BlockFeatureNames() {
  return std::vector<std::string>(kNames, kNames + kBlockFeatureCount);
}

void BlockFeatures(const Document& doc, FieldType type, const std::vector<Candidate>& candidates,
                   size_t stride, size_t offset, float* rows) {
  if (candidates.empty()) return;
  std::vector<std::vector<LineInfo>> infos(doc.pages.size());
  std::vector<int> first_org(doc.pages.size(), -1), first_postcode(doc.pages.size(), -1);
  std::vector<std::vector<int>> text_rank(doc.pages.size());
  for (size_t p = 0; p < doc.pages.size(); ++p) {
    int rank = 0;
    for (size_t l = 0; l < doc.pages[p].lines.size(); ++l) {
      infos[p].push_back(Describe(doc.pages[p].lines[l]));
      const LineInfo& info = infos[p].back();
      if (info.org > 0 && first_org[p] < 0) first_org[p] = static_cast<int>(l);
      if (info.postcode && first_postcode[p] < 0) first_postcode[p] = static_cast<int>(l);
      text_rank[p].push_back(rank);
      rank += info.letters >= 3 ? 1 : 0;
    }
  }
  // Amounts on tendered and change rows: an amount equal to a difference of the two is what was
  // paid (the total).
  std::set<long long> paid;
  if (type == FieldType::kAmount) {
    std::set<long long> tendered, change;
    for (const Candidate& c : candidates) {
      const std::vector<std::string> row = RowWords(doc.pages[c.page], infos[c.page], c.line);
      const long long cents = std::llround(std::strtod(c.norm.value.c_str(), nullptr) * 100);
      if (cents <= 0) continue;
      if (Has(row, kTenderedWords) && !Has(row, {"change"})) tendered.insert(cents);
      if (Has(row, {"change"})) change.insert(cents);
    }
    for (long long t : tendered) {
      for (long long ch : change) {
        if (t > ch) paid.insert(t - ch);
      }
    }
  }

  for (size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    const Page& page = doc.pages[c.page];
    const std::vector<LineInfo>& lines = infos[c.page];
    const int n = static_cast<int>(lines.size());
    const int first = c.line;
    const int last = std::min(n - 1, c.line + std::max(1, c.line_count) - 1);
    const LineInfo none;
    const LineInfo& prev = first > 0 ? lines[first - 1] : none;
    const LineInfo& next = last + 1 < n ? lines[last + 1] : none;
    float* f = rows + i * stride + offset;

    if (type == FieldType::kText || type == FieldType::kOrganisation ||
        type == FieldType::kAddress) {
      const LineInfo& head = lines[first];
      const LineInfo& tail = lines[last];
      int regions = 0, contact = 0, paren = 0;
      for (int l = first; l <= last; ++l) {
        regions += lines[l].region;
        contact += lines[l].contact + lines[l].phone + lines[l].regno;
      }
      for (char ch : c.text) paren += ch == '(' ? 1 : ch == ')' ? -1 : 0;
      std::vector<std::string> own = LabelTokens(c.text);
      f[0] = static_cast<float>(head.org);
      f[1] = !own.empty() && OrgWords().count(own.back()) > 0;
      f[2] = static_cast<float>(paren);
      f[3] = static_cast<float>(prev.org);
      f[4] = static_cast<float>(next.org);
      f[5] = next.street > 0 || next.postcode;
      f[6] = next.regno || next.digits_only;
      f[7] = head.leading_number || head.street > 0;
      f[8] = tail.postcode;
      f[9] = tail.region > 0;
      f[10] = static_cast<float>(regions);
      f[11] = static_cast<float>(contact);
      f[12] = next.contact > 0 || next.phone || next.regno;
      f[13] = next.postcode;
      f[14] = next.region > 0;
      f[15] = prev.street > 0 || prev.postcode;
      f[16] = first_org[c.page] >= 0
                  ? static_cast<float>(std::clamp(first - first_org[c.page], -10, 10))
                  : -20.0f;
      f[17] = first_postcode[c.page] >= 0
                  ? static_cast<float>(std::clamp(first_postcode[c.page] - last, -10, 10))
                  : -20.0f;
      f[18] = static_cast<float>(std::min(text_rank[c.page][first], 30));
    } else {
      f[16] = -20.0f;
      f[17] = -20.0f;
      f[18] = static_cast<float>(std::min(text_rank[c.page][first], 30));
    }
    if (type == FieldType::kAmount || type == FieldType::kDate) {
      const std::vector<std::string> row = RowWords(page, lines, c.line);
      f[19] = Has(row, kTotalWords);
      f[20] = Has(row, {"round", "rounded", "rounding"});
      f[21] = Has(row, {"subtotal", "sub"});
      f[22] = Has(row, kTenderedWords);
      f[23] = Has(row, {"change"});
      f[24] = Has(row, {"gst", "tax", "sst", "vat", "service"});
      f[25] = Has(row, {"discount", "disc", "less", "saving", "savings"});
      if (type == FieldType::kAmount) {
        const long long cents = std::llround(std::strtod(c.norm.value.c_str(), nullptr) * 100);
        f[26] = paid.count(cents) > 0;
      }
      f[27] = RowTime(page, lines, c.line);
      f[28] = Has(row, {"incl", "inclusive", "including", "inc"});
      f[29] = Has(row, {"excl", "exclusive", "excluding", "exc", "before"});
    }
  }
}

}  // namespace flowline::ai
