// Synthetic invoice streams for drift tests and measurements (docs/drift.md, "Measured"): a
// day-by-day stream of cases with what the invoice workflow's monitored features would see
// (amount, vendor, currency, document type, OCR and extraction confidence, straight-through),
// with an optional shift planted from a given day.
//
// Cases are drawn (with replacement) from a pool of real invoices' figures when the shared data
// set is there (CasePool::FromSharedData: FCC ad-buy invoices, ZUGFeRD e-invoices, SROIE
// receipts, invoice2data), or from a built-in pool that mimics them (CasePool::Synthetic: a
// skewed vendor mix, log-normal amounts). Amounts get a ±15% log-normal jitter so that no two
// cases repeat exactly.
//
// Deterministic: the same options give the same stream. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/store.h"

namespace flowline::monitor::testing {

struct PoolCase {
  double total = 0;
  std::string vendor;
  std::string currency;
};

struct CasePool {
  std::string name;
  std::vector<PoolCase> cases;

  // 60 vendors with Zipf-like frequencies, amounts log-normal (median ~650), EUR/USD/GBP.
  static CasePool Synthetic();
  // The labelled invoices under `data_dir` (../shared/data). NotFound when it is absent;
  // InvalidArgument naming the file for a label it cannot read.
  static absl::StatusOr<CasePool> FromSharedData(const std::string& data_dir);
};

enum class Shift {
  kNone,
  kAmountsTimesThree,     // every amount ×3
  kNewVendorMix,          // 40% of cases from five vendors never seen before
  kOcrConfidenceFalls,    // scanned documents' OCR confidence 0.12 lower
  kStraightThroughDrops,  // straight-through 70% → 55%
};

const char* ShiftName(Shift shift);

struct StreamCase {
  absl::Time at;
  double total = 0;
  std::string vendor;
  std::string currency;
  std::string label;              // document type: invoice, receipt, other
  double label_confidence = 0;    // the classifier's
  double ocr_confidence = 1;      // the read step's (1 for a PDF with a text layer)
  double extract_confidence = 0;  // the extraction's (lowest field)
  bool straight_through = false;
};

struct StreamOptions {
  uint64_t seed = 1;
  absl::Time start = absl::FromUnixSeconds(1767225600);  // 2026-01-01T00:00:00Z
  int days = 35;
  int cases_per_day = 100;
  Shift shift = Shift::kNone;
  int shift_day = 28;  // cases on this day and after are shifted
};

std::vector<StreamCase> GenerateStream(const CasePool& pool, const StreamOptions& options);

// A workflow whose one monitored feature is `input.amount` (derived from its input schema), for
// tests of the drift check through the command line and the API; alerts go to
// https://hooks.example/drift.
inline constexpr char kAmountSpec[] = R"(workflow: scored
input:
  schema:
    type: object
    properties:
      amount: { type: number }
steps:
  - id: noop
    uses: script
    with: { code: "return {}" }
monitor:
  notify: https://hooks.example/drift
  thresholds: { min_samples: 50 }
)";

// Writes 20 runs a day of kAmountSpec's workflow (`version`) for the 21 days before `now`, each
// with its run.created record at its time and input {"amount": x}: amounts log-normal around
// 200, three times that in the last 7 days. A drift check at `now` finds input.amount drifted.
absl::Status WriteAmountHistory(store::Store& store, const std::string& version, absl::Time now);

}  // namespace flowline::monitor::testing
