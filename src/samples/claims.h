// flowline samples claims: synthetic insurance claim emails with ground truth, for the claims
// triage workflow (workflows/claims/, docs/claims-workflow.md) and the tests of the `llm` step.
//
// A claim is the workflow's JSON input — {id, from, subject, body, received_at, attachments:
// [{name, media_type, text}]} — written as DIR/cases/<id>.json; DIR/claims.jsonl holds every
// case in the JSONL dataset format of docs/datasets.md (the input and the expected fields,
// normalised), DIR/fields.yaml types those fields, and DIR/policies.csv is the policy table the
// workflow checks claims against (`flowline reference load --table policies`).
//
// The emails vary their phrasing per category, write dates and amounts in several formats and
// attach repair estimates, police reports and receipts. A share are suspected frauds (signals
// in the text, or a policy taken out days before a large claim) and a share name a policy that
// is not in the table; some policies have expired or do not cover the claim's category.
// Everything is a function of the options: the same seed gives byte-identical files.
//
// Thread-safe: no shared state.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace flowline::samples {

struct ClaimsOptions {
  int count = 0;                       // claims to generate; required, 1..100000
  std::string out_dir;                 // created if missing
  uint64_t seed = 1;                   // same seed, same claims
  double fraud_share = 0.1;            // share of suspected frauds, [0, 1]
  double unknown_policy_share = 0.05;  // share naming a policy not in the table, [0, 1]
};

// InvalidArgument naming the option, the value and the allowed range; OK otherwise.
absl::Status ValidateClaimsOptions(const ClaimsOptions& options);

struct ClaimPolicy {
  std::string policy_number;  // "PN-448812"
  std::string holder;
  std::vector<std::string> products;  // the categories it covers
  std::string valid_from, valid_to;   // ISO dates
  double limit = 0;
  std::string currency;
  std::string status;  // "active" or "cancelled"
};

struct GeneratedClaim {
  std::string id;  // "C-000017"
  nlohmann::json input;
  // The right answer with its types, as the claims workflow's llm step's output schema wants
  // it: summary, category, claimant_name, policy_number, incident_date (ISO), amount (number),
  // currency, fraud_signals (array of strings).
  nlohmann::json answer;
  // The labelled fields, normalised as docs/datasets.md says (amount "1250.50").
  std::map<std::string, std::string> fields;
  // What the workflow should decide: "suspected_fraud", "fast_track" or "assess", and whether
  // every check passes (policy found, active on the incident date, covers the category, amount
  // within the limit, reported within 90 days).
  std::string route;
  bool checks_pass = true;
};

struct ClaimsBatch {
  std::vector<GeneratedClaim> claims;
  std::vector<ClaimPolicy> policies;
};

// The batch in memory, without writing anything (tests use it as the oracle's truth).
absl::StatusOr<ClaimsBatch> PlanClaims(const ClaimsOptions& options);

// policies.csv: policy_number,holder,products,valid_from,valid_to,limit,currency,status
// (products ';'-joined).
std::string PoliciesCsv(const std::vector<ClaimPolicy>& policies);

// The claims.jsonl line of one claim: {"id", "input", "expected": {"fields", "route",
// "answer"}, "slices": {"category", "route"}, "source": "import:samples"}.
nlohmann::ordered_json ClaimCaseLine(const GeneratedClaim& claim);

struct ClaimsSummary {
  int claims = 0;
  int policies = 0;
  std::map<std::string, int> by_route;     // expected route -> count
  std::map<std::string, int> by_category;  // category -> count
  int unknown_policy = 0;
};

// Generates and writes the batch. Errors: InvalidArgument for bad options; Unavailable naming
// the path when a file cannot be written.
absl::StatusOr<ClaimsSummary> GenerateClaims(const ClaimsOptions& options);

}  // namespace flowline::samples
