// Layouts of generated identity documents: a passport data page (labels above values, an MRZ),
// a card with labels left of values, and a bilingual card with labels above values.
#include "samples/id_document.h"

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "samples/catalog.h"
#include "samples/formats.h"

namespace flowline::samples {
namespace {

using layout_internal::Text;

// Upper case of ASCII and of the Latin-1 letters in UTF-8 (ü -> Ü): the names and places of the
// generator's countries. U+00E0..U+00FE (but U+00F7) are C3 A0..C3 BE; their capitals are 0x20
// lower in the second byte.
std::string Upper(const std::string& text) {
  std::string out = absl::AsciiStrToUpper(text);
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    const auto lead = static_cast<unsigned char>(out[i]);
    const auto next = static_cast<unsigned char>(out[i + 1]);
    if (lead == 0xC3 && next >= 0xA0 && next <= 0xBE && next != 0xB7) {
      out[i + 1] = static_cast<char>(next - 0x20);
    }
  }
  return out;
}

// The label words of one language: several synonyms per field, so a learned extractor must
// generalise over them.
struct IdLabels {
  std::vector<std::string> title_passport, title_card, name, surname, given, birth, number, expiry,
      issue, nationality, sex, place, personal;
};

const IdLabels& LabelsFor(Language language) {
  static const auto* const kEnglish =
      new IdLabels{{"PASSPORT"},
                   {"IDENTITY CARD", "NATIONAL IDENTITY CARD", "RESIDENT ID CARD"},
                   {"Name", "Full name", "Holder", "Name of holder"},
                   {"Surname"},
                   {"Given names", "Forenames"},
                   {"Date of birth", "Born", "Birth date"},
                   {"Document No.", "Passport No.", "Card No.", "Document number", "No."},
                   {"Date of expiry", "Expires", "Valid until", "Expiry date"},
                   {"Date of issue", "Issued", "Issue date"},
                   {"Nationality"},
                   {"Sex"},
                   {"Place of birth"},
                   {"Personal No.", "CAN"}};
  static const auto* const kGerman =
      new IdLabels{{"REISEPASS"},
                   {"PERSONALAUSWEIS", "IDENTITÄTSKARTE"},
                   {"Name", "Vollständiger Name", "Inhaber"},
                   {"Familienname"},
                   {"Vornamen"},
                   {"Geburtsdatum", "Geboren am"},
                   {"Ausweisnummer", "Passnummer", "Dokumentennummer", "Nr."},
                   {"Gültig bis", "Ablaufdatum"},
                   {"Ausstellungsdatum", "Ausgestellt am"},
                   {"Staatsangehörigkeit"},
                   {"Geschlecht"},
                   {"Geburtsort"},
                   {"Zugangsnummer", "Personennummer"}};
  static const auto* const kFrench =
      new IdLabels{{"PASSEPORT"},
                   {"CARTE NATIONALE D'IDENTITÉ", "CARTE D'IDENTITÉ"},
                   {"Nom", "Nom complet", "Titulaire"},
                   {"Nom de famille"},
                   {"Prénoms"},
                   {"Date de naissance", "Né(e) le"},
                   {"N° du document", "N° de passeport", "N° de carte"},
                   {"Date d'expiration", "Valable jusqu'au", "Expire le"},
                   {"Date de délivrance", "Délivré le"},
                   {"Nationalité"},
                   {"Sexe"},
                   {"Lieu de naissance"},
                   {"N° personnel"}};
  static const auto* const kDutch = new IdLabels{{"PASPOORT"},
                                                 {"IDENTITEITSKAART"},
                                                 {"Naam", "Volledige naam", "Houder"},
                                                 {"Achternaam"},
                                                 {"Voornamen"},
                                                 {"Geboortedatum", "Geboren"},
                                                 {"Documentnummer", "Paspoortnummer", "Nr."},
                                                 {"Geldig tot", "Vervaldatum"},
                                                 {"Datum van afgifte", "Afgegeven"},
                                                 {"Nationaliteit"},
                                                 {"Geslacht"},
                                                 {"Geboorteplaats"},
                                                 {"Persoonsnummer", "BSN"}};
  switch (language) {
    case Language::kGerman:
      return *kGerman;
    case Language::kFrench:
      return *kFrench;
    case Language::kDutch:
      return *kDutch;
    case Language::kEnglish:
      break;
  }
  return *kEnglish;
}

// The ICAO alpha-3 code printed in the MRZ and the "code" box.
std::string Alpha3(const std::string& alpha2) {
  static const auto* const kCodes = new std::map<std::string, std::string>{
      {"DE", "D<<"}, {"AT", "AUT"}, {"CH", "CHE"}, {"FR", "FRA"}, {"NL", "NLD"},
      {"GB", "GBR"}, {"IE", "IRL"}, {"US", "USA"}, {"IN", "IND"}};
  auto it = kCodes->find(alpha2);
  return it == kCodes->end() ? alpha2 : it->second;
}

// How the country prints dates on its documents (mostly; some documents differ).
DateStyle DateStyleFor(const Country& country, Rng& rng) {
  if (rng.Chance(0.15))
    return rng.Pick(std::vector<DateStyle>{DateStyle::kIso, DateStyle::kLongDmy});
  if (country.code == "US") return DateStyle::kSlashMdy;
  if (country.language == Language::kGerman || country.language == Language::kDutch) {
    return rng.Chance(0.7) ? DateStyle::kDotDmy : DateStyle::kLongDmy;
  }
  if (country.language == Language::kFrench) return DateStyle::kSlashDmy;
  return rng.Chance(0.5) ? DateStyle::kLongDmy : DateStyle::kSlashDmy;
}

// "Label / Label" in the document's language and English (unless they are the same).
std::string Bilingual(const std::vector<std::string>& own, const std::vector<std::string>& en,
                      Rng& rng, bool bilingual) {
  const std::string& first = rng.Pick(own);
  if (!bilingual) return first;
  const std::string& second = rng.Pick(en);
  return first == second ? first : absl::StrCat(first, " / ", second);
}

std::string Yymmdd(absl::CivilDay day) {
  return absl::StrFormat("%02d%02d%02d", static_cast<int>(day.year() % 100), day.month(),
                         day.day());
}

std::string MrzName(const std::string& text) {
  std::string out = absl::AsciiStrToUpper(text);
  for (char& c : out) {
    if (!absl::ascii_isalpha(static_cast<unsigned char>(c))) c = '<';
  }
  return out;
}

std::string Pad(std::string text, size_t width) {
  if (text.size() > width) text.resize(width);
  text.append(width - text.size(), '<');
  return text;
}

struct Context {
  const IdDocument& doc;
  const Country& country;
  const IdLabels& own;
  const IdLabels& en;
  DateStyle dates;
  bool bilingual;
  bool upper_name;
};

std::string Date(const Context& c, absl::CivilDay day) {
  return FormatDate(day, c.dates, c.country.language);
}

std::string Name(const Context& c) {
  return c.upper_name ? Upper(c.doc.FullName()) : c.doc.FullName();
}

// A passport data page: header band, photo, labels above values in two columns, MRZ at the foot.
void LayOutPassport(const Context& c, Rng& rng, Page& page) {
  page.width = 520;
  page.height = 360;
  page.shades.push_back({0, 0, page.width, 44, 0.88});
  Text(page, 24, 28, c.country.name, 13, true);
  Text(page, page.width - 24, 28, Bilingual(c.own.title_passport, c.en.title_passport, rng, true),
       12, true, Align::kRight);
  page.shades.push_back({24, 64, 110, 140, 0.8});  // the photo
  const double x1 = 152;
  const double x2 = 340;
  double y = 70;
  auto field = [&](double x, const std::vector<std::string>& own,
                   const std::vector<std::string>& en, const std::string& value,
                   std::vector<std::string> fields) {
    Text(page, x, y, Bilingual(own, en, rng, c.bilingual), 6.5).grey = 0.35;
    Text(page, x, y + 12, value, 10, false, Align::kLeft, std::move(fields));
  };
  Text(page, x1, y, "Type", 6.5).grey = 0.35;
  Text(page, x1, y + 12, "P", 10);
  Text(page, x1 + 50, y, "Code", 6.5).grey = 0.35;
  Text(page, x1 + 50, y + 12, Alpha3(c.doc.country), 10);
  field(x2, c.own.number, c.en.number, c.doc.document_number, {"document_number"});
  y += 30;
  field(x1, c.own.surname, c.en.surname, Upper(c.doc.surname), {});
  y += 26;
  field(x1, c.own.given, c.en.given, Upper(c.doc.given_names), {});
  y += 26;
  field(x1, c.own.name, c.en.name, Name(c), {"full_name"});
  y += 26;
  field(x1, c.own.nationality, c.en.nationality, Upper(c.country.name), {});
  field(x2, c.own.sex, c.en.sex, c.doc.sex, {});
  y += 26;
  field(x1, c.own.birth, c.en.birth, Date(c, c.doc.date_of_birth), {"date_of_birth"});
  field(x2, c.own.place, c.en.place, c.doc.place_of_birth, {});
  y += 26;
  field(x1, c.own.issue, c.en.issue, Date(c, c.doc.date_of_issue), {});
  field(x2, c.own.expiry, c.en.expiry, Date(c, c.doc.expiry_date), {"expiry_date"});
  // The machine-readable zone (ICAO 9303 TD3 shape, check digits left as '<'): it repeats the
  // number and the dates in another format, a distractor for every field.
  const std::string mrz1 =
      Pad(absl::StrCat("P<", Pad(Alpha3(c.doc.country), 3), MrzName(c.doc.surname), "<<",
                       MrzName(c.doc.given_names)),
          44);
  const std::string mrz2 =
      Pad(absl::StrCat(Pad(c.doc.document_number, 9), "<", Pad(Alpha3(c.doc.country), 3),
                       Yymmdd(c.doc.date_of_birth), "<", c.doc.sex, Yymmdd(c.doc.expiry_date), "<"),
          44);
  Text(page, 24, 318, mrz1, 11);
  Text(page, 24, 338, mrz2, 11);
}

// A card with labels left of the values ("Name: Anna Becker").
void LayOutCardLabelLeft(const Context& c, Rng& rng, Page& page) {
  page.width = 480;
  page.height = 300;
  Text(page, 240, 30, Bilingual(c.own.title_card, c.en.title_card, rng, c.bilingual), 13, true,
       Align::kCenter);
  Text(page, 240, 46, c.country.name, 9, false, Align::kCenter);
  page.rules.push_back({20, 56, 460, 56, 0.8});
  const bool photo_right = rng.Chance(0.5);
  page.shades.push_back({photo_right ? 360.0 : 20.0, 70, 100, 124, 0.8});
  const double x = photo_right ? 24 : 140;
  const double value_x = x + 118;
  const bool colon = rng.Chance(0.7);
  double y = 84;
  auto row = [&](const std::vector<std::string>& own, const std::vector<std::string>& en,
                 const std::string& value, std::vector<std::string> fields) {
    std::string label = Bilingual(own, en, rng, false);
    if (colon) absl::StrAppend(&label, ":");
    Text(page, x, y, label, 8).grey = 0.3;
    Text(page, value_x, y, value, 10, false, Align::kLeft, std::move(fields));
    y += 22;
  };
  row(c.own.name, c.en.name, Name(c), {"full_name"});
  row(c.own.birth, c.en.birth, Date(c, c.doc.date_of_birth), {"date_of_birth"});
  if (rng.Chance(0.5)) row(c.own.place, c.en.place, c.doc.place_of_birth, {});
  row(c.own.number, c.en.number, c.doc.document_number, {"document_number"});
  row(c.own.issue, c.en.issue, Date(c, c.doc.date_of_issue), {});
  row(c.own.expiry, c.en.expiry, Date(c, c.doc.expiry_date), {"expiry_date"});
  if (!c.doc.personal_number.empty()) {
    Text(page, 460, 280, absl::StrCat(rng.Pick(c.own.personal), " ", c.doc.personal_number), 8,
         false, Align::kRight);
  }
}

// A bilingual card with labels above the values, the dates in one row.
void LayOutCardLabelAbove(const Context& c, Rng& rng, Page& page) {
  page.width = 480;
  page.height = 300;
  page.shades.push_back({0, 0, page.width, 40, 0.9});
  Text(page, 20, 26, Upper(c.country.name), 11, true);
  Text(page, 460, 26, Bilingual(c.own.title_card, c.en.title_card, rng, true), 10, true,
       Align::kRight);
  page.shades.push_back({20, 58, 100, 126, 0.8});
  Text(page, 20, 204, c.doc.document_number, 12, true, Align::kLeft, {"document_number"});
  const double x = 140;
  double y = 64;
  auto field = [&](double at, const std::vector<std::string>& own,
                   const std::vector<std::string>& en, const std::string& value,
                   std::vector<std::string> fields) {
    Text(page, at, y, Bilingual(own, en, rng, true), 6.5).grey = 0.35;
    Text(page, at, y + 13, value, 10.5, false, Align::kLeft, std::move(fields));
  };
  field(x, c.own.name, c.en.name, Name(c), {"full_name"});
  y += 32;
  field(x, c.own.birth, c.en.birth, Date(c, c.doc.date_of_birth), {"date_of_birth"});
  field(x + 170, c.own.nationality, c.en.nationality, Alpha3(c.doc.country), {});
  y += 32;
  field(x, c.own.issue, c.en.issue, Date(c, c.doc.date_of_issue), {});
  field(x + 170, c.own.expiry, c.en.expiry, Date(c, c.doc.expiry_date), {"expiry_date"});
  y += 32;
  if (!c.doc.personal_number.empty()) {
    field(x, c.own.personal, c.en.personal, c.doc.personal_number, {});
  }
  Text(page, 20, 280, absl::StrCat("IDC", Alpha3(c.doc.country), c.doc.document_number, "<<<<"), 9);
}

}  // namespace

IdDocument MakeIdDocument(Rng& rng, const std::string& type, const std::string& country,
                          const std::string& given_names, const std::string& surname,
                          absl::CivilDay date_of_birth, absl::CivilDay issued) {
  IdDocument doc;
  doc.type = type;
  doc.country = country;
  doc.given_names = given_names;
  doc.surname = surname;
  doc.date_of_birth = date_of_birth;
  doc.date_of_issue = issued;
  const int years = type == "id_card" && rng.Chance(0.3) ? 5 : 10;
  doc.expiry_date = absl::CivilDay(issued.year() + years, issued.month(), issued.day()) - 1;
  // Letters and digits as many countries print them: a letter first, no vowels that read as
  // digits (O, I).
  const std::string alphabet = "CFGHJKLMNPRTVWXYZ0123456789";
  // At least two digits (positions 2 and 6), as on real documents.
  doc.document_number.push_back(alphabet[rng.Index(17)]);
  for (int i = 1; i < 9; ++i) {
    const bool digit = i == 2 || i == 6;
    doc.document_number.push_back(digit ? static_cast<char>('0' + rng.Int(0, 9))
                                        : alphabet[rng.Index(alphabet.size())]);
  }
  if (rng.Chance(0.4)) doc.personal_number = rng.Digits(type == "id_card" ? 6 : 10);
  doc.sex = std::string(1, rng.Chance(0.5) ? 'F' : 'M');
  doc.place_of_birth = Upper(MakeAddress(rng, CountryByCode(country), false).back());
  // The place is the address's last line ("80331 München"); keep only the town.
  if (size_t space = doc.place_of_birth.find(' ');
      space != std::string::npos && absl::ascii_isdigit(doc.place_of_birth[0])) {
    doc.place_of_birth = doc.place_of_birth.substr(space + 1);
  }
  return doc;
}

LaidOutDocument LayOutIdDocument(const IdDocument& doc, Rng& rng) {
  const Country& country = CountryByCode(doc.country);
  LaidOutDocument out;
  out.style.date = DateStyleFor(country, rng);
  out.style.font_family = rng.Pick(std::vector<std::string>{
      "DejaVu Sans", "DejaVu Sans", "DejaVu Serif", "DejaVu Sans Condensed"});
  out.page.font_family = out.style.font_family;
  Context context{doc,
                  country,
                  LabelsFor(country.language),
                  LabelsFor(Language::kEnglish),
                  out.style.date,
                  country.language != Language::kEnglish && rng.Chance(0.6),
                  rng.Chance(0.5)};
  if (doc.type == "passport") {
    out.style.header = 0;
    LayOutPassport(context, rng, out.page);
  } else if (rng.Chance(0.5)) {
    out.style.header = 1;
    LayOutCardLabelLeft(context, rng, out.page);
  } else {
    out.style.header = 2;
    out.style.labels_above = true;
    LayOutCardLabelAbove(context, rng, out.page);
  }
  return out;
}

nlohmann::ordered_json IdDocumentLabel(const std::string& file, bool scanned, const IdDocument& doc,
                                       const LaidOutDocument& layout) {
  std::set<std::string> printed;
  std::string printed_name;
  for (const TextItem& item : layout.page.texts) {
    for (const std::string& field : item.fields) {
      printed.insert(field);
      if (field == "full_name") printed_name = item.text;
    }
  }
  nlohmann::ordered_json fields = nlohmann::ordered_json::object();
  if (printed.count("full_name") > 0) fields["full_name"] = printed_name;
  if (printed.count("date_of_birth") > 0) fields["date_of_birth"] = IsoDate(doc.date_of_birth);
  if (printed.count("document_number") > 0) fields["document_number"] = doc.document_number;
  if (printed.count("expiry_date") > 0) fields["expiry_date"] = IsoDate(doc.expiry_date);
  nlohmann::ordered_json label = nlohmann::ordered_json::object();
  label["file"] = file;
  label["doc_type"] = doc.type;
  label["date_order"] = DateOrder(layout.style.date);
  label["fields"] = std::move(fields);
  label["source"] = scanned ? "scan" : "pdf";
  label["layout"] = absl::StrCat(doc.type, "-", layout.style.header, "-", layout.style.font_family);
  return label;
}

}  // namespace flowline::samples
