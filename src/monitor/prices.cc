#include "monitor/prices.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "common/yaml_problems.h"
#include "yaml-cpp/yaml.h"

namespace flowline::monitor {
namespace {

using common::CheckYamlMapping;
using Problems = common::YamlProblems;

std::optional<absl::Time> Day(const YAML::Node& node, Problems& problems) {
  absl::Time time;
  std::string error;
  if (node.IsScalar() && (absl::ParseTime("%Y-%m-%d", node.Scalar(), &time, &error) ||
                          absl::ParseTime(absl::RFC3339_full, node.Scalar(), &time, &error))) {
    return time;
  }
  problems.Add(node.Mark(),
               "from must be a date (UTC), e.g. from: 2024-07-18, or a time such as "
               "2024-07-18T12:00:00Z");
  return std::nullopt;
}

}  // namespace

absl::StatusOr<PriceTable> PriceTable::Parse(std::string_view yaml, std::string_view file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return common::YamlSyntaxError(file, e);
  }
  Problems problems(file);
  PriceTable table;
  if (!CheckYamlMapping(root, "the price table", {"currency", "models", "people"}, problems)) {
    return problems.ToStatus();
  }
  if (const YAML::Node currency = root["currency"];
      currency && currency.IsScalar() && !currency.Scalar().empty()) {
    table.currency_ = currency.Scalar();
  } else {
    problems.Add(currency ? currency.Mark() : root.Mark(),
                 "the price table needs a currency, e.g. currency: EUR");
  }
  if (const YAML::Node models = root["models"]) {
    if (!models.IsSequence()) {
      problems.Add(models.Mark(), "models must be a list of entries (- model: ..., from: ...)");
    } else {
      for (const YAML::Node& entry : models) {
        if (!CheckYamlMapping(entry, "a models entry",
                              {"model", "from", "per_call", "input_per_million_tokens",
                               "output_per_million_tokens"},
                              problems)) {
          continue;
        }
        const YAML::Node model = entry["model"];
        if (!model || !model.IsScalar() || model.Scalar().empty()) {
          problems.Add(entry.Mark(), "a models entry needs model: NAME (e.g. model: ai:extract)");
          continue;
        }
        ModelPrice price;
        if (const YAML::Node from = entry["from"]) {
          if (auto day = Day(from, problems)) price.from = *day;
        } else {
          price.from = absl::InfinitePast();
        }
        price.per_call = common::YamlNonNegativeNumberOr0(entry, "per_call", problems);
        price.input_per_million_tokens =
            common::YamlNonNegativeNumberOr0(entry, "input_per_million_tokens", problems);
        price.output_per_million_tokens =
            common::YamlNonNegativeNumberOr0(entry, "output_per_million_tokens", problems);
        std::vector<ModelPrice>& prices = table.models_[model.Scalar()];
        for (const ModelPrice& earlier : prices) {
          if (earlier.from == price.from) {
            problems.Add(entry.Mark(),
                         absl::StrCat("model ", model.Scalar(),
                                      " has two prices from the same time; give the newer one a "
                                      "later from"));
          }
        }
        prices.push_back(price);
      }
    }
  }
  if (const YAML::Node people = root["people"]) {
    if (!people.IsSequence()) {
      problems.Add(people.Mark(),
                   "people must be a list of entries (- from: ..., hourly_rate: ...)");
    } else {
      for (const YAML::Node& entry : people) {
        if (!CheckYamlMapping(entry, "a people entry", {"from", "hourly_rate"}, problems)) continue;
        absl::Time from = absl::InfinitePast();
        if (entry["from"]) from = Day(entry["from"], problems).value_or(absl::InfinitePast());
        if (!entry["hourly_rate"]) {
          problems.Add(entry.Mark(), "a people entry needs hourly_rate, e.g. hourly_rate: 42.5");
          continue;
        }
        if (auto rate =
                common::YamlNonNegativeNumber(entry["hourly_rate"], "hourly_rate", problems)) {
          table.hourly_.emplace_back(from, *rate);
        }
      }
    }
  }
  if (!problems.empty()) return problems.ToStatus();
  for (auto& [model, prices] : table.models_) {
    std::sort(prices.begin(), prices.end(),
              [](const ModelPrice& a, const ModelPrice& b) { return a.from < b.from; });
  }
  std::sort(table.hourly_.begin(), table.hourly_.end());
  return table;
}

absl::StatusOr<PriceTable> PriceTable::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the price table ", path, " (docs/measures.md shows the format)"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

absl::StatusOr<std::optional<PriceTable>> PriceTable::LoadIfGiven(const std::string& path) {
  if (path.empty()) return std::nullopt;
  ASSIGN_OR_RETURN(PriceTable table, Load(path));
  return table;
}

PriceTable PriceTable::WithCurrency(std::string currency) {
  PriceTable table;
  table.currency_ = std::move(currency);
  return table;
}

void PriceTable::AddDefaultModelPrice(const std::string& model, ModelPrice price) {
  price.from = absl::InfinitePast();
  models_.try_emplace(model, std::vector<ModelPrice>{price});
}

const ModelPrice* PriceTable::Model(const std::string& model, absl::Time at) const {
  auto it = models_.find(model);
  if (it == models_.end()) return nullptr;
  const ModelPrice* found = nullptr;
  for (const ModelPrice& price : it->second) {
    if (price.from <= at) found = &price;
  }
  return found;
}

std::optional<double> PriceTable::HourlyRate(absl::Time at) const {
  std::optional<double> found;
  for (const auto& [from, rate] : hourly_) {
    if (from <= at) found = rate;
  }
  return found;
}

}  // namespace flowline::monitor
