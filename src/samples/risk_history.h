// The onboarding risk history: past sign-ups with their outcome, generated with known structure,
// for `flowline train score` (the `onboarding-risk` model of workflows/onboarding/) and the
// tests of the `score` step.
//
// One CSV row per past sign-up (header first): customer_id, age, country, document_type,
// document_days_to_expiry, email_domain, sanctions_similarity, existing_customer,
// expected_monthly_volume, id_confidence, outcome ("good" or "bad"; bad is the positive class).
// The columns are the features the onboarding workflow passes to its `score` step (docs/models.md,
// "The onboarding risk history"). An outcome is drawn from a logistic model of the features: risk
// rises with sanctions similarity, a disposable e-mail domain, an existing customer (a duplicate),
// a low ID-reading confidence, an expired or nearly expired document, a very high declared volume,
// an offshore country and youth; about 16% of sign-ups are bad. The draw keeps noise: the
// generating model's own log-odds rank the outcomes with an AUC of about 0.82 (measured on 2,000
// and 10,000 rows), the ceiling for any model trained on these rows.
//
// Everything is a function of the options: the same seed gives byte-identical text.
// Thread-safe: no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flowline::samples {

struct RiskHistoryOptions {
  int count = 2000;   // rows; values below 1 give the header alone
  uint64_t seed = 7;  // same seed, same rows
};

// The feature columns, in file order: every column but customer_id and outcome.
const std::vector<std::string>& RiskHistoryFeatures();

// The whole CSV file, header first, LF line ends.
std::string RiskHistoryCsv(const RiskHistoryOptions& options);

}  // namespace flowline::samples
