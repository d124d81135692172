#include "samples/claims.h"

#include <cmath>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "samples/rng.h"
#include "samples/sample_files.h"

namespace flowline::samples {
namespace {

using Json = nlohmann::json;

const std::vector<std::string> kCategories = {"motor",  "property",  "travel",
                                              "health", "liability", "other"};
const std::vector<std::string> kFirstNames = {
    "Anna",  "Jonas", "Marie", "Lukas", "Sophie", "Tom",   "Elena", "David", "Clara", "Felix",
    "Laura", "Omar",  "Nina",  "Paul",  "Sara",   "Jakob", "Lea",   "Ben",   "Mia",   "Noah"};
const std::vector<std::string> kSurnames = {"Schmidt", "Muller",  "Dubois", "Rossi",  "Jansen",
                                            "Novak",   "Meier",   "Keller", "Brown",  "Wilson",
                                            "Garcia",  "Fischer", "Weber",  "Huber",  "Bauer",
                                            "Moreau",  "Bianchi", "Visser", "Taylor", "Kowalski"};
const std::vector<std::string> kCurrencies = {"EUR", "EUR", "EUR", "GBP", "USD", "CHF"};
const std::vector<std::string> kMonths = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};

struct FraudSignal {
  std::string label;  // what the answer lists
  std::string text;   // how the email says it
};
const std::vector<FraudSignal> kFraudSignals = {
    {"no receipts", "Unfortunately I no longer have any of the receipts."},
    {"cash payment requested", "I would prefer to be paid in cash if at all possible."},
    {"no police report", "There were no witnesses and I did not involve the police."},
    {"pressure to settle quickly",
     "I need this settled by Friday, otherwise I will cancel all my policies with you."},
};

// What happened, per category: the summary's words and the email's, with {date} and {amount}.
struct Incident {
  std::string summary;
  std::string text;
  std::string subject;
};
const std::map<std::string, std::vector<Incident>> kIncidents = {
    {"motor",
     {{"Rear-end collision",
       "on {date} my car was hit from behind while I was waiting at a red light. The rear bumper "
       "and the boot lid are dented; the garage estimates the repair at {amount}.",
       "Car accident"},
      {"Parking damage",
       "when I came back to my car on {date} the driver's door had been scraped in the car park. "
       "The body shop quoted {amount} for the repair.",
       "Damage to my car"}}},
    {"property",
     {{"Water damage in the kitchen",
       "a pipe under the sink burst on {date} and flooded the kitchen. Replacing the floor and "
       "the lower cabinets costs {amount}.",
       "Water damage"},
      {"Storm damage to the roof",
       "the storm on {date} tore several tiles off our roof and rain came into the attic. The "
       "roofer's invoice is {amount}.",
       "Storm damage"}}},
    {"travel",
     {{"Lost luggage",
       "the airline lost my suitcase on my flight on {date} and it never arrived. I had to buy "
       "clothes and toiletries for {amount}.",
       "Lost luggage"},
      {"Trip cancelled",
       "I had to cancel my trip planned for {date} because my mother fell ill. The tour operator "
       "kept {amount} of the price.",
       "Cancelled trip"}}},
    {"health",
     {{"Emergency treatment abroad",
       "I broke my wrist on {date} and was treated at the local hospital. The hospital bill came "
       "to {amount}.",
       "Hospital bill"},
      {"Dental emergency",
       "I had an emergency root canal treatment on {date}. The dentist charged {amount}.",
       "Dentist invoice"}}},
    {"liability",
     {{"Damage to a neighbour's property",
       "on {date} my son kicked a football through our neighbour's window. The glazier charged "
       "the neighbour {amount}.",
       "Broken window at the neighbour's"},
      {"Dog bite",
       "our dog bit a cyclist on {date}. The cyclist's doctor and the repair of his bicycle come "
       "to {amount}.",
       "Claim from a third party"}}},
    {"other",
     {{"Broken phone screen",
       "I dropped my phone on {date} and the screen shattered. The repair shop charges {amount}.",
       "Phone repair"},
      {"Stolen bicycle",
       "my bicycle was stolen from in front of the station on {date}. A new one of the same model "
       "costs {amount}.",
       "Stolen bicycle"}}},
};

std::string Iso(absl::CivilDay day) { return absl::FormatCivilTime(day); }

std::string Grouped(double amount, char thousands, char decimal) {
  const int64_t cents = std::llround(amount * 100);
  std::string whole = absl::StrCat(cents / 100);
  std::string out;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) out.push_back(thousands);
    out.push_back(whole[i]);
  }
  return absl::StrFormat("%s%c%02d", out, decimal, static_cast<int>(cents % 100));
}

// "EUR 1.250,50", "€1,250.50", "$1,250.50", "1,250.50 GBP", "CHF 1'250.50", ...
std::string FormatAmount(Rng& rng, double amount, const std::string& currency) {
  const int style = static_cast<int>(rng.Int(0, 2));
  if (currency == "EUR") {
    if (style == 0) return "EUR " + Grouped(amount, '.', ',');
    if (style == 1) return Grouped(amount, '.', ',') + " \u20ac";
    return "\u20ac" + Grouped(amount, ',', '.');
  }
  if (currency == "USD")
    return style == 0 ? "USD " + Grouped(amount, ',', '.') : "$" + Grouped(amount, ',', '.');
  if (currency == "GBP")
    return style == 0 ? Grouped(amount, ',', '.') + " GBP" : "\u00a3" + Grouped(amount, ',', '.');
  return "CHF " + Grouped(amount, '\'', '.');
}

// "2026-03-02", "02.03.2026", "2 March 2026", "March 2, 2026".
std::string FormatDate(Rng& rng, absl::CivilDay day) {
  const std::string& month = kMonths[static_cast<size_t>(day.month() - 1)];
  switch (rng.Int(0, 3)) {
    case 0:
      return Iso(day);
    case 1:
      return absl::StrFormat("%02d.%02d.%04d", day.day(), day.month(), day.year());
    case 2:
      return absl::StrFormat("%d %s %04d", day.day(), month, day.year());
    default:
      return absl::StrFormat("%s %d, %04d", month, day.day(), day.year());
  }
}

std::string Fill(const std::string& text, const std::string& date, const std::string& amount) {
  return absl::StrReplaceAll(text, {{"{date}", date}, {"{amount}", amount}});
}

double AmountFor(Rng& rng, const std::string& category) {
  static const std::map<std::string, std::pair<double, double>> kRanges = {
      {"motor", {300, 9000}},  {"property", {200, 25000}},  {"travel", {80, 3000}},
      {"health", {100, 6000}}, {"liability", {200, 15000}}, {"other", {50, 1500}}};
  const auto& [lo, hi] = kRanges.at(category);
  // Half the claims are small: the fast track must have cases.
  const double top = rng.Chance(0.5) ? std::min(hi, 1500.0) : hi;
  return std::round(rng.Real(lo, top) * 100) / 100;
}

std::string PolicyNumber(Rng& rng) { return "PN-" + rng.Digits(6); }

Json Attachment(std::string name, std::string text) {
  return {{"name", std::move(name)}, {"media_type", "text/plain"}, {"text", std::move(text)}};
}

GeneratedClaim MakeClaim(const ClaimsOptions& options, int index, ClaimPolicy& policy,
                         bool& in_table) {
  Rng rng = Rng::ForDocument(options.seed, static_cast<uint64_t>(index));
  GeneratedClaim claim;
  claim.id = absl::StrFormat("C-%06d", index + 1);
  const std::string first = rng.Pick(kFirstNames), last = rng.Pick(kSurnames);
  const std::string name = absl::StrCat(first, " ", last);
  const std::string& category = rng.Pick(kCategories);
  const Incident& incident = rng.Pick(kIncidents.at(category));
  const absl::CivilDay day = absl::CivilDay(2026, 1, 1) + rng.Int(0, 280);
  const bool fraud = rng.Chance(options.fraud_share);
  const bool fraud_by_new_policy = fraud && rng.Chance(0.5);
  in_table = !rng.Chance(options.unknown_policy_share);
  double amount = AmountFor(rng, category);

  policy.policy_number = PolicyNumber(rng);
  policy.holder = name;
  policy.currency = rng.Pick(kCurrencies);
  policy.limit = static_cast<double>(rng.Int(1, 10) * 5000);
  policy.products = {category};
  for (const std::string& other : kCategories) {
    if (other != category && rng.Chance(0.3)) policy.products.push_back(other);
  }
  const bool not_covered = rng.Chance(0.05);
  if (not_covered) policy.products.erase(policy.products.begin());
  if (policy.products.empty()) policy.products.push_back(category == "other" ? "motor" : "other");
  absl::CivilDay from = day - rng.Int(60, 1500);
  if (fraud_by_new_policy) {
    from = day - rng.Int(3, 25);
    amount = std::round(policy.limit * rng.Real(0.55, 0.95) * 100) / 100;
  }
  absl::CivilDay to = from + 365 * rng.Int(1, 3);
  while (to < day) to += 365;
  if (rng.Chance(0.05) && !fraud_by_new_policy) to = day - rng.Int(5, 100);  // expired
  policy.valid_from = Iso(from);
  policy.valid_to = Iso(to);
  policy.status = rng.Chance(0.02) ? "cancelled" : "active";
  if (rng.Chance(0.03)) amount = policy.limit + static_cast<double>(rng.Int(100, 2000));

  std::vector<std::string> signals;
  if (fraud && !fraud_by_new_policy) {
    const size_t first_signal = rng.Index(kFraudSignals.size());
    signals.push_back(kFraudSignals[first_signal].label);
    if (rng.Chance(0.4)) {
      signals.push_back(kFraudSignals[(first_signal + 1) % kFraudSignals.size()].label);
    }
  }
  const int report_days =
      rng.Chance(0.03) ? static_cast<int>(rng.Int(95, 200)) : static_cast<int>(rng.Int(0, 30));
  const absl::CivilDay received = day + report_days;

  const std::string amount_text = FormatAmount(rng, amount, policy.currency);
  const std::string date_text = FormatDate(rng, day);
  std::string body = rng.Chance(0.5) ? "Dear claims team,\n\n" : "Hello,\n\n";
  absl::StrAppend(&body,
                  "I am writing to report a claim: ", Fill(incident.text, date_text, amount_text),
                  "\n\n");
  switch (rng.Int(0, 2)) {
    case 0:
      absl::StrAppend(&body, "My policy number is ", policy.policy_number, ".\n");
      break;
    case 1:
      absl::StrAppend(&body, "Policy no. ", policy.policy_number, "\n");
      break;
    default:
      absl::StrAppend(&body, "(insured under policy ", policy.policy_number, ")\n");
  }
  for (const std::string& label : signals) {
    for (const FraudSignal& signal : kFraudSignals) {
      if (signal.label == label) absl::StrAppend(&body, signal.text, "\n");
    }
  }
  absl::StrAppend(&body, "\n", rng.Chance(0.5) ? "Kind regards,\n" : "Best wishes,\n", name, "\n");

  Json attachments = Json::array();
  const int64_t attached = rng.Int(0, 2);
  if (attached >= 1) {
    if (category == "motor" || category == "property") {
      attachments.push_back(Attachment(
          "repair_estimate.txt",
          absl::StrCat("REPAIR ESTIMATE\nCustomer: ", name, "\nDate of damage: ", Iso(day),
                       "\nTotal estimate: ", amount_text, "\n")));
    } else {
      attachments.push_back(
          Attachment("receipt.txt", absl::StrCat("RECEIPT\nIssued to: ", name, "\nDate: ", Iso(day),
                                                 "\nAmount paid: ", amount_text, "\n")));
    }
  }
  if (attached >= 2) {
    attachments.push_back(Attachment(
        "police_report.txt", absl::StrCat("POLICE REPORT no. ", rng.Digits(7), "\nReported by: ",
                                          name, "\nIncident date: ", FormatDate(rng, day), "\n")));
  }

  claim.input = {{"id", claim.id},
                 {"from", absl::StrCat(name, " <", first, ".", last, "@example.com>")},
                 {"subject", absl::StrCat(incident.subject, " - policy ", policy.policy_number)},
                 {"received_at", absl::StrCat(Iso(received), "T09:14:00Z")},
                 {"body", body},
                 {"attachments", attachments}};
  const std::string amount_normalised = absl::StrFormat("%.2f", amount);
  claim.answer = {{"summary", absl::StrCat(incident.summary, " on ", Iso(day), ", claimed ",
                                           amount_normalised, " ", policy.currency, ".")},
                  {"category", category},
                  {"claimant_name", name},
                  {"policy_number", policy.policy_number},
                  {"incident_date", Iso(day)},
                  {"amount", amount},
                  {"currency", policy.currency},
                  {"fraud_signals", signals}};
  claim.fields = {{"policy_number", policy.policy_number},
                  {"claimant_name", name},
                  {"category", category},
                  {"incident_date", Iso(day)},
                  {"amount", amount_normalised},
                  {"currency", policy.currency}};
  // The workflow sees the policy only when it is in the table.
  const bool new_policy = in_table && day - from < 30;
  if (!signals.empty() || (new_policy && amount > 0.5 * policy.limit)) {
    claim.route = "suspected_fraud";
  } else if (amount <= 1500 && category != "liability") {
    claim.route = "fast_track";
  } else {
    claim.route = "assess";
  }
  const bool active = policy.status == "active" && from <= day && day <= to;
  claim.checks_pass =
      in_table && active && !not_covered && amount <= policy.limit && report_days <= 90;
  return claim;
}

constexpr char kFieldsYaml[] =
    "# The fields of the claims workflow's llm step that evaluation scores (docs/datasets.md).\n"
    "fields:\n"
    "  policy_number: id\n"
    "  claimant_name: text\n"
    "  category: text\n"
    "  incident_date: date\n"
    "  amount: amount\n"
    "  currency: currency\n";

}  // namespace

absl::Status ValidateClaimsOptions(const ClaimsOptions& options) {
  RETURN_IF_ERROR(CheckCountAndOut(options.count, options.out_dir));
  RETURN_IF_ERROR(CheckShare("--fraud-share", options.fraud_share));
  return CheckShare("--unknown-policy-share", options.unknown_policy_share);
}

absl::StatusOr<ClaimsBatch> PlanClaims(const ClaimsOptions& options) {
  RETURN_IF_ERROR(ValidateClaimsOptions(options));
  ClaimsBatch batch;
  for (int i = 0; i < options.count; ++i) {
    ClaimPolicy policy;
    bool in_table = true;
    batch.claims.push_back(MakeClaim(options, i, policy, in_table));
    if (in_table) batch.policies.push_back(std::move(policy));
  }
  return batch;
}

std::string PoliciesCsv(const std::vector<ClaimPolicy>& policies) {
  std::string csv = "policy_number,holder,products,valid_from,valid_to,limit,currency,status\n";
  for (const ClaimPolicy& p : policies) {
    absl::StrAppend(&csv, p.policy_number, ",", p.holder, ",", absl::StrJoin(p.products, ";"), ",",
                    p.valid_from, ",", p.valid_to, ",", absl::StrFormat("%.2f", p.limit), ",",
                    p.currency, ",", p.status, "\n");
  }
  return csv;
}

nlohmann::ordered_json ClaimCaseLine(const GeneratedClaim& claim) {
  nlohmann::ordered_json line;
  line["id"] = claim.id;
  line["input"] = claim.input;
  line["expected"]["fields"] = claim.fields;
  line["expected"]["route"] = claim.route;
  line["expected"]["checks_pass"] = claim.checks_pass;
  line["expected"]["answer"] = claim.answer;
  line["slices"] = {{"category", claim.answer["category"]}, {"route", claim.route}};
  line["source"] = "import:samples";
  return line;
}

absl::StatusOr<ClaimsSummary> GenerateClaims(const ClaimsOptions& options) {
  ASSIGN_OR_RETURN(ClaimsBatch batch, PlanClaims(options));
  const std::filesystem::path dir(options.out_dir);
  std::error_code error;
  std::filesystem::create_directories(dir / "cases", error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create ", Sv((dir / "cases").string()), ": ", Sv(error.message())));
  }
  ClaimsSummary summary;
  std::string lines;
  for (const GeneratedClaim& claim : batch.claims) {
    RETURN_IF_ERROR(
        WriteSampleFile(dir / "cases" / (claim.id + ".json"), claim.input.dump(2) + "\n"));
    absl::StrAppend(&lines, ClaimCaseLine(claim).dump(), "\n");
    ++summary.claims;
    ++summary.by_route[claim.route];
    ++summary.by_category[claim.answer["category"].get<std::string>()];
  }
  summary.policies = static_cast<int>(batch.policies.size());
  summary.unknown_policy = summary.claims - summary.policies;
  RETURN_IF_ERROR(WriteSampleFile(dir / "claims.jsonl", lines));
  RETURN_IF_ERROR(WriteSampleFile(dir / "fields.yaml", kFieldsYaml));
  RETURN_IF_ERROR(WriteSampleFile(dir / "policies.csv", PoliciesCsv(batch.policies)));
  return summary;
}

}  // namespace flowline::samples
