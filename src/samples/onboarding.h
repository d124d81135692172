// flowline samples onboarding: synthetic customer sign-ups with identity documents and the
// business's reference data, for the onboarding workflow (workflows/onboarding/,
// docs/onboarding.md).
//
// A sign-up is the webhook body the workflow receives — {signup_id, full_name, email,
// date_of_birth, country, document_type, expected_monthly_volume, submitted_at, id_document:
// {name, content_base64}} — written as DIR/signups/<signup_id>.json. Its identity document is
// also written to DIR/documents/ (PNG scans and some PDFs) with DIR/documents/labels.jsonl and
// fields.yaml, the dataset `flowline train extract` and `flowline eval` read (fields full_name
// (text), date_of_birth, expiry_date (dates), document_number (id)). DIR/signups.jsonl lists every
// sign-up with what the workflow should decide and why (the sign-up's kind).
//
// Kinds: clean; expired (the document expired before the sign-up); mismatch (the sign-up's name
// or date of birth differs from the document's); sanctioned (the person is on the sanctions
// list); existing (the email or document already belongs to a customer); risky (a disposable
// email address and a very high declared volume: the risk model's territory, not a rule's).
//
// DIR/history.csv is the risk history `flowline train score` learns the onboarding-risk model
// from (samples/risk_history.h: past sign-ups' features and outcomes).
//
// Reference data for the PostgreSQL tables of workflows/onboarding/accounts.sql:
// DIR/sanctions.csv, DIR/customers.csv and DIR/accounts-data.sql (the same rows as INSERTs).
//
// Everything is a function of the options: the same seed gives byte-identical files.
// Thread-safe: no shared state.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "samples/id_document.h"

namespace flowline::samples {

struct OnboardingOptions {
  int count = 0;                 // sign-ups (one identity document each); required, 1..100000
  std::string out_dir;           // created if missing
  uint64_t seed = 1;             // same seed, same files
  double scanned_share = 0.75;   // share of identity documents as scanned PNGs (else PDFs), [0, 1]
  double expired_share = 0.08;   // share of sign-ups with an expired document, [0, 1]
  double mismatch_share = 0.08;  // share whose name or date of birth differs from the document
  double sanctioned_share = 0.04;  // share of persons on the sanctions list, [0, 1]
  double existing_share = 0.05;    // share that are already customers, [0, 1]
  double risky_share = 0.08;       // share with a high-risk profile, [0, 1]
  double dpi = 200;                // scan resolution, 72..600
  int history = 2000;  // rows of DIR/history.csv (risk_history.h), 0..1000000; 0: no file
};

// InvalidArgument naming the option, the value and the allowed range; OK otherwise.
absl::Status ValidateOnboardingOptions(const OnboardingOptions& options);

struct SanctionsEntry {
  std::string entry_id;  // "SL-0007"
  std::string full_name;
  std::string date_of_birth;  // ISO
  std::string country;
  std::string list;  // "EU", "UN", "OFAC"
};

struct ExistingCustomer {
  std::string customer_id;  // "CUS-00012"
  std::string full_name;
  std::string email;
  std::string date_of_birth;  // ISO
  std::string document_number;
  std::string crm_account_id;
};

struct PlannedSignup {
  std::string signup_id;      // "S-00001"
  std::string kind;           // clean | expired | mismatch | sanctioned | existing | risky
  std::string document_file;  // "documents/id-00001.png", relative to out_dir
  bool scanned = false;
  nlohmann::ordered_json input;  // the webhook body without id_document
  IdDocument document;
  LaidOutDocument layout;
  nlohmann::ordered_json label;  // the documents/labels.jsonl line
  // What the workflow should decide without the risk model: "review" with the failed checks
  // (document_expired, name_mismatch, date_of_birth_mismatch, sanctions_match,
  // existing_customer), else "activate"; risky sign-ups are "activate" here, as only the model
  // tells them apart.
  std::string expected_route;
  std::vector<std::string> expected_reasons;
};

struct OnboardingBatch {
  std::vector<PlannedSignup> signups;
  std::vector<SanctionsEntry> sanctions;
  std::vector<ExistingCustomer> customers;
};

// The batch in memory, without rendering or writing anything.
absl::StatusOr<OnboardingBatch> PlanOnboarding(const OnboardingOptions& options);

struct OnboardingSummary {
  int signups = 0;
  int scanned = 0;
  int sanctions = 0;
  int customers = 0;
  std::map<std::string, int> by_kind;
  int64_t bytes = 0;
};

// Renders and writes the batch. `progress` (may be empty) is called after each sign-up with
// (done, total). Errors: InvalidArgument for bad options; Unavailable naming the path when a
// file cannot be written.
absl::StatusOr<OnboardingSummary> GenerateOnboarding(
    const OnboardingOptions& options, const std::function<void(int, int)>& progress = {});

}  // namespace flowline::samples
