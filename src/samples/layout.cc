#include "samples/layout.h"

#include "absl/strings/str_cat.h"

namespace flowline::samples {
namespace layout_internal {
namespace {

NumberStyle ChooseNumberStyle(const SampleDocument& doc, Rng& rng) {
  if (rng.Chance(0.15)) return static_cast<NumberStyle>(rng.Int(0, kNumberStyleCount - 1));
  if (doc.currency == "INR") {
    return rng.Chance(0.5) ? NumberStyle::kIndianGroupDotDecimal
                           : NumberStyle::kCommaGroupDotDecimal;
  }
  if (doc.currency == "CHF" && rng.Chance(0.6)) return NumberStyle::kApostropheGroupDot;
  switch (doc.language) {
    case Language::kGerman:
    case Language::kDutch:
      return rng.Chance(0.85) ? NumberStyle::kDotGroupCommaDecimal
                              : NumberStyle::kSpaceGroupCommaDecimal;
    case Language::kFrench:
      return rng.Chance(0.7) ? NumberStyle::kSpaceGroupCommaDecimal
                             : NumberStyle::kDotGroupCommaDecimal;
    case Language::kEnglish:
      break;
  }
  return rng.Chance(0.8) ? NumberStyle::kCommaGroupDotDecimal : NumberStyle::kPlainDotDecimal;
}

DateStyle ChooseDateStyle(const SampleDocument& doc, Rng& rng) {
  if (rng.Chance(0.15)) return static_cast<DateStyle>(rng.Int(0, kDateStyleCount - 1));
  const std::string& country = doc.vendor.country_code;
  if (country == "US") return rng.Chance(0.6) ? DateStyle::kSlashMdy : DateStyle::kLongMdy;
  switch (doc.language) {
    case Language::kGerman:
      return rng.Pick(std::vector<DateStyle>{DateStyle::kDotDmy, DateStyle::kDotDmy,
                                             DateStyle::kLongDmy, DateStyle::kIso});
    case Language::kFrench:
      return rng.Chance(0.7) ? DateStyle::kSlashDmy : DateStyle::kLongDmy;
    case Language::kDutch:
      return rng.Chance(0.6) ? DateStyle::kSlashDmy : DateStyle::kLongDmy;
    case Language::kEnglish:
      break;
  }
  return rng.Pick(std::vector<DateStyle>{DateStyle::kSlashDmy, DateStyle::kLongDmy, DateStyle::kIso,
                                         DateStyle::kDotDmy});
}

}  // namespace

Style ChooseStyle(const SampleDocument& doc, Rng& rng) {
  Style style;
  style.date = ChooseDateStyle(doc, rng);
  style.number = ChooseNumberStyle(doc, rng);
  style.currency = rng.Pick(std::vector<CurrencyStyle>{
      CurrencyStyle::kSymbolBefore, CurrencyStyle::kSymbolAfter, CurrencyStyle::kCodeBefore,
      CurrencyStyle::kCodeAfter, CurrencyStyle::kNone, CurrencyStyle::kSymbolBefore});
  style.header = static_cast<int>(rng.Int(0, 2));
  style.labels_above = rng.Chance(0.35);
  style.meta_place = rng.Chance(0.3) ? 1 : 0;
  style.table = static_cast<int>(rng.Int(0, 4));
  style.table_grid = rng.Chance(0.4);
  style.percent_space = doc.language != Language::kEnglish && rng.Chance(0.5);
  style.font_family = rng.Pick(std::vector<std::string>{
      "DejaVu Sans", "DejaVu Sans", "DejaVu Serif", "DejaVu Sans Condensed", "DejaVu Sans Mono"});
  return style;
}

TextItem& Text(Page& page, double x, double y, std::string text, double size, bool bold,
               Align align, std::vector<std::string> fields) {
  TextItem item;
  item.x = x;
  item.y = y;
  item.text = std::move(text);
  item.size = size;
  item.bold = bold;
  item.align = align;
  item.fields = std::move(fields);
  page.texts.push_back(std::move(item));
  return page.texts.back();
}

double ApproxWidth(const std::string& text, double size) {
  int glyphs = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++glyphs;  // count UTF-8 lead bytes only
  }
  return glyphs * size * 0.6;
}

std::string Fill(const std::string& pattern, const std::string& value) {
  size_t at = pattern.find('%');
  if (at == std::string::npos || at + 1 >= pattern.size()) return pattern;
  return absl::StrCat(pattern.substr(0, at), value, pattern.substr(at + 2));
}

}  // namespace layout_internal

std::string Style::Id() const {
  return absl::StrCat("h", header, "-a", labels_above ? 1 : 0, "-m", meta_place, "-t", table, "-g",
                      table_grid ? 1 : 0, "-", font_family);
}

LaidOutDocument LayOut(const SampleDocument& doc, Rng& rng) {
  LaidOutDocument out;
  out.style = layout_internal::ChooseStyle(doc, rng);
  out.page.font_family = out.style.font_family;
  switch (doc.type) {
    case DocType::kReceipt:
      layout_internal::LayOutReceipt(doc, out.style, rng, out.page);
      break;
    case DocType::kLetter:
      layout_internal::LayOutLetter(doc, out.style, rng, out.page);
      break;
    default:
      layout_internal::LayOutBusinessDocument(doc, out.style, rng, out.page);
      break;
  }
  return out;
}

}  // namespace flowline::samples
