#include "ai/score/score_training.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ai/score/score_model.h"
#include "common/csv.h"
#include "common/holdout.h"
#include "common/ids.h"
#include "common/model_files.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace flowline::ai {
namespace {

namespace fs = std::filesystem;

// The data as read: CSV cells stay text until the column's type is known (so that "007" in a
// categorical column keeps its zeros); JSONL values are JSON.
struct Table {
  bool csv = false;
  std::vector<std::string> columns;
  std::vector<std::vector<Json>> rows;  // per row, one value per column (null: absent/empty)
  std::vector<int> lines;               // the line each row starts on
};

absl::Status CheckOptions(const ScoreTrainingOptions& o) {
  auto bad = [](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("invalid training setting: ", Sv(what)));
  };
  if (o.data_path.empty()) return bad("--data is required");
  if (o.out_dir.empty()) return bad("--out is required");
  if (o.target.empty()) return bad("--target is required (the column to predict)");
  if (!(o.threshold > 0 && o.threshold < 1)) return bad("--threshold must be between 0 and 1");
  if (!(o.holdout >= 0 && o.holdout <= 0.9)) return bad("--holdout must be between 0 and 0.9");
  if (o.booster.rounds < 1 || o.booster.rounds > 5000) return bad("--rounds must be 1..5000");
  if (o.booster.max_depth < 1 || o.booster.max_depth > 16) return bad("--max-depth must be 1..16");
  if (!(o.booster.eta > 0 && o.booster.eta <= 1)) return bad("--eta must be above 0, at most 1");
  return absl::OkStatus();
}

absl::StatusOr<Table> ReadCsvTable(std::string_view data, const std::string& path) {
  ASSIGN_OR_RETURN(common::CsvTable csv, common::ParseCsv(data, path));
  Table table;
  table.csv = true;
  table.columns = csv.header;
  for (size_t r = 0; r < csv.rows.size(); ++r) {
    std::vector<Json> row;
    for (const std::string& cell : csv.rows[r]) {
      row.push_back(absl::StripAsciiWhitespace(cell).empty() ? Json() : Json(cell));
    }
    table.rows.push_back(std::move(row));
    table.lines.push_back(csv.row_lines[r]);
  }
  return table;
}

absl::StatusOr<Table> ReadJsonlTable(std::string_view data, const std::string& path) {
  Table table;
  std::vector<Json> objects;
  std::map<std::string, size_t, std::less<>> index;
  int line_no = 0;
  size_t start = 0;
  while (start < data.size()) {
    size_t end = data.find('\n', start);
    if (end == std::string_view::npos) end = data.size();
    const std::string_view line = data.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = absl::StrCat(path, ":", line_no);
    ASSIGN_OR_RETURN(Json row, common::ParseJson(line, where));
    if (!row.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": each line must be a JSON object like {\"age\": 41, ...}"));
    }
    for (const auto& [name, value] : row.items()) {
      if (value.is_object() || value.is_array()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": \"", name,
                         "\" holds a list or mapping; a column holds a number, a string, "
                         "true/false or null"));
      }
      if (index.emplace(name, table.columns.size()).second) table.columns.push_back(name);
    }
    objects.push_back(std::move(row));
    table.lines.push_back(line_no);
  }
  for (const Json& object : objects) {
    std::vector<Json> row(table.columns.size());
    for (const auto& [name, value] : object.items()) row[index.find(name)->second] = value;
    table.rows.push_back(std::move(row));
  }
  return table;
}

// The value of a cell as its column's type: a number (or null) for a numeric column, a string
// (or null) for a categorical one. nullopt: a CSV cell that is not a number.
std::optional<Json> Typed(const Json& cell, bool csv, bool categorical) {
  if (cell.is_null()) return Json();
  if (categorical) return Json(*CategoryText(cell));
  if (!csv) {
    if (cell.is_boolean()) return Json(cell.get<bool>() ? 1 : 0);
    if (cell.is_number()) return cell;
    return std::nullopt;
  }
  double number = 0;
  if (!absl::SimpleAtod(absl::StripAsciiWhitespace(cell.get<std::string>()), &number) ||
      !std::isfinite(number)) {
    return std::nullopt;
  }
  return Json(number);
}

struct Target {
  std::string positive, negative;
  std::vector<int> y;  // per row
};

absl::StatusOr<Target> ReadTarget(const Table& table, size_t column,
                                  const ScoreTrainingOptions& o) {
  std::vector<std::string> values;
  std::set<std::string> distinct;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const std::optional<std::string> text = CategoryText(table.rows[r][column]);
    if (!text.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          o.data_path, ":", table.lines[r], ": no value in the target column \"", o.target,
          "\"; every row needs one (leave unlabelled rows out of the training data)"));
    }
    values.push_back(*text);
    distinct.insert(*text);
  }
  Target target;
  target.positive = o.positive;
  if (target.positive.empty()) {
    if (distinct == std::set<std::string>{"0", "1"}) {
      target.positive = "1";
    } else if (distinct == std::set<std::string>{"false", "true"}) {
      target.positive = "true";
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(o.data_path, ": the target \"", o.target, "\" has the values ",
                       absl::StrJoin(distinct, ", "),
                       "; say which one the score is the probability of with --positive VALUE"));
    }
  }
  if (distinct.count(target.positive) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(o.data_path, ": no row has ", o.target, " = \"", target.positive,
                     "\" (its values: ", absl::StrJoin(distinct, ", "), "); check --positive"));
  }
  distinct.erase(target.positive);
  if (distinct.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(o.data_path, ": every row has ", o.target, " = \"", target.positive,
                     "\"; a score model needs examples of both outcomes"));
  }
  target.negative =
      distinct.size() == 1 ? *distinct.begin() : absl::StrCat("not_", target.positive);
  for (const std::string& v : values) target.y.push_back(v == target.positive ? 1 : 0);
  return target;
}

// The feature columns (model order) and their types; categories and ranges come later.
absl::StatusOr<std::vector<std::pair<size_t, ScoreFeature>>> ChooseFeatures(
    const Table& table, size_t target_column, const ScoreTrainingOptions& o) {
  std::vector<std::string> names = o.features;
  if (names.empty()) {
    for (size_t c = 0; c < table.columns.size(); ++c) {
      if (c != target_column) names.push_back(table.columns[c]);
    }
  }
  const std::string known = absl::StrJoin(table.columns, ", ");
  for (const std::string& name : o.categorical) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--categorical names \"", name,
                       "\", which is not a feature (features: ", absl::StrJoin(names, ", "), ")"));
    }
  }
  std::vector<std::pair<size_t, ScoreFeature>> out;
  std::set<std::string> seen;
  for (const std::string& name : names) {
    const auto it = std::find(table.columns.begin(), table.columns.end(), name);
    if (it == table.columns.end()) {
      return absl::InvalidArgumentError(absl::StrCat(Sv(o.data_path), " has no column \"", name,
                                                     "\" (its columns: ", known, ")"));
    }
    const size_t column = static_cast<size_t>(it - table.columns.begin());
    if (column == target_column) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the target \"", name, "\" cannot be a feature too; drop it from --features"));
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(absl::StrCat("--features names \"", name, "\" twice"));
    }
    ScoreFeature feature;
    feature.name = name;
    feature.categorical =
        std::find(o.categorical.begin(), o.categorical.end(), name) != o.categorical.end();
    if (!feature.categorical) {
      for (const std::vector<Json>& row : table.rows) {
        if (!Typed(row[column], table.csv, false).has_value()) {
          feature.categorical = true;  // a value that is not a number: a category column
          break;
        }
      }
    }
    out.emplace_back(column, std::move(feature));
  }
  if (out.empty()) return absl::InvalidArgumentError("no feature column to learn from");
  return out;
}

}  // namespace

Json MeasureScores(const std::vector<double>& p, const std::vector<int>& y, double threshold) {
  const size_t n = p.size();
  if (n == 0) return Json();
  // AUC: the Mann-Whitney statistic, tied scores sharing their mean rank.
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  double positive_rank_sum = 0;
  double positives = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && p[order[j]] == p[order[i]]) ++j;
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (size_t k = i; k < j; ++k) {
      if (y[order[k]] == 1) {
        positive_rank_sum += rank;
        positives += 1;
      }
    }
    i = j;
  }
  const double negatives = static_cast<double>(n) - positives;
  Json auc;
  if (positives > 0 && negatives > 0) {
    auc = (positive_rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
  }
  constexpr int kBins = 10;
  std::vector<double> bin_p(kBins, 0), bin_y(kBins, 0), bin_n(kBins, 0);
  double correct = 0;
  double log_loss = 0;
  for (size_t i = 0; i < n; ++i) {
    const int bin = std::min(kBins - 1, static_cast<int>(p[i] * kBins));
    bin_p[bin] += p[i];
    bin_y[bin] += y[i];
    bin_n[bin] += 1;
    correct += ((p[i] >= threshold ? 1 : 0) == y[i]) ? 1 : 0;
    const double clamped = std::clamp(p[i], 1e-15, 1 - 1e-15);
    log_loss -= y[i] == 1 ? std::log(clamped) : std::log(1 - clamped);
  }
  double ece = 0;
  Json calibration = Json::array();
  for (int b = 0; b < kBins; ++b) {
    if (bin_n[b] == 0) continue;
    const double mean_score = bin_p[b] / bin_n[b];
    const double positive_rate = bin_y[b] / bin_n[b];
    ece += bin_n[b] / static_cast<double>(n) * std::fabs(mean_score - positive_rate);
    calibration.push_back({{"bin", absl::StrCat(b / 10.0, "-", (b + 1) / 10.0)},
                           {"count", static_cast<int>(bin_n[b])},
                           {"mean_score", mean_score},
                           {"positive_rate", positive_rate}});
  }
  return {{"rows", n},
          {"auc", auc},
          {"accuracy", correct / static_cast<double>(n)},
          {"ece", ece},
          {"log_loss", log_loss / static_cast<double>(n)},
          {"calibration", calibration}};
}

absl::StatusOr<Json> TrainScoreModel(const ScoreTrainingOptions& options) {
  RETURN_IF_ERROR(CheckOptions(options));
  const fs::path out(options.out_dir);
  RETURN_IF_ERROR(common::CheckModelDirectory(out));
  ASSIGN_OR_RETURN(std::string data, common::ReadFileBytes(options.data_path));
  const std::string extension =
      absl::AsciiStrToLower(fs::path(options.data_path).extension().string());
  Table table;
  if (extension == ".csv") {
    ASSIGN_OR_RETURN(table, ReadCsvTable(data, options.data_path));
  } else if (extension == ".jsonl" || extension == ".ndjson") {
    ASSIGN_OR_RETURN(table, ReadJsonlTable(data, options.data_path));
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(options.data_path,
                     ": unknown data format; use a .csv file (with a header row) or "
                     ".jsonl (one JSON object a line)"));
  }
  if (table.rows.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(options.data_path, " holds no rows"));
  }
  const auto target_it = std::find(table.columns.begin(), table.columns.end(), options.target);
  if (target_it == table.columns.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.data_path, " has no target column \"", options.target,
                     "\" (its columns: ", absl::StrJoin(table.columns, ", "), ")"));
  }
  const size_t target_column = static_cast<size_t>(target_it - table.columns.begin());
  ASSIGN_OR_RETURN(Target target, ReadTarget(table, target_column, options));
  ASSIGN_OR_RETURN(auto chosen, ChooseFeatures(table, target_column, options));

  // Stratified split: each class keeps at least one training row.
  std::mt19937_64 rng(static_cast<uint64_t>(options.booster.seed));
  std::vector<size_t> train, held_out;
  for (int cls : {0, 1}) {
    std::vector<size_t> indices;
    for (size_t r = 0; r < table.rows.size(); ++r) {
      if (target.y[r] == cls) indices.push_back(r);
    }
    common::SplitHoldOut(indices, options.holdout, rng, &train, &held_out);
  }
  std::sort(train.begin(), train.end());
  std::sort(held_out.begin(), held_out.end());

  // Typed values, then the training part's categories and ranges.
  std::vector<std::vector<Json>> typed(table.rows.size());
  for (auto& [column, feature] : chosen) {
    std::set<std::string> categories;
    bool first = true;
    for (size_t r = 0; r < table.rows.size(); ++r) {
      typed[r].push_back(*Typed(table.rows[r][column], table.csv, feature.categorical));
    }
    for (size_t r : train) {
      const Json& v = typed[r].back();
      if (v.is_null()) {
        ++feature.missing_in_training;
        continue;
      }
      if (feature.categorical) {
        categories.insert(v.get<std::string>());
      } else {
        const double x = v.get<double>();
        feature.min = first ? x : std::min(feature.min, x);
        feature.max = first ? x : std::max(feature.max, x);
        feature.has_range = true;
        first = false;
      }
    }
    feature.categories.assign(categories.begin(), categories.end());
  }
  std::vector<ScoreFeature> features;
  for (const auto& [column, feature] : chosen) features.push_back(feature);

  auto encode = [&](const std::vector<size_t>& rows) -> absl::StatusOr<TabularRows> {
    TabularRows x;
    for (const ScoreFeature& f : features) x.categorical.push_back(f.categorical);
    for (size_t r : rows) {
      for (size_t c = 0; c < features.size(); ++c) {
        ASSIGN_OR_RETURN(EncodedValue v, EncodeFeature(features[c], typed[r][c]));
        x.values.push_back(v.value);
      }
    }
    return x;
  };
  ASSIGN_OR_RETURN(TabularRows train_x, encode(train));
  std::vector<float> train_y;
  for (size_t r : train) train_y.push_back(static_cast<float>(target.y[r]));
  ASSIGN_OR_RETURN(std::unique_ptr<TabularBooster> booster,
                   TabularBooster::Train(train_x, train_y, options.booster));
  ASSIGN_OR_RETURN(std::string model_bytes, booster->Save());

  Json measures;
  if (!held_out.empty()) {
    ASSIGN_OR_RETURN(TabularRows held_x, encode(held_out));
    ASSIGN_OR_RETURN(std::vector<float> p, booster->Predict(held_x));
    std::vector<int> held_y;
    for (size_t r : held_out) held_y.push_back(target.y[r]);
    measures = MeasureScores(std::vector<double>(p.begin(), p.end()), held_y, options.threshold);
  }
  int positives = 0;
  for (int v : target.y) positives += v;
  Json feature_json = Json::array();
  for (const ScoreFeature& f : features) feature_json.push_back(f.ToJson());
  const Json manifest = {
      {"kind", "score"},
      {"format", 1},
      {"sha256", common::Sha256Hex(model_bytes)},
      {"training_data",
       {{"file", options.data_path},
        {"sha256", common::Sha256Hex(data)},
        {"format", table.csv ? "csv" : "jsonl"},
        {"target", options.target}}},
      {"labels", {{"positive", target.positive}, {"negative", target.negative}}},
      {"threshold", options.threshold},
      {"features", feature_json},
      {"settings",
       {{"engine", absl::StrCat("xgboost-", TabularBooster::Version())},
        {"objective", "binary:logistic"},
        {"tree_method", "hist"},
        {"rounds", options.booster.rounds},
        {"max_depth", options.booster.max_depth},
        {"eta", options.booster.eta},
        {"min_child_weight", options.booster.min_child_weight},
        {"seed", options.booster.seed},
        {"holdout", options.holdout},
        {"threads", 1}}},
      {"counts",
       {{"rows", table.rows.size()},
        {"train", train.size()},
        {"held_out", held_out.size()},
        {"positive", positives},
        {"negative", static_cast<int>(table.rows.size()) - positives}}},
      {"held_out", measures},
      {"created_at", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", options.now, absl::UTCTimeZone())},
  };

  ASSIGN_OR_RETURN(const fs::path staging, common::MakeStagingDirectory(out));
  absl::Status written = common::WriteFileBytes(staging / "model.ubj", model_bytes);
  if (written.ok())
    written = common::WriteFileBytes(staging / "model.json", manifest.dump(2) + "\n");
  if (written.ok()) written = common::ReplaceDirectory(staging, out);
  if (!written.ok()) {
    std::error_code ec;
    fs::remove_all(staging, ec);  // never leave half a model beside the target
    return written;
  }
  return manifest;
}

}  // namespace flowline::ai
