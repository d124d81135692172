// Totals, notes and footer of invoices, purchase orders and delivery notes. The totals block is
// where the distractor amounts live (net, one line per tax rate, a tax total), and the footer
// holds the sender's phone, tax id and IBAN.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "samples/layout.h"
#include "samples/vocabulary.h"

namespace flowline::samples::layout_internal {
namespace {

constexpr double kLeft = 50;
constexpr double kRight = 545;

std::string TaxTotalLabel(Language language) {
  switch (language) {
    case Language::kGerman:
      return "MwSt. gesamt";
    case Language::kFrench:
      return "Total TVA";
    case Language::kDutch:
      return "Totaal BTW";
    case Language::kEnglish:
      break;
  }
  return "Total tax";
}

// The labels of an EN 16931-style totals block, where every sum has a line of its own: the sum
// of the lines, charges and allowances before the net, prepaid and the amount due after the
// total (real e-invoices print them, often as zeros, so the total is neither the last nor the
// only amount of its size in the column).
struct SumLabels {
  const char* lines;
  const char* charges;
  const char* allowances;
  const char* prepaid;
  const char* due;
};

SumLabels SumLabelsFor(Language language) {
  switch (language) {
    case Language::kGerman:
      return {"Positionssumme", "Gesamtbetrag der Zuschläge", "Gesamtbetrag der Abschläge",
              "Erhaltene Anzahlungen", "Zahlbetrag"};
    case Language::kFrench:
      return {"Total des lignes", "Total des frais", "Total des remises", "Acomptes versés",
              "Net à payer"};
    case Language::kDutch:
      return {"Totaal regels", "Toeslagen", "Kortingen", "Vooruitbetaald", "Te betalen"};
    case Language::kEnglish:
      break;
  }
  return {"Total of lines", "Charges", "Allowances", "Prepaid amount", "Amount due for payment"};
}

// The tax id's label must fit the country: an EIN is no "VAT No.", a GSTIN only exists in India.
std::string TaxIdLabel(const SampleDocument& doc, Rng& rng) {
  const std::string& country = doc.vendor.country_code;
  if (country == "US") return "Tax ID";
  if (country == "IN") return "GSTIN";
  const std::vector<std::string>& labels = VocabularyFor(doc.language).tax_id;
  if (doc.language == Language::kEnglish) return labels[rng.Index(labels.size() - 1)];
  return rng.Pick(labels);
}

void LayOutFooter(const SampleDocument& doc, Rng& rng, Page& page) {
  const Vocabulary& v = VocabularyFor(doc.language);
  double y = page.height - 62;
  page.rules.push_back({kLeft, y - 10, kRight, y - 10, 0.4});
  std::vector<std::string> first = {doc.vendor.name};
  first.insert(first.end(), doc.vendor.address_lines.begin(), doc.vendor.address_lines.end());
  std::vector<std::string> second = {absl::StrCat(rng.Pick(v.phone), " ", doc.vendor.phone),
                                     doc.vendor.email,
                                     absl::StrCat(TaxIdLabel(doc, rng), ": ", doc.vendor.tax_id)};
  std::vector<std::string> lines = {absl::StrJoin(first, " · "), absl::StrJoin(second, " · ")};
  if (!doc.vendor.iban.empty()) {
    lines.push_back(absl::StrCat(rng.Pick(v.bank), ": ", doc.vendor.iban, "  BIC ", rng.Letters(4),
                                 doc.vendor.country_code, rng.Letters(2)));
  }
  bool centred = rng.Chance(0.5);
  for (const std::string& line : lines) {
    double size = 7;
    while (size > 5 && ApproxWidth(line, size) > kRight - kLeft) size -= 0.5;
    Text(page, centred ? page.width / 2 : kLeft, y, line, size, false,
         centred ? Align::kCenter : Align::kLeft)
        .grey = 0.3;
    y += 10;
  }
  if (rng.Chance(0.4)) Text(page, kRight, page.height - 25, v.page, 7, false, Align::kRight);
}

}  // namespace

void LayOutTotalsAndFooter(const SampleDocument& doc, const Style& style, Rng& rng, double top,
                           Page& page) {
  const Vocabulary& v = VocabularyFor(doc.language);
  bool invoice = doc.type == DocType::kInvoice;
  auto money = [&](int64_t cents) {
    return FormatMoney(cents, doc.currency, style.number, style.currency);
  };
  std::vector<std::string> currency_field;
  if (style.currency != CurrencyStyle::kNone) currency_field = {"currency"};
  double y = top + 6;
  double label_x = rng.Chance(0.5) ? 330 : 360;
  // A third of the invoices print every sum on its own line (SumLabels), and some of those set
  // the values a little below their labels' baseline, so a PDF reader makes two lines of a row.
  const double room = page.height - 100 - (top + 14.0 * static_cast<double>(4 + doc.taxes.size()));
  const bool every_sum = rng.Chance(0.35) && invoice && room > 5 * 14 + 16;
  const double drop = every_sum && rng.Chance(0.5) ? 4 : 0;
  const SumLabels sums = SumLabelsFor(doc.language);
  auto sum_line = [&](const char* label, int64_t cents) {
    Text(page, label_x, y, label, 9);
    Text(page, kRight, y + drop, money(cents), 9, false, Align::kRight);
    y += 14;
  };
  if (doc.type == DocType::kInvoice) {
    if (every_sum) {
      sum_line(sums.lines, doc.net_cents);
      if (rng.Chance(0.5)) {
        sum_line(sums.charges, 0);
        sum_line(sums.allowances, 0);
      }
    }
    Text(page, label_x, y, rng.Pick(v.net), 9);
    Text(page, kRight, y + drop, money(doc.net_cents), 9, false, Align::kRight, {"net_amount"});
    y += 14;
    bool show_base = rng.Chance(0.4);
    for (const TaxLine& tax : doc.taxes) {
      std::string label = absl::StrCat(
          tax.name, " ", FormatPercent(tax.rate_bp, style.number, style.percent_space));
      if (show_base) absl::StrAppend(&label, " (", FormatAmount(tax.base_cents, style.number), ")");
      std::vector<std::string> fields;
      if (doc.taxes.size() == 1) fields = {"tax_amount"};
      Text(page, label_x, y, label, 9);
      Text(page, kRight, y + drop, money(tax.tax_cents), 9, false, Align::kRight, fields);
      y += 14;
    }
    if (doc.taxes.size() > 1) {
      Text(page, label_x, y, TaxTotalLabel(doc.language), 9);
      Text(page, kRight, y + drop, money(doc.tax_cents), 9, false, Align::kRight, {"tax_amount"});
      y += 14;
    }
  }
  if (doc.type != DocType::kDeliveryNote) {
    page.rules.push_back({label_x, y - 9, kRight, y - 9, 0.8});
    y += 4;
    std::vector<std::string> fields = {"total_amount"};
    fields.insert(fields.end(), currency_field.begin(), currency_field.end());
    Text(page, label_x, y, rng.Pick(v.total), 11, true);
    Text(page, kRight, y + drop, money(doc.total_cents), 11, true, Align::kRight, fields);
    if (every_sum) {
      y += 16;
      sum_line(sums.prepaid, 0);
      sum_line(sums.due, doc.total_cents);
    }
    y += 30;
  } else {
    y += 20;
  }

  if (doc.type != DocType::kDeliveryNote && style.currency == CurrencyStyle::kNone) {
    Text(page, kLeft, y, Fill(v.amounts_in, doc.currency), 8.5, false, Align::kLeft, {"currency"});
    y += 13;
  }
  if (invoice && doc.payment_days > 0 && doc.defect.empty() && rng.Chance(0.7)) {
    Text(page, kLeft, y, Fill(v.payment_terms, absl::StrCat(doc.payment_days)), 8.5);
    y += 13;
  }
  if (invoice && rng.Chance(0.5)) {
    Text(page, kLeft, y, v.thanks, 8.5, false, Align::kLeft).grey = 0.2;
  }
  LayOutFooter(doc, rng, page);
}

}  // namespace flowline::samples::layout_internal
