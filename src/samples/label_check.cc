#include "samples/label_check.h"

#include <cctype>
#include <cstdlib>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace flowline::samples {
namespace {

// "1469.06" -> 146906; "2.5" -> 250 (two decimals).
int64_t Hundredths(const std::string& decimal) {
  bool negative = !decimal.empty() && decimal[0] == '-';
  std::string s = negative ? decimal.substr(1) : decimal;
  size_t dot = s.find('.');
  std::string whole = s.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  frac = (frac + "00").substr(0, 2);
  int64_t v = std::atoll(whole.c_str()) * 100 + std::atoll(frac.c_str());
  return negative ? -v : v;
}

int64_t Field(const nlohmann::ordered_json& fields, const char* name) {
  return Hundredths(fields[name].get<std::string>());
}

bool IsDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int MonthNumber(std::string word) {
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::map<std::string, int> kMonths = {
      {"january", 1},   {"jan", 1},      {"januar", 1},    {"janvier", 1},   {"januari", 1},
      {"february", 2},  {"feb", 2},      {"februar", 2},   {"février", 2},   {"februari", 2},
      {"march", 3},     {"mar", 3},      {"märz", 3},      {"mars", 3},      {"maart", 3},
      {"april", 4},     {"apr", 4},      {"avril", 4},     {"may", 5},       {"mai", 5},
      {"mei", 5},       {"june", 6},     {"jun", 6},       {"juni", 6},      {"juin", 6},
      {"july", 7},      {"jul", 7},      {"juli", 7},      {"juillet", 7},   {"august", 8},
      {"aug", 8},       {"août", 8},     {"augustus", 8},  {"september", 9}, {"sep", 9},
      {"septembre", 9}, {"october", 10}, {"oct", 10},      {"oktober", 10},  {"octobre", 10},
      {"november", 11}, {"nov", 11},     {"novembre", 11}, {"december", 12}, {"dec", 12},
      {"dezember", 12}, {"décembre", 12}};
  auto it = kMonths.find(word);
  return it == kMonths.end() ? 0 : it->second;
}

bool IsDateField(const std::string& f) {
  return f == "invoice_date" || f == "due_date" || f == "document_date";
}
bool IsAmountField(const std::string& f) {
  return f == "net_amount" || f == "tax_amount" || f == "total_amount";
}

}  // namespace

std::string ParsePrintedAmount(const std::string& text) {
  std::string kept;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == ',' || c == '-') {
      kept.push_back(c);
    }
  }
  size_t last = kept.find_last_of(".,");
  if (last == std::string::npos || kept.size() - last != 3) return "";
  std::string whole;
  for (char c : kept.substr(0, last)) {
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') whole.push_back(c);
  }
  if (whole.empty() || whole == "-") return "";
  return absl::StrCat(whole, ".", kept.substr(last + 1));
}

std::string ParsePrintedQuantity(const std::string& text) {
  std::string s = text;
  for (char& c : s) {
    if (c == ',') c = '.';
  }
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

std::string ParsePrintedDate(const std::string& text, const std::string& date_order) {
  std::vector<std::string> numbers;
  int month = 0;
  for (const std::string& token : std::vector<std::string>(
           absl::StrSplit(text, absl::ByAnyChar(" ./-,"), absl::SkipEmpty()))) {
    if (IsDigits(token)) {
      numbers.push_back(token);
    } else if (int m = MonthNumber(token); m > 0) {
      month = m;
    } else {
      return "";
    }
  }
  int y = 0, m = 0, d = 0;
  if (month > 0 && numbers.size() == 2) {
    m = month;
    d = std::atoi(numbers[0].c_str());
    y = std::atoi(numbers[1].c_str());
  } else if (month == 0 && numbers.size() == 3) {
    if (numbers[0].size() == 4) {
      y = std::atoi(numbers[0].c_str()), m = std::atoi(numbers[1].c_str()),
      d = std::atoi(numbers[2].c_str());
    } else if (date_order == "mdy") {
      m = std::atoi(numbers[0].c_str()), d = std::atoi(numbers[1].c_str()),
      y = std::atoi(numbers[2].c_str());
    } else {
      d = std::atoi(numbers[0].c_str()), m = std::atoi(numbers[1].c_str()),
      y = std::atoi(numbers[2].c_str());
    }
  } else {
    return "";
  }
  return absl::StrFormat("%04d-%02d-%02d", y, m, d);
}

ArithmeticCheck CheckArithmetic(const nlohmann::ordered_json& fields) {
  ArithmeticCheck check;
  if (fields.contains("line_items") && fields.contains("net_amount")) {
    int64_t sum = 0;
    for (const auto& item : fields["line_items"]) {
      int64_t amount = Field(item, "amount");
      sum += amount;
      int64_t q = Field(item, "quantity");
      int64_t p = Field(item, "unit_price");
      // round(q * p / 100), half up, for non-negative values
      if ((q * p + 50) / 100 != amount) check.each_line_is_quantity_times_price = false;
    }
    check.lines_match_net = sum == Field(fields, "net_amount");
  }
  if (fields.contains("net_amount") && fields.contains("tax_amount") &&
      fields.contains("total_amount")) {
    check.net_plus_tax_is_total =
        Field(fields, "net_amount") + Field(fields, "tax_amount") == Field(fields, "total_amount");
  }
  if (fields.contains("due_date") && fields.contains("invoice_date")) {
    check.due_not_before_issue =
        fields["due_date"].get<std::string>() >= fields["invoice_date"].get<std::string>();
  }
  return check;
}

std::vector<std::string> CheckPrintedValues(const nlohmann::ordered_json& label, const Page& page) {
  std::vector<std::string> problems;
  std::map<std::string, std::vector<std::string>> printed;  // field -> texts tagged with it
  for (const TextItem& item : page.texts) {
    for (const std::string& f : item.fields) printed[f].push_back(item.text);
  }
  const nlohmann::ordered_json& fields = label["fields"];
  std::string order = label.value("date_order", "");
  auto expect = [&](const std::string& field, const std::string& labelled) {
    auto it = printed.find(field);
    if (it == printed.end()) {
      problems.push_back(absl::StrCat(field, " is labelled but no text prints it"));
      return;
    }
    const std::string& text = it->second.front();
    std::string base = field.substr(field.rfind('.') + 1);
    std::string seen;
    if (field == "vendor_address") {
      seen = absl::StrJoin(it->second, " ");
    } else if (IsDateField(field)) {
      seen = ParsePrintedDate(text, order);
    } else if (IsAmountField(field) || base == "unit_price" || base == "amount") {
      seen = ParsePrintedAmount(text);
    } else if (base == "quantity") {
      seen = ParsePrintedQuantity(text);
    } else if (field == "currency") {
      static const std::map<std::string, std::string> kSymbols = {
          {"EUR", "€"}, {"USD", "$"}, {"GBP", "£"}, {"INR", "₹"}};
      bool found = text.find(labelled) != std::string::npos;
      auto symbol = kSymbols.find(labelled);
      if (symbol != kSymbols.end()) found |= text.find(symbol->second) != std::string::npos;
      seen = found ? labelled : text;
    } else {
      seen = text;
    }
    if (seen != labelled) {
      problems.push_back(absl::StrCat(field, ": labelled \"", labelled, "\" but printed \"", text,
                                      "\" (read as \"", seen, "\")"));
    }
  };
  std::set<std::string> labelled;
  for (const auto& [name, value] : fields.items()) {
    if (name == "line_items") {
      for (size_t i = 0; i < value.size(); ++i) {
        for (const auto& [column, cell] : value[i].items()) {
          std::string key = absl::StrCat("line_items.", i, ".", column);
          labelled.insert(key);
          expect(key, cell.get<std::string>());
        }
      }
      continue;
    }
    labelled.insert(name);
    expect(name, value.get<std::string>());
  }
  for (const auto& [field, texts] : printed) {
    if (labelled.count(field) == 0) {
      problems.push_back(
          absl::StrCat(field, " is printed (\"", texts.front(), "\") but not labelled"));
    }
  }
  return problems;
}

}  // namespace flowline::samples
