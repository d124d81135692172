// Synthetic read invoices for the extract tests: Documents built directly (no PDF, no OCR) in
// four layouts with their labels, with distractors of every field's type (order and customer
// numbers, delivery and due dates, line amounts, subtotal and tax, phone numbers). Test-only.
//
// Deterministic: the same seed gives the same documents.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "ai/document/document.h"
#include "ai/extract/field_spec.h"
#include "ai/extract/trainer.h"

namespace flowline::ai::testing {

inline std::vector<FieldSpec> InvoiceFields() {
  return {{"invoice_number", FieldType::kId, {}, {}},
          {"invoice_date", FieldType::kDate, {}, {}},
          {"due_date", FieldType::kDate, {}, {}},
          {"total_amount", FieldType::kAmount, {}, {}},
          {"currency", FieldType::kCurrency, {}, {}},
          {"vendor_name", FieldType::kOrganisation, {}, {}}};
}

class InvoiceBuilder {
 public:
  explicit InvoiceBuilder(unsigned seed) : rng_(seed) {}

  // `n` labelled invoices; file names "<prefix>-<i>.pdf".
  std::vector<LabelledDocument> Make(int n, const std::string& prefix = "inv") {
    std::vector<LabelledDocument> out;
    for (int i = 0; i < n; ++i) out.push_back(One(absl::StrFormat("%s-%03d.pdf", prefix, i)));
    return out;
  }

 private:
  struct Money {
    long long cents;
    std::string Print(int style) const {  // 0: 1,234.56  1: 1.234,56  2: 1234.56
      std::string digits = std::to_string(cents / 100);
      const std::string group = style == 0 ? "," : style == 1 ? "." : "";
      for (int i = static_cast<int>(digits.size()) - 3; i > 0 && !group.empty(); i -= 3) {
        digits.insert(static_cast<size_t>(i), group);
      }
      return absl::StrFormat("%s%s%02d", digits, style == 1 ? "," : ".", cents % 100);
    }
    std::string Normal() const { return absl::StrFormat("%d.%02d", cents / 100, cents % 100); }
  };

  int Pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  // Adds a line of words at (x, y) in page fractions; `size` is the font height (fraction).
  void AddLine(Page& page, double x, double y, const std::vector<std::string>& words,
               double size = 0.012, double gap = 0.0) {
    Line line;
    double cursor = x;
    for (size_t i = 0; i < words.size(); ++i) {
      const double w = static_cast<double>(words[i].size()) * size * 0.45;
      line.words.push_back(Word{words[i], Box{cursor, y, cursor + w, y + size}, std::nullopt});
      cursor += w + size * 0.3 + (i == 0 ? gap : 0.0);
    }
    line.box = line.words.front().box;
    for (const Word& word : line.words) line.box = line.box.Union(word.box);
    page.lines.push_back(line);
  }

  std::string Date(int y, int m, int d, int style) {
    static const char* kMonths[] = {"January",   "February", "March",    "April",
                                    "May",       "June",     "July",     "August",
                                    "September", "October",  "November", "December"};
    switch (style) {
      case 0:
        return absl::StrFormat("%02d.%02d.%04d", d, m, y);
      case 1:
        return absl::StrFormat("%04d-%02d-%02d", y, m, d);
      case 2:
        return absl::StrFormat("%d %s %d", d, kMonths[m - 1], y);
      default:
        return absl::StrFormat("%02d/%02d/%04d", m, d, y);
    }
  }

  LabelledDocument One(const std::string& file) {
    static const char* kVendors[] = {"Acme Supplies Ltd", "Nordwind GmbH",   "Blue River Inc",
                                     "Kite & Co",         "Delta Office BV", "Sunrise Trading LLC",
                                     "Maple Works Ltd",   "Orion Parts GmbH"};
    static const char* kCustomers[] = {"Globex Corporation", "Initech", "Umbrella Foods",
                                       "Stark Retail", "Wayne Logistics"};
    static const char* kCurrencies[] = {"EUR", "USD", "GBP", "CHF"};
    const int layout = Pick(0, 3);
    const std::string vendor = kVendors[Pick(0, 7)];
    const std::string customer = kCustomers[Pick(0, 4)];
    const std::string currency = kCurrencies[Pick(0, 3)];
    const std::string number = absl::StrFormat("INV-%d-%04d", Pick(2024, 2026), Pick(1, 9999));
    const std::string order = absl::StrFormat("PO%06d", Pick(1, 999999));
    const int y = Pick(2024, 2026), m = Pick(1, 12), d = Pick(1, 28);
    const int due_d = std::min(28, d + Pick(0, 10)), due_m = m % 12 + 1;
    const int date_style = layout == 3 ? 3 : Pick(0, 2);
    const bool has_due = layout != 1 || Pick(0, 1) == 0;  // some invoices have no due date
    const int money_style = layout == 1 ? 1 : Pick(0, 2) == 1 ? 2 : 0;
    std::vector<Money> items;
    long long net = 0;
    for (int i = Pick(2, 6); i > 0; --i) {
      items.push_back(Money{Pick(100, 250000)});
      net += items.back().cents;
    }
    const Money tax{net * 19 / 100}, total{net + net * 19 / 100};

    Page page;
    page.number = 1;
    page.width = 595;
    page.height = 842;
    const double vx = layout == 2 ? 0.55 : 0.08;
    AddLine(page, vx, 0.05, Split(vendor), 0.022);
    AddLine(page, vx, 0.08, {"Phone", "+49", std::to_string(Pick(100000, 999999))});
    AddLine(page, 0.08, 0.15, {"Bill", "to:", customer});
    const std::string date = Date(y, m, d, date_style);
    const std::string due = Date(y, due_m, due_d, date_style);
    const std::string delivery = Date(y, m, std::max(1, d - Pick(1, 5)), date_style);
    if (layout == 0 || layout == 3) {
      AddLine(page, 0.6, 0.15, {"Invoice", "No:", number});
      AddLine(page, 0.6, 0.17, Join({"Date:"}, Split(date)));
      AddLine(page, 0.6, 0.19, Join({"Order:"}, {order}));
      AddLine(page, 0.6, 0.21, Join({"Due", "date:"}, Split(due)));
    } else if (layout == 1) {  // labels above values
      AddLine(page, 0.08, 0.22, {"Rechnung", "Nr.", "Datum", "Lieferdatum", "Auftrag"}, 0.012);
      AddLine(page, 0.08, 0.24, {number});
      AddLine(page, 0.3, 0.24, Split(date));
      AddLine(page, 0.5, 0.24, Split(delivery));
      AddLine(page, 0.7, 0.24, {order});
      if (has_due) AddLine(page, 0.08, 0.26, Join({"Zahlbar", "bis"}, Split(due)));
    } else {  // label far left, value far right
      AddLine(page, 0.08, 0.2, Join({"Invoice", "number", number}, {}), 0.012, 0.25);
      AddLine(page, 0.08, 0.22, Join({"Issued"}, Split(date)), 0.012, 0.3);
      AddLine(page, 0.08, 0.24, Join({"Delivered"}, Split(delivery)), 0.012, 0.25);
      AddLine(page, 0.08, 0.26, {"Customer", "ref", absl::StrFormat("C-%05d", Pick(1, 99999))},
              0.012, 0.22);
      AddLine(page, 0.08, 0.28, Join({"Payment", "due"}, Split(due)), 0.012, 0.25);
    }
    AddLine(page, 0.08, 0.34, {"Description", "Qty", "Price", "Amount"});
    double row = 0.36;
    for (const Money& item : items) {
      AddLine(
          page, 0.08, row,
          {"Item", std::to_string(Pick(1, 9)), item.Print(money_style), item.Print(money_style)},
          0.012, 0.3);
      row += 0.02;
    }
    row += 0.02;
    AddLine(page, 0.55, row, {"Subtotal", net == 0 ? "0" : Money{net}.Print(money_style)});
    AddLine(page, 0.55, row + 0.02, {"VAT", "19%", tax.Print(money_style)});
    if (layout == 2) {
      AddLine(page, 0.55, row + 0.04, {"Amount", "due", currency, total.Print(money_style)});
    } else {
      AddLine(page, 0.55, row + 0.04, {"Total", total.Print(money_style), currency}, 0.014);
    }
    AddLine(page, 0.08, 0.9, {"Thank", "you", "for", "your", "business"});

    LabelledDocument doc;
    doc.file = file;
    doc.document.sha256 = file;
    doc.document.media_type = "application/pdf";
    doc.document.pages.push_back(page);
    doc.date_order = layout == 3 ? DateOrder::kMdy : DateOrder::kDmy;
    doc.labels = {{"invoice_number", number},
                  {"invoice_date", absl::StrFormat("%04d-%02d-%02d", y, m, d)},
                  {"total_amount", total.Normal()},
                  {"currency", currency},
                  {"vendor_name", vendor}};
    if (has_due) doc.labels["due_date"] = absl::StrFormat("%04d-%02d-%02d", y, due_m, due_d);
    return doc;
  }

  static std::vector<std::string> Split(const std::string& text) {
    std::vector<std::string> out;
    std::string current;
    for (char c : text) {
      if (c == ' ') {
        if (!current.empty()) out.push_back(current);
        current.clear();
      } else {
        current += c;
      }
    }
    if (!current.empty()) out.push_back(current);
    return out;
  }

  static std::vector<std::string> Join(std::vector<std::string> a,
                                       const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  std::mt19937 rng_;
};

}  // namespace flowline::ai::testing
