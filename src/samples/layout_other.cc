// Layout of receipts (a narrow till slip: its page is 80 mm wide) and letters (prose on A4).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "samples/layout.h"
#include "samples/vocabulary.h"

namespace flowline::samples::layout_internal {
namespace {

// Breaks `text` into lines no wider than `width` points at `size`.
std::vector<std::string> Wrap(const std::string& text, double width, double size) {
  std::vector<std::string> lines;
  std::string current;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    std::string candidate = current.empty() ? std::string(word) : absl::StrCat(current, " ", word);
    if (!current.empty() && ApproxWidth(candidate, size) > width) {
      lines.push_back(current);
      current = std::string(word);
    } else {
      current = candidate;
    }
  }
  if (!current.empty()) lines.push_back(current);
  return lines;
}

std::string ReceiptTotalLabel(Language language) {
  switch (language) {
    case Language::kGerman:
      return "SUMME";
    case Language::kFrench:
      return "TOTAL TTC";
    case Language::kDutch:
      return "TOTAAL";
    case Language::kEnglish:
      break;
  }
  return "TOTAL";
}

}  // namespace

void LayOutReceipt(const SampleDocument& doc, const Style& style, Rng& rng, Page& page) {
  const Vocabulary& v = VocabularyFor(doc.language);
  page.width = 226.77;  // 80 mm till roll
  double centre = page.width / 2;
  double left = 14;
  double right = page.width - 14;
  double y = 30;
  Text(page, centre, y, doc.vendor.name, 11, true, Align::kCenter, {"vendor_name"});
  y += 14;
  for (const std::string& line : doc.vendor.address_lines) {
    Text(page, centre, y, line, 8, false, Align::kCenter, {"vendor_address"});
    y += 10;
  }
  Text(page, centre, y, absl::StrCat(rng.Pick(v.phone), " ", doc.vendor.phone), 7.5, false,
       Align::kCenter);
  y += 18;
  Text(page, left, y, v.receipt_title, 9, true);
  y += 12;
  Text(page, left, y, absl::StrCat(v.receipt_number, " ", doc.number), 8);
  y += 11;
  Text(page, left, y, FormatDate(doc.date, style.date, doc.language), 8, false, Align::kLeft,
       {"document_date"});
  Text(page, right, y, absl::StrFormat("%02d:%02d", rng.Int(7, 21), rng.Int(0, 59)), 8, false,
       Align::kRight);
  y += 8;
  page.rules.push_back({left, y, right, y, 0.5});
  y += 13;
  for (const Line& line : doc.lines) {
    if (line.quantity_hundredths != 100) {
      Text(page, left + 6, y,
           absl::StrCat(FormatQuantity(line.quantity_hundredths, style.number), " x ",
                        FormatAmount(line.unit_price_cents, style.number)),
           7.5);
      y += 10;
    }
    Text(page, left, y, line.description, 8.5);
    Text(page, right, y, FormatAmount(line.amount_cents, style.number), 8.5, false, Align::kRight);
    y += 12;
  }
  page.rules.push_back({left, y - 6, right, y - 6, 0.5});
  y += 8;
  std::vector<std::string> total_fields = {"total_amount"};
  if (style.currency != CurrencyStyle::kNone) total_fields.push_back("currency");
  Text(page, left, y, ReceiptTotalLabel(doc.language), 10.5, true);
  Text(page, right, y, FormatMoney(doc.total_cents, doc.currency, style.number, style.currency),
       10.5, true, Align::kRight, total_fields);
  y += 14;
  for (const TaxLine& tax : doc.taxes) {
    std::string label = Fill(Fill(v.included_tax, tax.name),
                             FormatPercent(tax.rate_bp, style.number, style.percent_space));
    Text(page, left, y, label, 7.5);
    Text(page, right, y, FormatAmount(tax.tax_cents, style.number), 7.5, false, Align::kRight);
    y += 10;
  }
  y += 8;
  Text(page, left, y, absl::StrCat(v.paid_by_card, " **** ", rng.Digits(4)), 7.5);
  y += 18;
  Text(page, centre, y, v.thanks, 7.5, false, Align::kCenter);
  page.height = std::max(y + 30, 300.0);
}

void LayOutLetter(const SampleDocument& doc, const Style& style, Rng& rng, Page& page) {
  const Vocabulary& v = VocabularyFor(doc.language);
  double left = 60;
  double right = 535;
  bool sender_right = rng.Chance(0.5);
  double sx = sender_right ? right : left;
  Align sa = sender_right ? Align::kRight : Align::kLeft;
  double y = 60;
  Text(page, sx, y, doc.vendor.name, 13, true, sa, {"vendor_name"});
  y += 14;
  for (const std::string& line : doc.vendor.address_lines) {
    Text(page, sx, y, line, 9, false, sa);
    y += 11;
  }
  Text(page, sx, y, doc.vendor.email, 8, false, sa);
  y = std::max(y + 40, 160.0);
  Text(page, left, y, doc.customer.name, 10, false, Align::kLeft, {"customer_name"});
  y += 12;
  for (const std::string& line : doc.customer.address_lines) {
    Text(page, left, y, line, 10);
    y += 12;
  }
  y += 24;
  Text(page, right, y, FormatDate(doc.date, style.date, doc.language), 10, false, Align::kRight,
       {"document_date"});
  if (!doc.customer_number.empty()) {
    Text(page, left, y, absl::StrCat(rng.Pick(v.customer_number), ": ", doc.customer_number), 9);
  }
  y += 30;
  std::string subject = rng.Chance(0.5) ? absl::StrCat(v.subject, ": ", doc.subject) : doc.subject;
  Text(page, left, y, subject, 11, true);
  y += 26;
  Text(page, left, y, v.greeting, 10);
  y += 20;
  for (const std::string& paragraph : doc.paragraphs) {
    for (const std::string& line : Wrap(paragraph, right - left, 10)) {
      Text(page, left, y, line, 10);
      y += 13.5;
    }
    y += 8;
  }
  y += 10;
  Text(page, left, y, v.closing, 10);
  y += 40;
  Text(page, left, y, doc.contact, 10);
  y += 13;
  Text(page, left, y, doc.vendor.name, 9);
  y = page.height - 50;
  Text(page, page.width / 2, y, absl::StrCat(rng.Pick(v.phone), " ", doc.vendor.phone), 7, false,
       Align::kCenter)
      .grey = 0.3;
}

}  // namespace flowline::samples::layout_internal
