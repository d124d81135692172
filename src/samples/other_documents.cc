// Documents that are not invoices but look like their neighbours in a mailbox: receipts (amounts,
// a date, a shop), purchase orders (lines and totals, but issued by the buyer), delivery notes
// (lines without prices) and letters (prose that may even mention an invoice). They teach a
// classifier what "not an invoice" looks like.
#include "absl/strings/str_cat.h"
#include "samples/sample_document.h"

namespace flowline::samples {
namespace {

struct Letter {
  const char* subject;
  std::vector<const char*> paragraphs;
};

const std::vector<Letter>& Letters(Language language) {
  static const auto* const kEn = new std::vector<Letter>{
      {"Change of bank details",
       {"We would like to inform you that our bank details will change with effect from next "
        "month.",
        "Please use the new account for all future payments. Payments already scheduled will "
        "be forwarded for a transition period.",
        "Should you have any questions, our accounts team is happy to help."}},
      {"Reminder: outstanding documents",
       {"Thank you for your recent order. To complete our supplier file we still need a copy "
        "of your current certificate of insurance.",
        "Kindly send the document to the address above at your earliest convenience.",
        "This letter is not an invoice; no payment is due."}},
      {"Price adjustment for the coming year",
       {"After many years of stable prices, rising material and energy costs unfortunately "
        "require us to adjust our price list.",
        "The new prices apply to all orders received after the first of next quarter. Existing "
        "contracts remain unaffected until their renewal date.",
        "We appreciate your understanding and look forward to continuing our cooperation."}},
      {"Confirmation of payment received",
       {"We confirm with thanks that your payment has been received and allocated to your "
        "account.",
        "Your account is now fully settled. A statement of account is available on request.",
        "Thank you for your business."}}};
  static const auto* const kDe = new std::vector<Letter>{
      {"Änderung unserer Bankverbindung",
       {"hiermit teilen wir Ihnen mit, dass sich unsere Bankverbindung zum nächsten Monat "
        "ändert.",
        "Bitte verwenden Sie für alle künftigen Zahlungen das neue Konto.",
        "Für Rückfragen steht Ihnen unsere Buchhaltung gerne zur Verfügung."}},
      {"Preisanpassung zum Jahreswechsel",
       {"gestiegene Material- und Energiekosten zwingen uns leider, unsere Preise anzupassen.",
        "Die neuen Preise gelten für alle Bestellungen ab dem kommenden Quartal.",
        "Wir danken Ihnen für Ihr Verständnis und freuen uns auf die weitere Zusammenarbeit."}}};
  static const auto* const kFr = new std::vector<Letter>{
      {"Changement de coordonnées bancaires",
       {"Nous vous informons que nos coordonnées bancaires changeront le mois prochain.",
        "Merci d'utiliser le nouveau compte pour tous vos paiements futurs.",
        "Notre service comptable reste à votre disposition pour toute question."}}};
  static const auto* const kNl = new std::vector<Letter>{
      {"Wijziging bankgegevens",
       {"Hierbij laten wij u weten dat onze bankgegevens per volgende maand wijzigen.",
        "Gelieve voor alle toekomstige betalingen het nieuwe rekeningnummer te gebruiken.",
        "Voor vragen kunt u contact opnemen met onze administratie."}}};
  switch (language) {
    case Language::kGerman:
      return *kDe;
    case Language::kFrench:
      return *kFr;
    case Language::kDutch:
      return *kNl;
    case Language::kEnglish:
      break;
  }
  return *kEn;
}

void AddLines(Rng& rng, SampleDocument& doc, int max_lines, int64_t tax_bp) {
  int count = static_cast<int>(rng.Int(1, max_lines));
  for (int i = 0; i < count; ++i) {
    Article article = MakeArticle(rng, doc.language);
    Line line;
    line.description = article.description;
    line.item_code = absl::StrCat(rng.Letters(1), "-", rng.Int(10000, 99999));
    line.quantity_hundredths = article.hourly ? rng.Int(1, 32) * 50 : rng.Int(1, 12) * 100;
    line.unit_price_cents = rng.Int(article.min_price_cents, article.max_price_cents);
    line.tax_rate_bp = tax_bp;
    doc.lines.push_back(std::move(line));
  }
  ComputeTotals(doc);
}

int64_t IncludedTaxRate(const std::string& country) {
  if (country == "DE") return 1900;
  if (country == "CH") return 810;
  if (country == "NL") return 2100;
  if (country == "IE") return 2300;
  if (country == "IN") return 1800;
  if (country == "US") return 0;
  return 2000;  // AT, FR, GB
}

std::string ReceiptTaxName(const std::string& country, Language language) {
  if (country == "US") return "Sales tax";
  if (country == "IN") return "GST";
  switch (language) {
    case Language::kGerman:
      return "MwSt.";
    case Language::kFrench:
      return "TVA";
    case Language::kDutch:
      return "BTW";
    case Language::kEnglish:
      break;
  }
  return "VAT";
}

}  // namespace

SampleDocument GenerateOtherDocument(Rng& rng) {
  SampleDocument doc;
  const std::vector<Country>& countries = Countries();
  const Country& country = rng.Pick(countries);
  doc.language = rng.Chance(0.7) ? country.language : Language::kEnglish;
  doc.currency = country.currency;
  doc.date = absl::CivilDay(2024, 1, 1) + rng.Int(0, 900);
  int64_t kind = rng.Int(0, 3);
  if (kind == 0) {
    doc.type = DocType::kReceipt;
    doc.vendor = MakeShop(rng, country);
    doc.number = absl::StrCat(rng.Digits(4), "-", rng.Int(1, 999));
    doc.prices_include_tax = true;
    int count = static_cast<int>(rng.Int(1, 6));
    for (int i = 0; i < count; ++i) {
      static const std::vector<std::string> kGoods = {
          "Coffee",       "Croissant", "Sandwich",   "Water 0.5l", "Notebook A5",  "Pens (3)",
          "Batteries AA", "Tape",      "Apples 1kg", "Bread",      "Orange juice", "Paracetamol"};
      Line line;
      line.description = rng.Pick(kGoods);
      line.quantity_hundredths = rng.Int(1, 3) * 100;
      line.unit_price_cents = rng.Int(80, 1500);
      line.tax_rate_bp = 0;
      doc.lines.push_back(std::move(line));
    }
    ComputeTotals(doc);
    // Prices include tax; the receipt states the included tax on one line.
    int64_t rate = IncludedTaxRate(country.code);
    int64_t included = doc.total_cents - RoundedProduct(doc.total_cents, 10000, 10000 + rate);
    doc.taxes = {
        TaxLine{ReceiptTaxName(country.code, doc.language), rate, doc.total_cents, included}};
    doc.tax_cents = included;
    return doc;
  }
  doc.vendor = MakeCompany(rng, country);
  const Country& other = rng.Chance(0.8) ? country : rng.Pick(countries);
  doc.customer = MakeCompany(rng, other);
  if (other.code != country.code) doc.customer.address_lines.push_back(other.name);
  doc.contact = MakePersonName(rng, country);
  if (kind == 1) {
    doc.type = DocType::kLetter;
    const Letter& letter = rng.Pick(Letters(doc.language));
    doc.subject = letter.subject;
    for (const char* p : letter.paragraphs) doc.paragraphs.push_back(p);
    if (rng.Chance(0.4)) doc.customer_number = absl::StrCat(rng.Int(10000, 999999));
    return doc;
  }
  if (kind == 2) {
    // The buyer (vendor field: the issuer) orders from a supplier (customer field: recipient).
    doc.type = DocType::kPurchaseOrder;
    doc.number = absl::StrCat("PO-", rng.Int(10000, 99999));
    doc.po_number = doc.number;
    doc.delivery_date = doc.date + rng.Int(7, 40);
    AddLines(rng, doc, 8, 0);
    return doc;
  }
  doc.type = DocType::kDeliveryNote;
  doc.number = absl::StrCat(rng.Pick(std::vector<std::string>{"DN-", "LS-", "BL-"}),
                            rng.Int(100000, 999999));
  if (rng.Chance(0.6)) doc.po_number = absl::StrCat("PO-", rng.Int(10000, 99999));
  doc.delivery_date = doc.date;
  AddLines(rng, doc, 10, 0);
  return doc;
}

}  // namespace flowline::samples
