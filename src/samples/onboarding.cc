#include "samples/onboarding.h"

#include <filesystem>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "samples/catalog.h"
#include "samples/formats.h"
#include "samples/render.h"
#include "samples/risk_history.h"
#include "samples/sample_files.h"
#include "samples/scan.h"

namespace flowline::samples {
namespace {

using OrderedJson = nlohmann::ordered_json;

// Independent random streams per sign-up (content, layout, scan noise) and for the reference
// data, so e.g. the scan noise never shifts the content.
constexpr uint64_t kLayoutStream = 0x69646c61796f7574ULL;
constexpr uint64_t kScanStream = 0x69647363616eULL;
constexpr uint64_t kReferenceStream = 0x7265666572656eULL;

const std::vector<std::string> kFreeMail = {"gmail.com",   "outlook.com", "gmx.de",
                                            "web.de",      "yahoo.com",   "orange.fr",
                                            "hotmail.com", "icloud.com"};
const std::vector<std::string> kDisposableMail = {"mailinator.com", "10minutemail.com",
                                                  "guerrillamail.com", "trashmail.com"};
const std::vector<std::string> kCompanyWords = {"nordwind", "atlas",  "kestrel", "brightline",
                                                "lumen",    "harbor", "vantage", "meridian"};
const std::vector<std::string> kLists = {"EU", "UN", "OFAC"};
// The fields' types, beside labels.jsonl (quality::LoadDataset reads it), with the label words
// that tend to stand beside each value as hints (features, never rules).
constexpr char kFieldsYaml[] =
    R"(# The identity documents' fields (docs/onboarding.md): flowline train extract and flowline eval
# read this beside labels.jsonl. Types: docs/design/document-ai.md.
fields:
  full_name: { type: text, labels: [name, full name, holder, nom, naam, inhaber, titulaire] }
  date_of_birth: { type: date, labels: [date of birth, born, geburtsdatum, date de naissance, geboortedatum] }
  document_number: { type: id, labels: [document no, passport no, card no, ausweisnummer, passnummer, documentnummer], patterns: ['^[CFGHJKLMNPRTVWXYZ0-9]{9}$'] }
  expiry_date: { type: date, labels: [date of expiry, expires, valid until, gültig bis, date d'expiration, geldig tot] }
)";

// The sign-ups are submitted in this window; documents expire relative to their sign-up.
const absl::CivilDay kFirstSignupDay(2026, 10, 1);
// The oldest applicant: born from 1950 on, the earliest year the extractor reads a date of
// (ai/extract/normalize.cc), so every date of birth printed is one it can find.
constexpr int kMaxAge = 75;

struct Person {
  std::string country;
  std::string given_names;
  std::string surname;
  absl::CivilDay date_of_birth;
};

Person MakePerson(Rng& rng, int min_age, int max_age) {
  Person person;
  const Country& country = rng.Pick(Countries());
  person.country = country.code;
  const std::string name = MakePersonName(rng, country);
  const size_t space = name.find(' ');
  person.given_names = name.substr(0, space);
  person.surname = name.substr(space + 1);
  const int age_days = static_cast<int>(rng.Int(min_age * 365 + 10, max_age * 365 + 300));
  person.date_of_birth = kFirstSignupDay - age_days;
  return person;
}

// Lower-case ASCII letters of `text` ("Müller" -> "mller"; good enough for a mailbox name).
std::string MailName(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (absl::ascii_isalpha(static_cast<unsigned char>(c))) {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  return out.empty() ? "user" : out;
}

std::string Email(Rng& rng, const Person& person, const std::string& domain) {
  std::string local =
      rng.Chance(0.5) ? absl::StrCat(MailName(person.given_names), ".", MailName(person.surname))
                      : absl::StrCat(MailName(person.given_names).substr(0, 1),
                                     MailName(person.surname), rng.Digits(2));
  return absl::StrCat(local, "@", domain);
}

std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\n") == std::string::npos) return value;
  return absl::StrCat("\"", absl::StrReplaceAll(value, {{"\"", "\"\""}}), "\"");
}

std::string SqlText(const std::string& value) {
  return absl::StrCat("'", absl::StrReplaceAll(value, {{"'", "''"}}), "'");
}

std::string Key(const std::string& name, const std::string& dob) {
  return absl::StrCat(absl::AsciiStrToLower(name), "|", dob);
}

// What the workflow's deterministic checks find for a sign-up, from the data itself (so a
// random sanctions entry that happens to share a clean sign-up's name and birthday counts).
void ExpectOutcome(PlannedSignup& signup, const std::set<std::string>& sanctioned,
                   const std::set<std::string>& customer_emails,
                   const std::set<std::string>& customer_documents) {
  const OrderedJson& in = signup.input;
  const std::string name = in["full_name"];
  const std::string dob = in["date_of_birth"];
  std::vector<std::string>& reasons = signup.expected_reasons;
  if (IsoDate(signup.document.expiry_date) < std::string(in["submitted_at"]).substr(0, 10)) {
    reasons.push_back("document_expired");
  }
  if (absl::AsciiStrToLower(name) != absl::AsciiStrToLower(signup.document.FullName())) {
    reasons.push_back("name_mismatch");
  }
  if (dob != IsoDate(signup.document.date_of_birth)) reasons.push_back("date_of_birth_mismatch");
  if (sanctioned.count(Key(signup.document.FullName(), IsoDate(signup.document.date_of_birth))) >
          0 ||
      sanctioned.count(Key(name, dob)) > 0) {
    reasons.push_back("sanctions_match");
  }
  if (customer_emails.count(absl::AsciiStrToLower(std::string(in["email"]))) > 0 ||
      customer_documents.count(signup.document.document_number) > 0) {
    reasons.push_back("existing_customer");
  }
  signup.expected_route = reasons.empty() ? "activate" : "review";
}

}  // namespace

absl::Status ValidateOnboardingOptions(const OnboardingOptions& options) {
  RETURN_IF_ERROR(CheckCountAndOut(options.count, options.out_dir));
  RETURN_IF_ERROR(CheckShare("--scanned-share", options.scanned_share));
  RETURN_IF_ERROR(CheckShare("--expired-share", options.expired_share));
  RETURN_IF_ERROR(CheckShare("--mismatch-share", options.mismatch_share));
  RETURN_IF_ERROR(CheckShare("--sanctioned-share", options.sanctioned_share));
  RETURN_IF_ERROR(CheckShare("--existing-share", options.existing_share));
  RETURN_IF_ERROR(CheckShare("--risky-share", options.risky_share));
  const double kinds = options.expired_share + options.mismatch_share + options.sanctioned_share +
                       options.existing_share + options.risky_share;
  if (kinds > 1.0 + 1e-9) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the shares of expired, mismatch, sanctioned, existing and risky sign-ups add up to "
        "%g; they must add up to at most 1 (the rest are clean)",
        kinds));
  }
  if (options.history < 0 || options.history > 1000000) {
    return absl::InvalidArgumentError(
        absl::StrCat("--history must be between 0 and 1000000 rows, got ", options.history));
  }
  if (!(options.dpi >= 72 && options.dpi <= 600)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--dpi must be between 72 and 600, got %g", options.dpi));
  }
  return absl::OkStatus();
}

absl::StatusOr<OnboardingBatch> PlanOnboarding(const OnboardingOptions& options) {
  RETURN_IF_ERROR(ValidateOnboardingOptions(options));
  OnboardingBatch batch;
  Rng reference = Rng::ForDocument(options.seed ^ kReferenceStream, 0);
  for (int i = 0; i < options.count; ++i) {
    Rng rng = Rng::ForDocument(options.seed, static_cast<uint64_t>(i));
    PlannedSignup signup;
    signup.signup_id = absl::StrFormat("S-%05d", i + 1);
    const double u = rng.Uniform();
    double edge = 0;
    signup.kind = "clean";
    for (const auto& [kind, share] :
         std::vector<std::pair<std::string, double>>{{"expired", options.expired_share},
                                                     {"mismatch", options.mismatch_share},
                                                     {"sanctioned", options.sanctioned_share},
                                                     {"existing", options.existing_share},
                                                     {"risky", options.risky_share}}) {
      edge += share;
      if (u < edge) {
        signup.kind = kind;
        break;
      }
    }
    const bool risky = signup.kind == "risky";
    Person person = MakePerson(rng, 18, risky ? 23 : kMaxAge);
    const absl::CivilDay submitted = kFirstSignupDay + rng.Int(0, 50);
    const std::string type = rng.Chance(0.5) ? "passport" : "id_card";
    absl::CivilDay issued = submitted - rng.Int(30, 4 * 365);
    if (signup.kind == "expired") issued = submitted - 11 * 365 - rng.Int(0, 2 * 365);
    signup.document = MakeIdDocument(rng, type, person.country, person.given_names, person.surname,
                                     person.date_of_birth, issued);
    std::string domain = rng.Chance(0.65) ? rng.Pick(kFreeMail)
                                          : absl::StrCat(rng.Pick(kCompanyWords), "-",
                                                         MailName(person.surname), ".example");
    if (risky) domain = rng.Pick(kDisposableMail);
    int64_t volume = rng.Int(4, 160) * 50;
    if (risky) volume = rng.Int(40, 150) * 1000;

    // What the person types into the sign-up form.
    std::string name = absl::StrCat(person.given_names, " ", person.surname);
    absl::CivilDay dob = person.date_of_birth;
    if (signup.kind == "mismatch") {
      if (rng.Chance(0.5)) {
        name = MakePersonName(rng, CountryByCode(person.country));
        if (absl::AsciiStrToLower(name) == absl::AsciiStrToLower(signup.document.FullName())) {
          name = absl::StrCat(person.given_names, " ", person.surname, "-", person.given_names);
        }
      } else {
        dob = dob - rng.Int(1, 4 * 365);
      }
    }
    OrderedJson input = OrderedJson::object();
    input["signup_id"] = signup.signup_id;
    input["full_name"] = name;
    input["email"] = Email(rng, person, domain);
    input["date_of_birth"] = IsoDate(dob);
    input["country"] = person.country;
    input["document_type"] = type;
    input["expected_monthly_volume"] = volume;
    input["submitted_at"] =
        absl::StrFormat("%sT%02d:%02d:00Z", IsoDate(submitted), rng.Int(6, 22), rng.Int(0, 59));
    signup.input = std::move(input);

    if (signup.kind == "sanctioned") {
      batch.sanctions.push_back({"", name, IsoDate(dob), person.country, reference.Pick(kLists)});
    }
    if (signup.kind == "existing") {
      batch.customers.push_back({"", name, signup.input["email"], IsoDate(dob),
                                 signup.document.document_number,
                                 absl::StrCat("CRM-", reference.Digits(6))});
    }

    signup.scanned = rng.Chance(options.scanned_share);
    signup.document_file =
        absl::StrFormat("documents/id-%05d.%s", i + 1, signup.scanned ? "png" : "pdf");
    Rng layout_rng = Rng::ForDocument(options.seed ^ kLayoutStream, static_cast<uint64_t>(i));
    signup.layout = LayOutIdDocument(signup.document, layout_rng);
    signup.label = IdDocumentLabel(signup.document_file.substr(10), signup.scanned, signup.document,
                                   signup.layout);
    batch.signups.push_back(std::move(signup));
  }

  // People on the sanctions list and customers who never sign up here.
  const int others = std::max(20, options.count / 5);
  for (int i = 0; i < others; ++i) {
    Person person = MakePerson(reference, 25, kMaxAge);
    const std::string name = absl::StrCat(person.given_names, " ", person.surname);
    batch.sanctions.push_back(
        {"", name, IsoDate(person.date_of_birth), person.country, reference.Pick(kLists)});
    Person customer = MakePerson(reference, 18, kMaxAge);
    batch.customers.push_back(
        {"", absl::StrCat(customer.given_names, " ", customer.surname),
         Email(reference, customer, reference.Pick(kFreeMail)), IsoDate(customer.date_of_birth),
         absl::StrCat("X", reference.Digits(8)), absl::StrCat("CRM-", reference.Digits(6))});
  }
  for (size_t i = 0; i < batch.sanctions.size(); ++i) {
    batch.sanctions[i].entry_id = absl::StrFormat("SL-%04d", i + 1);
  }
  for (size_t i = 0; i < batch.customers.size(); ++i) {
    batch.customers[i].customer_id = absl::StrFormat("CUS-%05d", i + 1);
  }

  std::set<std::string> sanctioned, emails, documents;
  for (const SanctionsEntry& entry : batch.sanctions) {
    sanctioned.insert(Key(entry.full_name, entry.date_of_birth));
  }
  for (const ExistingCustomer& customer : batch.customers) {
    emails.insert(absl::AsciiStrToLower(customer.email));
    documents.insert(customer.document_number);
  }
  for (PlannedSignup& signup : batch.signups) {
    ExpectOutcome(signup, sanctioned, emails, documents);
  }
  return batch;
}

namespace {

absl::Status WriteReferenceData(const std::filesystem::path& dir, const OnboardingBatch& batch) {
  std::string sanctions = "entry_id,full_name,date_of_birth,country,list\n";
  std::string customers =
      "customer_id,full_name,email,date_of_birth,document_number,status,crm_account_id\n";
  std::string sql =
      "-- Reference rows for the onboarding workflow's PostgreSQL tables (schema: "
      "workflows/onboarding/accounts.sql).\n";
  for (const SanctionsEntry& e : batch.sanctions) {
    sanctions += absl::StrCat(e.entry_id, ",", CsvField(e.full_name), ",", e.date_of_birth, ",",
                              e.country, ",", e.list, "\n");
    sql += absl::StrCat(
        "INSERT INTO sanctions (entry_id, full_name, date_of_birth, country, list) VALUES (",
        SqlText(e.entry_id), ", ", SqlText(e.full_name), ", ", SqlText(e.date_of_birth), ", ",
        SqlText(e.country), ", ", SqlText(e.list), ") ON CONFLICT DO NOTHING;\n");
  }
  for (const ExistingCustomer& c : batch.customers) {
    customers +=
        absl::StrCat(c.customer_id, ",", CsvField(c.full_name), ",", c.email, ",", c.date_of_birth,
                     ",", c.document_number, ",active,", c.crm_account_id, "\n");
    sql += absl::StrCat(
        "INSERT INTO customers (customer_id, full_name, email, date_of_birth, document_number, "
        "status, crm_account_id) VALUES (",
        SqlText(c.customer_id), ", ", SqlText(c.full_name), ", ", SqlText(c.email), ", ",
        SqlText(c.date_of_birth), ", ", SqlText(c.document_number), ", 'active', ",
        SqlText(c.crm_account_id), ") ON CONFLICT DO NOTHING;\n");
  }
  RETURN_IF_ERROR(WriteSampleFile(dir / "sanctions.csv", sanctions));
  RETURN_IF_ERROR(WriteSampleFile(dir / "customers.csv", customers));
  return WriteSampleFile(dir / "accounts-data.sql", sql);
}

}  // namespace

absl::StatusOr<OnboardingSummary> GenerateOnboarding(
    const OnboardingOptions& options, const std::function<void(int, int)>& progress) {
  ASSIGN_OR_RETURN(OnboardingBatch batch, PlanOnboarding(options));
  const std::filesystem::path dir(options.out_dir);
  RETURN_IF_ERROR(MakeSampleFolder(dir / "documents"));
  RETURN_IF_ERROR(MakeSampleFolder(dir / "signups"));
  OnboardingSummary summary;
  std::string labels, cases;
  ScanOptions scan;
  scan.dpi = options.dpi;
  for (size_t i = 0; i < batch.signups.size(); ++i) {
    const PlannedSignup& signup = batch.signups[i];
    std::string bytes;
    if (signup.scanned) {
      Rng scan_rng = Rng::ForDocument(options.seed ^ kScanStream, i);
      ASSIGN_OR_RETURN(GreyImage image, ScanPage(signup.layout.page, scan, scan_rng));
      ASSIGN_OR_RETURN(bytes, EncodePng(image));
      ++summary.scanned;
    } else {
      ASSIGN_OR_RETURN(bytes, RenderPdf(signup.layout.page));
    }
    RETURN_IF_ERROR(WriteSampleFile(dir / signup.document_file, bytes));
    OrderedJson body = signup.input;
    body["id_document"] = {{"name", signup.document_file.substr(10)},
                           {"content_base64", absl::Base64Escape(bytes)}};
    const std::string body_text = absl::StrCat(body.dump(2), "\n");
    RETURN_IF_ERROR(
        WriteSampleFile(dir / "signups" / absl::StrCat(signup.signup_id, ".json"), body_text));
    summary.bytes += static_cast<int64_t>(bytes.size() + body_text.size());
    labels += absl::StrCat(
        signup.label.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "\n");
    OrderedJson line = OrderedJson::object();
    line["id"] = signup.signup_id;
    line["input"] = signup.input;
    line["document"] = signup.document_file;
    line["expected"] = {{"route", signup.expected_route},
                        {"reasons", signup.expected_reasons},
                        {"document", signup.label["fields"]}};
    line["slices"] = {{"kind", signup.kind}, {"document_type", signup.document.type}};
    line["source"] = "import:samples";
    cases +=
        absl::StrCat(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "\n");
    ++summary.signups;
    ++summary.by_kind[signup.kind];
    if (progress) progress(static_cast<int>(i + 1), static_cast<int>(batch.signups.size()));
  }
  RETURN_IF_ERROR(WriteSampleFile(dir / "documents" / "labels.jsonl", labels));
  RETURN_IF_ERROR(WriteSampleFile(dir / "documents" / "fields.yaml", kFieldsYaml));
  RETURN_IF_ERROR(WriteSampleFile(dir / "signups.jsonl", cases));
  RETURN_IF_ERROR(WriteReferenceData(dir, batch));
  if (options.history > 0) {
    RiskHistoryOptions history;
    history.count = options.history;
    history.seed = options.seed;
    RETURN_IF_ERROR(WriteSampleFile(dir / "history.csv", RiskHistoryCsv(history)));
  }
  summary.sanctions = static_cast<int>(batch.sanctions.size());
  summary.customers = static_cast<int>(batch.customers.size());
  summary.bytes += static_cast<int64_t>(labels.size() + cases.size());
  return summary;
}

}  // namespace flowline::samples
