// The price table: what model use and people's time cost, with the dates each price holds from,
// so that a period is costed at the prices of its time (docs/measures.md has the format).
//
//   currency: EUR
//   models:
//     - model: gpt-4o-mini            # as a step reports it, or a step's actor ("ai:extract")
//       from: 2024-07-18              # in effect from this day (UTC) until the model's next entry
//       input_per_million_tokens: 0.15
//       output_per_million_tokens: 0.60
//       per_call: 0
//   people:
//     - from: 2024-01-01
//       hourly_rate: 42.50
//
// The file is versioned by its entries: a price change is a new entry with a later `from`, and
// the old one keeps costing the periods before it. Immutable after loading; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace flowline::monitor {

struct ModelPrice {
  absl::Time from;
  double per_call = 0;
  double input_per_million_tokens = 0;
  double output_per_million_tokens = 0;
};

class PriceTable {
 public:
  // Parses the YAML text of a price table. InvalidArgument naming `file`:line:column, what is
  // wrong and how to write it, for every problem found.
  static absl::StatusOr<PriceTable> Parse(std::string_view yaml, std::string_view file);
  // Reads and parses a file. NotFound if it does not exist.
  static absl::StatusOr<PriceTable> Load(const std::string& path);
  // Load(path), or nullopt for an empty path (no price table given).
  static absl::StatusOr<std::optional<PriceTable>> LoadIfGiven(const std::string& path);
  // An empty table in `currency`: for prices that come only from elsewhere (the model
  // providers' prices in providers.yaml, when no --prices file is given).
  static PriceTable WithCurrency(std::string currency);

  // Prices `model` at `price` for all time (its `from` is ignored) unless the table already
  // prices the model: the price file, which is versioned by date, wins over defaults such as
  // the providers' prices ("openai/gpt-4o-mini"). Only while building the table, before it is
  // shared.
  void AddDefaultModelPrice(const std::string& model, ModelPrice price);

  const std::string& currency() const { return currency_; }
  // The price of `model` in effect at `at`: its entry with the latest `from` not after `at`.
  // Null when the table has none.
  const ModelPrice* Model(const std::string& model, absl::Time at) const;
  // People's hourly rate in effect at `at`; nullopt when the table has none.
  std::optional<double> HourlyRate(absl::Time at) const;

 private:
  std::string currency_;
  std::map<std::string, std::vector<ModelPrice>> models_;  // each sorted by `from`
  std::vector<std::pair<absl::Time, double>> hourly_;      // sorted by time
};

}  // namespace flowline::monitor
