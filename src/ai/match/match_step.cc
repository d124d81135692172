#include "ai/match/match_step.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "ai/match/reference_matcher.h"
#include "ai/match/reference_pool.h"
#include "ai/match/reference_store.h"
#include "common/strings.h"
#include "steps/params.h"

namespace flowline::ai {
namespace {

using steps::DescribeValue;
using steps::ParamReader;
using steps::StepOutcome;

// A runner-up this far behind (or further) no longer lowers a match's confidence.
constexpr double kClearMargin = 0.2;

struct Settings {
  std::string table;
  MatchQuery query;
  double min_score = 0.6;
  std::string reference;
};

// A number, or a decimal string such as "1469.06" (amounts are normalised to strings).
std::optional<double> AsNumber(const Json& v) {
  if (v.is_number()) return v.get<double>();
  double d;
  if (v.is_string() && absl::SimpleAtod(v.get<std::string>(), &d) && std::isfinite(d)) return d;
  return std::nullopt;
}

void CheckKeys(ParamReader& r, const Json& object, std::string_view param,
               std::initializer_list<std::string_view> keys, std::string_view form) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      r.Error(absl::StrCat(Sv(param), ".", key),
              absl::StrCat("unknown ", Sv(param), " field \"", key, "\""), std::string(form));
    }
  }
}

void ReadAmount(ParamReader& r, const Json& amount, Settings* s) {
  constexpr std::string_view kForm =
      "write amount: {column: total, value: ${{ ... }}, tolerance: 0.01 or \"2%\"}";
  if (!amount.is_object()) {
    r.Error("amount", absl::StrCat("`amount` must be a mapping, got ", DescribeValue(amount)),
            std::string(kForm));
    return;
  }
  CheckKeys(r, amount, "amount", {"column", "value", "tolerance"}, kForm);
  AmountFilter filter;
  const Json column = amount.value("column", Json());
  if (!column.is_string() || column.get<std::string>().empty() || r.Deferred(column)) {
    r.Error("amount.column", "`amount.column` must name a number column, as written",
            std::string(kForm));
  } else {
    filter.column = column.get<std::string>();
  }
  const Json value = amount.value("value", Json());
  std::optional<double> number = AsNumber(value);
  if (!r.Deferred(value) && !number.has_value()) {
    r.Error("amount.value",
            absl::StrCat("`amount.value` must be a number, got ", DescribeValue(value)),
            std::string(kForm));
  }
  filter.value = number.value_or(0);
  const Json tolerance = amount.value("tolerance", Json(0.01));
  if (r.Deferred(tolerance)) return;
  double percent = 0;
  absl::string_view text =
      tolerance.is_string() ? absl::string_view(tolerance.get_ref<const std::string&>()) : "";
  if (tolerance.is_number() && tolerance.get<double>() >= 0) {
    filter.tolerance = tolerance.get<double>();
  } else if (absl::ConsumeSuffix(&text, "%") && absl::SimpleAtod(text, &percent) && percent >= 0 &&
             percent <= 100) {
    filter.tolerance = std::abs(filter.value) * percent / 100;
  } else {
    r.Error("amount.tolerance",
            absl::StrCat("`amount.tolerance` must be an amount >= 0 or a percentage like \"2%\", "
                         "got ",
                         DescribeValue(tolerance)));
  }
  s->query.amount = filter;
}

void ReadDate(ParamReader& r, const Json& date, Settings* s) {
  constexpr std::string_view kForm =
      "write date: {column: order_date, value: ${{ ... }}, tolerance_days: 7}";
  if (!date.is_object()) {
    r.Error("date", absl::StrCat("`date` must be a mapping, got ", DescribeValue(date)),
            std::string(kForm));
    return;
  }
  CheckKeys(r, date, "date", {"column", "value", "tolerance_days"}, kForm);
  DateFilter filter;
  const Json column = date.value("column", Json());
  if (!column.is_string() || column.get<std::string>().empty() || r.Deferred(column)) {
    r.Error("date.column", "`date.column` must name a date column, as written", std::string(kForm));
  } else {
    filter.column = column.get<std::string>();
  }
  const Json value = date.value("value", Json());
  if (!r.Deferred(value)) {
    const std::string text = value.is_string() ? value.get<std::string>() : "";
    int y, m, d;
    if (text.size() >= 10 && std::sscanf(text.c_str(), "%4d-%2d-%2d", &y, &m, &d) == 3 && m >= 1 &&
        m <= 12 && d >= 1 && d <= 31) {
      filter.date = text.substr(0, 10);
    } else {
      r.Error("date.value", absl::StrCat("`date.value` must be an ISO date (2026-03-14), got ",
                                         DescribeValue(value)));
    }
  }
  const Json days = date.value("tolerance_days", Json(0));
  if (!r.Deferred(days)) {
    if (!days.is_number() || days.get<double>() < 0 || days.get<double>() > 3660) {
      r.Error("date.tolerance_days", absl::StrCat("`date.tolerance_days` must be a number of days "
                                                  ">= 0, got ",
                                                  DescribeValue(days)));
    } else {
      filter.tolerance_days = static_cast<int>(days.get<double>());
    }
  }
  s->query.date = filter;
}

Settings ReadSettings(ParamReader& r, const std::string& default_reference) {
  Settings s;
  s.reference = default_reference;
  if (std::optional<std::string> table = r.String("table")) {
    if (absl::Status ok = CheckTableName(*table); !ok.ok()) {
      r.Error("table", std::string(ok.message()));
    } else {
      s.table = *table;
    }
  }
  if (r.stage() == ParamReader::Stage::kPrepare && !r.Has("value")) {
    // Required in the spec; at run time a null value (nothing extracted) is simply no match.
    r.Error("value", "missing required parameter \"value\"",
            "add `value:` under `with:`, e.g. value: ${{ "
            "steps.extract.output.fields.vendor_name.value }}");
  }
  if (const Json* value = r.Get("value")) {
    if (value->is_string()) {
      s.query.value = value->get<std::string>();
    } else if (value->is_number()) {
      s.query.value = value->dump();
    } else if (!value->is_null()) {
      r.Error("value", absl::StrCat("`value` must be text, got ", DescribeValue(*value)));
    }
  }
  if (const Json* fields = r.Get("fields")) {
    for (size_t i = 0; i < fields->size(); ++i) {
      const Json& field = (*fields)[i];
      if (r.Deferred(field)) continue;
      if (!field.is_string() || field.get<std::string>().empty()) {
        r.Error(absl::StrCat("fields.", i), "each field must be a column name",
                "e.g. fields: [name, trading_name]");
      } else {
        s.query.fields.push_back(field.get<std::string>());
      }
    }
  }
  if (const Json* amount = r.Get("amount")) ReadAmount(r, *amount, &s);
  if (const Json* date = r.Get("date")) ReadDate(r, *date, &s);
  if (const Json* min_score = r.Get("min_score")) {
    if (min_score->get<double>() < 0 || min_score->get<double>() > 1) {
      r.Error("min_score",
              absl::StrCat("`min_score` must be between 0 and 1, got ", DescribeValue(*min_score)));
    } else {
      s.min_score = min_score->get<double>();
    }
  }
  if (std::optional<std::string> reference = r.String("reference")) {
    if (reference->empty()) {
      r.Error("reference", "`reference` is empty", "name the reference database file");
    } else {
      s.reference = *reference;
    }
  }
  return s;
}

class PreparedMatch final : public steps::PreparedStep {
 public:
  PreparedMatch(const steps::StepKindInfo& info, std::string default_reference)
      : info_(info),
        default_reference_(default_reference),
        pool_(std::make_unique<ReferencePool>(std::move(default_reference))) {}

  StepOutcome Execute(const steps::StepContext& ctx) const override {
    const Json empty = Json::object();
    ParamReader r(info_, ctx.params != nullptr ? *ctx.params : empty, ParamReader::Stage::kExecute);
    const Settings s = ReadSettings(r, default_reference_);
    if (!r.ok()) return StepOutcome::Failed(r.Summary());

    absl::StatusOr<ReferencePool::Lease> lease = pool_->Acquire();
    if (!lease.ok()) return StepOutcome::Failed(std::string(lease.status().message()));
    absl::StatusOr<ReferenceTableInfo> table = ReadReferenceTableInfo(lease->db(), s.table);
    if (!table.ok()) return StepOutcome::Failed(std::string(table.status().message()));
    absl::StatusOr<MatchCandidates> found = FindMatchCandidates(lease->db(), *table, s.query);
    if (!found.ok()) {
      return StepOutcome::Failed(std::string(found.status().message()),
                                 found.status().code() == absl::StatusCode::kUnavailable
                                     ? steps::ErrorClass::kTransient
                                     : steps::ErrorClass::kPermanent);
    }
    const std::vector<MatchCandidate>& ranked = found->ranked;
    const double best = ranked.empty() ? 0.0 : ranked[0].score;
    const bool matched = !ranked.empty() && best >= s.min_score;
    Json runner_up;
    double margin = best;
    if (ranked.size() > 1) {
      runner_up = {{"row", ranked[1].row}, {"score", ranked[1].score}};
      margin = best - ranked[1].score;
    }
    const double confidence =
        matched ? best * (0.5 + 0.5 * std::min(1.0, margin / kClearMargin)) : 1.0 - best;
    Json output = {
        {"matched", matched},
        {"match", matched ? ranked[0].row : Json()},
        {"score", best},
        {"field", ranked.empty() ? Json() : Json(ranked[0].field)},
        {"runner_up", runner_up},
        {"method", found->method},
        {"candidates", ranked.size()},
        {"reference",
         {{"table", table->name}, {"sha256", table->sha256}, {"loaded_at", table->loaded_at}}},
    };
    StepOutcome outcome = StepOutcome::Completed(std::move(output), confidence);
    outcome.model = steps::ModelRef{absl::StrCat("reference:", table->name), table->sha256};
    return outcome;
  }

 private:
  const steps::StepKindInfo info_;
  const std::string default_reference_;
  const std::unique_ptr<ReferencePool> pool_;
};

}  // namespace

MatchStep::MatchStep(std::string default_reference_db)
    : default_reference_db_(std::move(default_reference_db)) {
  info_.name = "match";
  info_.description =
      "Finds the reference row (vendor, purchase order, customer) a value refers to, despite "
      "typos, with a 0-1 score and the runner-up.";
  info_.actors = {steps::Actor::kSystem};
  info_.params = {
      {"table", steps::ParamType::kString, true, true,
       "the reference table loaded with `flowline reference load`, e.g. vendors"},
      {"value", steps::ParamType::kAny, false, false,
       "the text to look up, e.g. ${{ steps.extract.output.fields.vendor_name.value }}"},
      {"fields", steps::ParamType::kArray, false, false,
       "the columns to compare (default: every text column)"},
      {"amount", steps::ParamType::kObject, false, false,
       "only rows whose amount is close: {column, value, tolerance: 0.01 or \"2%\"}"},
      {"date", steps::ParamType::kObject, false, false,
       "only rows whose date is close: {column, value, tolerance_days}"},
      {"min_score", steps::ParamType::kNumber, false, false,
       "the least score (0-1) that counts as a match (default 0.6)"},
      {"reference", steps::ParamType::kString, false, true,
       "the reference database file (default: the --reference option, reference.db)"},
  };
}

std::unique_ptr<steps::PreparedStep> MatchStep::Prepare(
    std::string_view /*step_id*/, const Json& with, std::vector<steps::ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  const Settings s = ReadSettings(r, default_reference_db_);
  if (!r.Report(errors)) return nullptr;
  return std::make_unique<PreparedMatch>(info_, s.reference);
}

}  // namespace flowline::ai
