// The generator's world: countries, companies, people, addresses and the goods and services they
// invoice. Everything is made up from word lists (no real company is named on purpose) and drawn
// from an Rng, so a seed always yields the same parties.
//
// Free functions over immutable static tables; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "samples/rng.h"

namespace flowline::samples {

// The language a document's labels are printed in ("Invoice No." vs "Rechnungsnummer").
enum class Language { kEnglish, kGerman, kFrench, kDutch };

struct Country {
  std::string code;      // ISO 3166 alpha-2, "DE"
  std::string name;      // as printed on an address's last line, "Germany"
  Language language;     // the usual label language of its companies
  std::string currency;  // ISO 4217 of its usual currency
};

// A company or person as it appears on a document.
struct Party {
  std::string name;                        // "Nordwind Logistik GmbH"
  std::vector<std::string> address_lines;  // printed one per line, without the name
  std::string country_code;                // "DE"
  std::string phone;                       // "+49 89 4127 3310"
  std::string email;                       // "billing@nordwind-logistik.example"
  std::string tax_id;                      // VAT / GST / EIN number, "DE284711093"
  std::string iban;                        // "DE44 5001 0517 5407 3249 31" (empty for the US/IN)
};

// The countries the generator uses.
const std::vector<Country>& Countries();

// A country by code. Precondition: the code is one of Countries().
const Country& CountryByCode(const std::string& code);

// A generated company seated in `country`.
Party MakeCompany(Rng& rng, const Country& country);

// A shop (for receipts): a company with a shorter, retail-style name.
Party MakeShop(Rng& rng, const Country& country);

// A person's full name ("Anna Becker", "John O'Neill").
std::string MakePersonName(Rng& rng, const Country& country);

// A street address for `country`, one entry per printed line; `with_country` appends the
// country's name (used when sender and recipient are in different countries).
std::vector<std::string> MakeAddress(Rng& rng, const Country& country, bool with_country);

// What is sold on a line: a description and a plausible unit price range in minor units.
struct Article {
  std::string description;
  int64_t min_price_cents;
  int64_t max_price_cents;
  bool hourly;  // billed by the hour, so quantities like 7.5 are natural
};

// An article described in `language` (descriptions stay short enough for the table column).
Article MakeArticle(Rng& rng, Language language);

}  // namespace flowline::samples
