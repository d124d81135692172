#include "samples/catalog.h"

#include <cctype>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace flowline::samples {
namespace {

using Words = std::vector<std::string>;

struct Place {
  std::string city;
  std::string postcode_prefix;  // completed with random digits
  std::string region;           // US state / Indian state, else empty
};

struct CountryData {
  Words surnames;
  Words given_names;
  Words streets;
  Words legal_forms;
  std::vector<Place> places;
  std::string phone_prefix;
};

const CountryData& DataFor(const std::string& code) {
  static const auto* const kDe =
      new CountryData{{"Müller", "Schmidt", "Becker", "Hoffmann", "Wagner", "Krause", "Hartmann",
                       "Lindner", "Vogel", "Brandt"},
                      {"Anna", "Jonas", "Lea", "Felix", "Sabine", "Thomas", "Katrin", "Michael"},
                      {"Hauptstraße", "Bahnhofstraße", "Industriestraße", "Lindenweg", "Am Hafen",
                       "Gutenbergring", "Schillerstraße", "Mühlenweg"},
                      {"GmbH", "GmbH & Co. KG", "AG", "e.K.", "KG"},
                      {{"München", "80", ""},
                       {"Hamburg", "20", ""},
                       {"Köln", "50", ""},
                       {"Leipzig", "04", ""},
                       {"Stuttgart", "70", ""},
                       {"Bremen", "28", ""}},
                      "+49"};
  static const auto* const kAt = new CountryData{
      {"Gruber", "Huber", "Bauer", "Pichler", "Steiner", "Moser"},
      {"Lukas", "Julia", "Florian", "Verena", "Stefan"},
      {"Mariahilfer Straße", "Landstraße", "Herrengasse", "Wiener Straße"},
      {"GmbH", "OG", "KG", "AG"},
      {{"Wien", "10", ""}, {"Graz", "80", ""}, {"Linz", "40", ""}, {"Salzburg", "50", ""}},
      "+43"};
  static const auto* const kCh = new CountryData{
      {"Meier", "Keller", "Brunner", "Frei", "Baumann", "Zürcher"},
      {"Reto", "Nina", "Urs", "Claudia", "Beat"},
      {"Bahnhofstrasse", "Seestrasse", "Dorfstrasse", "Industriestrasse"},
      {"AG", "GmbH", "SA", "Sàrl"},
      {{"Zürich", "80", ""}, {"Basel", "40", ""}, {"Bern", "30", ""}, {"Luzern", "60", ""}},
      "+41"};
  static const auto* const kFr =
      new CountryData{{"Lefèvre", "Moreau", "Garnier", "Dubois", "Rousseau", "Fontaine", "Girard"},
                      {"Camille", "Julien", "Élodie", "Mathieu", "Claire", "Nicolas"},
                      {"rue de la République", "avenue Jean Jaurès", "boulevard Voltaire",
                       "rue des Lilas", "quai de la Loire"},
                      {"SARL", "SAS", "SA", "EURL"},
                      {{"Paris", "750", ""},
                       {"Lyon", "690", ""},
                       {"Nantes", "440", ""},
                       {"Bordeaux", "330", ""},
                       {"Lille", "590", ""}},
                      "+33"};
  static const auto* const kNl =
      new CountryData{{"de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit"},
                      {"Sanne", "Daan", "Femke", "Ruben", "Lotte"},
                      {"Keizersgracht", "Stationsweg", "Dorpsstraat", "Havenkade"},
                      {"B.V.", "N.V.", "V.O.F."},
                      {{"Amsterdam", "10", ""},
                       {"Rotterdam", "30", ""},
                       {"Utrecht", "35", ""},
                       {"Eindhoven", "56", ""}},
                      "+31"};
  static const auto* const kGb = new CountryData{
      {"Whitfield", "Harrison", "Clarke", "Pemberton", "Ashworth", "Blake", "Holloway"},
      {"Oliver", "Emily", "James", "Charlotte", "Harry", "Sophie"},
      {"High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "Kingsway"},
      {"Ltd", "Limited", "LLP", "plc"},
      {{"London", "EC", ""},
       {"Manchester", "M", ""},
       {"Leeds", "LS", ""},
       {"Bristol", "BS", ""},
       {"Glasgow", "G", ""}},
      "+44"};
  static const auto* const kIe =
      new CountryData{{"O'Neill", "Byrne", "Murphy", "Kelly", "Walsh", "Doyle"},
                      {"Aoife", "Seán", "Ciara", "Niamh", "Conor"},
                      {"Grafton Street", "Dame Street", "Eastpoint Business Park", "Main Street"},
                      {"Ltd", "DAC", "Teoranta"},
                      {{"Dublin", "D0", ""}, {"Cork", "T1", ""}, {"Galway", "H9", ""}},
                      "+353"};
  static const auto* const kUs =
      new CountryData{{"Carter", "Reynolds", "Mitchell", "Hayes", "Brooks", "Sullivan", "Porter"},
                      {"Michael", "Jennifer", "David", "Ashley", "Robert", "Megan"},
                      {"Market Street", "Main Street", "Oak Avenue", "Commerce Drive",
                       "Lakeview Blvd", "5th Avenue"},
                      {"Inc.", "LLC", "Corp.", "Co."},
                      {{"San Francisco", "941", "CA"},
                       {"Austin", "787", "TX"},
                       {"Chicago", "606", "IL"},
                       {"Boston", "021", "MA"},
                       {"Denver", "802", "CO"},
                       {"Seattle", "981", "WA"}},
                      "+1"};
  static const auto* const kIn =
      new CountryData{{"Sharma", "Iyer", "Patel", "Reddy", "Mehta", "Nair", "Kapoor"},
                      {"Priya", "Arjun", "Ananya", "Rahul", "Kavya", "Vikram"},
                      {"MG Road", "Residency Road", "Link Road", "Nehru Place", "Anna Salai"},
                      {"Pvt. Ltd.", "Private Limited", "LLP", "Ltd."},
                      {{"Bengaluru", "5600", "Karnataka"},
                       {"Mumbai", "4000", "Maharashtra"},
                       {"Chennai", "6000", "Tamil Nadu"},
                       {"Pune", "4110", "Maharashtra"},
                       {"New Delhi", "1100", "Delhi"}},
                      "+91"};
  if (code == "DE") return *kDe;
  if (code == "AT") return *kAt;
  if (code == "CH") return *kCh;
  if (code == "FR") return *kFr;
  if (code == "NL") return *kNl;
  if (code == "GB") return *kGb;
  if (code == "IE") return *kIe;
  if (code == "US") return *kUs;
  return *kIn;
}

const Words& BusinessWords() {
  static const auto* const kWords =
      new Words{"Nordwind", "Alpenblick", "Brightline", "Summit Ridge", "Bluewater", "Silverleaf",
                "Redstone", "Greenfield", "Ironbridge", "Northstar",    "Kestrel",   "Lighthouse",
                "Meridian", "Oakridge",   "Polaris",    "Riverside",    "Sunvale",   "Westbrook",
                "Zenith",   "Falkenberg", "Rheintal",   "Belle Rive",   "Horizon",   "Evergreen",
                "Crescent", "Harbour",    "Pinnacle"};
  return *kWords;
}

const Words& Trades(Language language) {
  static const auto* const kEn =
      new Words{"Consulting",       "Logistics",     "Software",          "Supplies",
                "Engineering",      "Print & Media", "Facility Services", "Electronics",
                "Office Solutions", "Catering",      "Systems",           "Trading"};
  static const auto* const kDe =
      new Words{"Logistik",  "Bürotechnik",  "Beratung",       "Elektrotechnik", "Haustechnik",
                "Druckerei", "Maschinenbau", "Gebäudeservice", "Software",       "Handel"};
  static const auto* const kFr =
      new Words{"Conseil",    "Transports", "Informatique", "Fournitures",
                "Imprimerie", "Services",   "Ingénierie",   "Distribution"};
  static const auto* const kNl = new Words{"Techniek",    "Logistiek",        "Advies",
                                           "Installatie", "Kantoorartikelen", "Groothandel"};
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

std::string Slug(const std::string& name) {
  std::string out;
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) && u < 0x80) {
      out.push_back(static_cast<char>(std::tolower(u)));
    } else if (c == ' ' && !out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "company" : out;
}

std::string Phone(Rng& rng, const CountryData& data) {
  if (data.phone_prefix == "+1") {
    return absl::StrCat("+1 (", rng.Int(201, 989), ") ", rng.Digits(3), "-", rng.Digits(4));
  }
  return absl::StrCat(data.phone_prefix, " ", rng.Int(20, 99), " ", rng.Digits(4), " ",
                      rng.Digits(rng.Int(3, 4)));
}

std::string TaxId(Rng& rng, const std::string& code) {
  if (code == "US") return absl::StrCat("EIN ", rng.Digits(2), "-", rng.Digits(7));
  if (code == "IN") {
    return absl::StrCat(rng.Int(10, 36), rng.Letters(5), rng.Digits(4), rng.Letters(1), "1Z",
                        rng.Digits(1));
  }
  if (code == "GB")
    return absl::StrCat("GB", rng.Digits(3), " ", rng.Digits(4), " ", rng.Digits(2));
  if (code == "CH")
    return absl::StrCat("CHE-", rng.Digits(3), ".", rng.Digits(3), ".", rng.Digits(3), " MWST");
  if (code == "NL") return absl::StrCat("NL", rng.Digits(9), "B01");
  if (code == "AT") return absl::StrCat("ATU", rng.Digits(8));
  if (code == "FR") return absl::StrCat("FR", rng.Digits(2), rng.Digits(9));
  return absl::StrCat(code, rng.Digits(9));
}

std::string Iban(Rng& rng, const std::string& code) {
  if (code == "US" || code == "IN") return "";
  int groups = code == "DE" ? 4 : code == "GB" ? 4 : 5;
  std::string iban = absl::StrCat(code, rng.Digits(2));
  if (code == "GB" || code == "NL" || code == "IE") iban += absl::StrCat(" ", rng.Letters(4));
  for (int i = 0; i < groups; ++i) absl::StrAppend(&iban, " ", rng.Digits(4));
  absl::StrAppend(&iban, " ", rng.Digits(2));
  return iban;
}

Party Finish(Rng& rng, const Country& country, std::string name, bool with_country) {
  const CountryData& data = DataFor(country.code);
  Party party;
  party.name = std::move(name);
  party.address_lines = MakeAddress(rng, country, with_country);
  party.country_code = country.code;
  party.phone = Phone(rng, data);
  party.email = absl::StrCat(rng.Pick(Words{"billing", "invoices", "accounts", "info", "office"}),
                             "@", Slug(party.name.substr(0, party.name.find(' ', 4))), ".example");
  party.tax_id = TaxId(rng, country.code);
  party.iban = Iban(rng, country.code);
  return party;
}

}  // namespace

const std::vector<Country>& Countries() {
  static const auto* const kCountries =
      new std::vector<Country>{{"DE", "Germany", Language::kGerman, "EUR"},
                               {"AT", "Austria", Language::kGerman, "EUR"},
                               {"CH", "Switzerland", Language::kGerman, "CHF"},
                               {"FR", "France", Language::kFrench, "EUR"},
                               {"NL", "Netherlands", Language::kDutch, "EUR"},
                               {"GB", "United Kingdom", Language::kEnglish, "GBP"},
                               {"IE", "Ireland", Language::kEnglish, "EUR"},
                               {"US", "United States", Language::kEnglish, "USD"},
                               {"IN", "India", Language::kEnglish, "INR"}};
  return *kCountries;
}

const Country& CountryByCode(const std::string& code) {
  for (const Country& c : Countries()) {
    if (c.code == code) return c;
  }
  std::abort();  // precondition violated: a programming error, not input
}

std::vector<std::string> MakeAddress(Rng& rng, const Country& country, bool with_country) {
  const CountryData& data = DataFor(country.code);
  const Place& place = rng.Pick(data.places);
  const std::string& street = rng.Pick(data.streets);
  std::vector<std::string> lines;
  const std::string& c = country.code;
  if (c == "US") {
    lines.push_back(absl::StrCat(rng.Int(10, 9800), " ", street));
    if (rng.Chance(0.4)) lines.push_back(absl::StrCat("Suite ", rng.Int(100, 950)));
    lines.push_back(
        absl::StrCat(place.city, ", ", place.region, " ", place.postcode_prefix, rng.Digits(2)));
  } else if (c == "GB" || c == "IE") {
    if (rng.Chance(0.3)) lines.push_back(absl::StrCat("Unit ", rng.Int(1, 40)));
    lines.push_back(absl::StrCat(rng.Int(1, 220), " ", street));
    lines.push_back(place.city);
    if (c == "GB") {
      lines.push_back(
          absl::StrCat(place.postcode_prefix, rng.Int(1, 20), " ", rng.Int(1, 9), rng.Letters(2)));
    } else {
      lines.push_back(absl::StrCat(place.postcode_prefix, rng.Int(1, 9), " ", rng.Letters(1),
                                   rng.Digits(2), rng.Letters(1)));
    }
  } else if (c == "IN") {
    lines.push_back(absl::StrCat(rng.Pick(Words{"Plot", "No.", "Door No."}), " ", rng.Int(1, 480),
                                 ", ", street));
    lines.push_back(absl::StrCat(place.city, " ", place.postcode_prefix, rng.Digits(2)));
    lines.push_back(place.region);
  } else if (c == "FR") {
    lines.push_back(absl::StrCat(rng.Int(1, 180), " ", street));
    lines.push_back(absl::StrCat(place.postcode_prefix, rng.Digits(2), " ", place.city));
  } else if (c == "NL") {
    lines.push_back(absl::StrCat(street, " ", rng.Int(1, 300)));
    lines.push_back(
        absl::StrCat(place.postcode_prefix, rng.Digits(2), " ", rng.Letters(2), " ", place.city));
  } else {
    lines.push_back(absl::StrCat(street, " ", rng.Int(1, 160)));
    int digits = c == "DE" ? 3 : 2;
    lines.push_back(absl::StrCat(place.postcode_prefix, rng.Digits(digits), " ", place.city));
  }
  if (with_country) lines.push_back(country.name);
  return lines;
}

std::string MakePersonName(Rng& rng, const Country& country) {
  const CountryData& data = DataFor(country.code);
  return absl::StrCat(rng.Pick(data.given_names), " ", rng.Pick(data.surnames));
}

Party MakeCompany(Rng& rng, const Country& country) {
  const CountryData& data = DataFor(country.code);
  const std::string& form = rng.Pick(data.legal_forms);
  std::string name;
  switch (rng.Int(0, 3)) {
    case 0:
      name = absl::StrCat(rng.Pick(data.surnames), " ", rng.Pick(Trades(country.language)));
      break;
    case 1:
      name = absl::StrCat(rng.Pick(BusinessWords()), " ", rng.Pick(Trades(country.language)));
      break;
    case 2:
      name = absl::StrCat(rng.Pick(data.surnames), " & ", rng.Pick(data.surnames));
      break;
    default:
      name = absl::StrCat(rng.Pick(BusinessWords()), " ", rng.Pick(Trades(Language::kEnglish)));
      break;
  }
  return Finish(rng, country, absl::StrCat(name, " ", form), false);
}

Party MakeShop(Rng& rng, const Country& country) {
  const CountryData& data = DataFor(country.code);
  static const auto* const kShops =
      new Words{"Market", "Café", "Bakery", "Hardware", "Stationery", "Pharmacy", "Deli", "Bistro"};
  std::string name = rng.Chance(0.5)
                         ? absl::StrCat(rng.Pick(data.surnames), " ", rng.Pick(*kShops))
                         : absl::StrCat(rng.Pick(BusinessWords()), " ", rng.Pick(*kShops));
  return Finish(rng, country, name, false);
}

Article MakeArticle(Rng& rng, Language language) {
  struct Entry {
    const char* en;
    const char* de;
    const char* fr;
    const char* nl;
    int64_t lo, hi;
    bool hourly;
  };
  static const Entry kEntries[] = {
      {"Consulting services", "Beratungsleistung", "Prestation de conseil", "Adviesdiensten", 8000,
       22000, true},
      {"Software development", "Softwareentwicklung", "Développement logiciel",
       "Softwareontwikkeling", 7000, 16000, true},
      {"On-site support", "Vor-Ort-Service", "Assistance sur site", "Ondersteuning op locatie",
       6000, 14000, true},
      {"Software licence (annual)", "Softwarelizenz (jährlich)", "Licence logicielle (annuelle)",
       "Softwarelicentie (jaarlijks)", 19900, 250000, false},
      {"Cloud hosting, standard plan", "Cloud-Hosting Standard", "Hébergement cloud standard",
       "Cloudhosting standaard", 2900, 49900, false},
      {"Office chair ergonomic", "Bürostuhl ergonomisch", "Chaise de bureau ergonomique",
       "Bureaustoel ergonomisch", 14900, 69900, false},
      {"Printer toner black", "Toner schwarz", "Toner noir", "Toner zwart", 3900, 12900, false},
      {"Copy paper A4, 500 sheets", "Kopierpapier A4, 500 Blatt", "Papier A4, 500 feuilles",
       "Kopieerpapier A4, 500 vel", 399, 899, false},
      {"Maintenance contract", "Wartungsvertrag", "Contrat de maintenance", "Onderhoudscontract",
       9900, 180000, false},
      {"Freight and handling", "Fracht und Verpackung", "Transport et emballage",
       "Vracht en verpakking", 1500, 45000, false},
      {"Travel expenses", "Reisekosten", "Frais de déplacement", "Reiskosten", 2000, 90000, false},
      {"Training workshop (1 day)", "Schulung (1 Tag)", "Formation (1 jour)", "Training (1 dag)",
       45000, 190000, false},
      {"Network switch 24-port", "Netzwerk-Switch 24 Port", "Commutateur réseau 24 ports",
       "Netwerkswitch 24 poorten", 18900, 89900, false},
      {"LED panel 60x60", "LED-Panel 60x60", "Panneau LED 60x60", "LED-paneel 60x60", 3500, 12000,
       false},
      {"Cleaning service", "Unterhaltsreinigung", "Service de nettoyage", "Schoonmaakdienst", 2500,
       6000, true},
      {"Steel bolts M8 (box of 100)", "Stahlschrauben M8 (100 Stk.)", "Boulons acier M8 (x100)",
       "Stalen bouten M8 (100 st.)", 890, 2490, false},
      {"Design and layout", "Gestaltung und Satz", "Conception graphique", "Ontwerp en opmaak",
       6500, 12000, true},
      {"Catering for 20 guests", "Catering für 20 Personen", "Traiteur pour 20 personnes",
       "Catering voor 20 personen", 38000, 95000, false},
  };
  const Entry& e = kEntries[rng.Index(sizeof(kEntries) / sizeof(kEntries[0]))];
  const char* text = e.en;
  if (language == Language::kGerman) text = e.de;
  if (language == Language::kFrench) text = e.fr;
  if (language == Language::kDutch) text = e.nl;
  std::string description = text;
  if (rng.Chance(0.15)) description = absl::StrCat(description, " #", rng.Digits(4));
  return Article{description, e.lo, e.hi, e.hourly};
}

}  // namespace flowline::samples
