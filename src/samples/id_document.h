// Identity documents for the onboarding samples (`flowline samples onboarding`): a passport data
// page or a national ID card, laid out on a Page (layout.h) so render.h and scan.h turn it into a
// PDF or a scanned PNG exactly as they do invoices.
//
// The four labelled fields are full_name, date_of_birth, document_number and expiry_date; every
// text item that prints one names it, so the label line says exactly what was printed. The
// documents are made to be hard in the ways real ones are: three layouts (a passport page with
// a machine-readable zone, a card with labels left of the values, a bilingual card with labels
// above them), labels in the issuing country's language and English, dates in the country's
// style, and distractors of every field's type (date of issue, a personal or card access number,
// the MRZ repeating the number and dates as YYMMDD, surname and given names printed apart on
// passports).
//
// Pure functions of (document, Rng state); thread-safe.
#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "nlohmann/json.hpp"
#include "samples/layout.h"
#include "samples/rng.h"

namespace flowline::samples {

struct IdDocument {
  std::string type;     // "passport" or "id_card": the label's doc_type
  std::string country;  // issuing country, ISO 3166 alpha-2 (one of Countries())
  std::string given_names;
  std::string surname;
  absl::CivilDay date_of_birth;
  absl::CivilDay date_of_issue;
  absl::CivilDay expiry_date;
  std::string document_number;  // "C4K7R2T91": letters and digits as printed
  std::string personal_number;  // a distractor id on some cards; empty when none
  std::string sex;              // "F" or "M"
  std::string place_of_birth;

  // "Anna Becker": given names, a space, the surname.
  std::string FullName() const { return absl::StrCat(given_names, " ", surname); }
};

// A document of `type` issued by `country` to the person, valid for 10 years (5 for some cards)
// and issued `issued_years_ago` years before `today` (so it may have expired).
IdDocument MakeIdDocument(Rng& rng, const std::string& type, const std::string& country,
                          const std::string& given_names, const std::string& surname,
                          absl::CivilDay date_of_birth, absl::CivilDay issued);

// Lays the document out in one of the layouts (drawn from `rng`) and returns the page with the
// date style it used (for the label's date_order).
LaidOutDocument LayOutIdDocument(const IdDocument& doc, Rng& rng);

// The labels.jsonl line: {file, doc_type, date_order, fields: {full_name, date_of_birth,
// document_number, expiry_date} (each present when printed), source: "scan"|"pdf", layout}.
nlohmann::ordered_json IdDocumentLabel(const std::string& file, bool scanned, const IdDocument& doc,
                                       const LaidOutDocument& layout);

}  // namespace flowline::samples
