#include "samples/sample_document.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"

namespace flowline::samples {
namespace {

struct TaxRule {
  int64_t standard_bp;
  int64_t reduced_bp;  // 0: no reduced rate on generated lines
};

TaxRule TaxRuleFor(const std::string& country) {
  if (country == "DE") return {1900, 700};
  if (country == "AT") return {2000, 1000};
  if (country == "CH") return {810, 260};
  if (country == "FR") return {2000, 550};
  if (country == "NL") return {2100, 900};
  if (country == "GB") return {2000, 500};
  if (country == "IE") return {2300, 1350};
  if (country == "IN") return {1800, 0};
  return {0, 0};  // US: one sales-tax rate per invoice, chosen below
}

std::string TaxName(const SampleDocument& doc) {
  if (doc.vendor.country_code == "US") return "Sales tax";
  switch (doc.language) {
    case Language::kGerman:
      return doc.vendor.country_code == "CH" ? "MWST" : "MwSt.";
    case Language::kFrench:
      return "TVA";
    case Language::kDutch:
      return "BTW";
    case Language::kEnglish:
      break;
  }
  return doc.vendor.country_code == "IN" ? "IGST" : "VAT";
}

std::string InvoiceNumber(Rng& rng, absl::CivilDay date) {
  std::string year = absl::StrCat(date.year());
  switch (rng.Int(0, 9)) {
    case 7:  // a letter, the year's last digits and a running number: "R26-317"
      return absl::StrCat(rng.Letters(1), year.substr(2), "-", rng.Int(1, 999));
    case 8:  // a number with the issuer's branch or series after a slash: "204517/03"
      return absl::StrCat(rng.Int(1000, 999999), "/", rng.Digits(2));
    case 9:  // a letter and a long number with the date in it: "E2026031400417"
      return absl::StrCat(rng.Letters(1), year, absl::Dec(date.month(), absl::kZeroPad2),
                          absl::Dec(date.day(), absl::kZeroPad2), rng.Digits(5));
    case 0:
      return absl::StrCat("INV-", year, "-", rng.Digits(4));
    case 1:
      return absl::StrCat("RE", rng.Int(10000, 99999));
    case 2:
      return absl::StrCat("F", year, "/", rng.Digits(4));
    case 3:
      return absl::StrCat(year, "-", rng.Digits(5));
    case 4:
      return absl::StrCat(rng.Letters(1), "-", rng.Int(1000, 99999));
    case 5:
      return absl::StrCat(rng.Int(100000, 9999999));
    default:
      return absl::StrCat(rng.Letters(2), year.substr(2), rng.Digits(2), "-", rng.Digits(3));
  }
}

std::string PoNumber(Rng& rng) {
  switch (rng.Int(0, 3)) {
    case 0:
      return absl::StrCat("PO-", rng.Int(10000, 99999));
    case 1:
      return absl::StrCat("45", rng.Digits(8));
    case 2:
      return absl::StrCat("BE-", rng.Int(2024, 2026), "-", rng.Int(100, 999));
    default:
      return absl::StrCat("P", rng.Digits(6));
  }
}

int64_t UnitPrice(Rng& rng, const Article& article) {
  int64_t cents = rng.Int(article.min_price_cents, article.max_price_cents);
  switch (rng.Int(0, 3)) {
    case 0:
      return cents / 100 * 100;  // whole units
    case 1:
      return cents / 100 * 100 + 90 > 0 ? cents / 100 * 100 + 90 : cents;
    case 2:
      return cents / 50 * 50 > 0 ? cents / 50 * 50 : cents;
    default:
      return cents;
  }
}

int64_t Quantity(Rng& rng, const Article& article) {
  if (article.hourly) return rng.Int(1, 64) * 25;                   // 0.25 to 16 hours
  if (article.max_price_cents > 30000) return rng.Int(1, 3) * 100;  // nobody buys 40 licences
  if (rng.Chance(0.6)) return rng.Int(1, 4) * 100;
  return rng.Int(5, 60) * 100;
}

}  // namespace

std::string DocTypeName(DocType type) {
  switch (type) {
    case DocType::kInvoice:
      return "invoice";
    case DocType::kReceipt:
      return "receipt";
    case DocType::kLetter:
      return "letter";
    case DocType::kPurchaseOrder:
      return "purchase_order";
    case DocType::kDeliveryNote:
      return "delivery_note";
  }
  return "invoice";
}

int64_t RoundedProduct(int64_t a, int64_t b, int64_t divisor) {
  __int128 p = static_cast<__int128>(a) * b;
  __int128 half = divisor / 2;
  __int128 q = p >= 0 ? (p + half) / divisor : -((-p + half) / divisor);
  return static_cast<int64_t>(q);
}

void ComputeTotals(SampleDocument& doc) {
  doc.net_cents = 0;
  std::map<int64_t, int64_t, std::greater<>> base_by_rate;
  for (Line& line : doc.lines) {
    line.amount_cents = RoundedProduct(line.quantity_hundredths, line.unit_price_cents, 100);
    doc.net_cents += line.amount_cents;
    base_by_rate[line.tax_rate_bp] += line.amount_cents;
  }
  doc.taxes.clear();
  std::string name = TaxName(doc);
  bool split = doc.vendor.country_code == "IN" && doc.customer.country_code == "IN";
  for (const auto& [rate, base] : base_by_rate) {
    if (split) {
      for (const char* half_name : {"CGST", "SGST"}) {
        doc.taxes.push_back({half_name, rate / 2, base, RoundedProduct(base, rate / 2, 10000)});
      }
    } else {
      doc.taxes.push_back({name, rate, base, RoundedProduct(base, rate, 10000)});
    }
  }
  doc.tax_cents = 0;
  for (const TaxLine& t : doc.taxes) doc.tax_cents += t.tax_cents;
  doc.total_cents = doc.prices_include_tax ? doc.net_cents : doc.net_cents + doc.tax_cents;
}

SampleDocument GenerateInvoice(Rng& rng, double defect_share) {
  SampleDocument doc;
  doc.type = DocType::kInvoice;
  const std::vector<Country>& countries = Countries();
  const Country& vendor_country = rng.Pick(countries);
  const Country& customer_country = rng.Chance(0.75) ? vendor_country : rng.Pick(countries);
  bool foreign = vendor_country.code != customer_country.code;
  doc.language = rng.Chance(0.7) ? vendor_country.language : Language::kEnglish;
  doc.vendor = MakeCompany(rng, vendor_country);
  doc.customer = MakeCompany(rng, customer_country);
  if (foreign) doc.customer.address_lines.push_back(customer_country.name);
  if (foreign && rng.Chance(0.5)) doc.vendor.address_lines.push_back(vendor_country.name);
  doc.currency = rng.Chance(0.8) ? vendor_country.currency
                                 : rng.Pick(std::vector<std::string>{"EUR", "USD", "GBP", "CHF",
                                                                     "SEK", "DKK", "CAD", "AUD"});
  doc.date = absl::CivilDay(2024, 1, 1) + rng.Int(0, 900);
  doc.number = InvoiceNumber(rng, doc.date);
  if (rng.Chance(0.65)) {
    doc.payment_days = static_cast<int>(rng.Pick(std::vector<int64_t>{10, 14, 30, 30, 45, 60}));
    doc.due_date = doc.date + doc.payment_days;
  }
  if (rng.Chance(0.4)) doc.delivery_date = doc.date - rng.Int(0, 12);
  if (rng.Chance(0.3)) doc.order_date = doc.date - rng.Int(5, 40);
  if (rng.Chance(0.4)) doc.po_number = PoNumber(rng);
  if (rng.Chance(0.5)) doc.customer_number = absl::StrCat(rng.Int(10000, 999999));

  TaxRule rule = TaxRuleFor(vendor_country.code);
  int64_t us_rate = rng.Pick(std::vector<int64_t>{0, 625, 725, 825, 887});
  int count = 1 + static_cast<int>(std::pow(rng.Uniform(), 1.6) * 15);
  for (int i = 0; i < count; ++i) {
    Article article = MakeArticle(rng, doc.language);
    Line line;
    line.description = article.description;
    line.item_code = absl::StrCat(rng.Letters(1), "-", rng.Int(10000, 99999));
    line.quantity_hundredths = Quantity(rng, article);
    line.unit_price_cents = UnitPrice(rng, article);
    if (vendor_country.code == "US") {
      line.tax_rate_bp = us_rate;
    } else if (rule.reduced_bp > 0 && rng.Chance(0.2)) {
      line.tax_rate_bp = rule.reduced_bp;
    } else {
      line.tax_rate_bp = rule.standard_bp;
    }
    doc.lines.push_back(std::move(line));
  }
  ComputeTotals(doc);

  if (rng.Chance(defect_share)) {
    int64_t delta = rng.Int(1, 5000) * (rng.Chance(0.5) ? 1 : -1);
    switch (rng.Int(0, doc.due_date ? 2 : 1)) {
      case 0: {
        // The net no longer matches the lines; tax and total stay consistent with the net, so
        // only the "lines add up" check can catch it.
        doc.defect = "sum_mismatch";
        if (doc.net_cents + delta <= 0) delta = -delta;
        doc.net_cents += delta;
        if (doc.taxes.size() == 1) {
          // One rate: the tax follows the (wrong) net, as a spreadsheet would compute it.
          TaxLine& t = doc.taxes[0];
          t.base_cents = doc.net_cents;
          t.tax_cents = RoundedProduct(t.base_cents, t.rate_bp, 10000);
          doc.tax_cents = t.tax_cents;
        }
        doc.total_cents = doc.net_cents + doc.tax_cents;
        break;
      }
      case 1:
        doc.defect = "total_mismatch";
        if (doc.total_cents + delta <= 0) delta = -delta;
        doc.total_cents += delta;
        break;
      default:
        doc.defect = "due_before_issue";
        doc.due_date = doc.date - rng.Int(1, 30);
        break;
    }
  }
  return doc;
}

}  // namespace flowline::samples
