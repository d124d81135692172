#include "monitor/invoice_stream.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/csv.h"
#include "common/json_util.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace flowline::monitor::testing {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "$5,625.00" → 5625.
std::optional<double> Amount(std::string text) {
  text = absl::StrReplaceAll(text, {{"$", ""}, {",", ""}, {" ", ""}});
  double value = 0;
  if (!absl::SimpleAtod(text, &value) || !std::isfinite(value) || value <= 0) return std::nullopt;
  return value;
}

absl::Status AddCsv(const fs::path& path, const char* vendor_column, const char* total_column,
                    const char* currency_column, const char* currency, CasePool& pool) {
  ASSIGN_OR_RETURN(std::string text, ReadText(path));
  ASSIGN_OR_RETURN(common::CsvTable table, common::ParseCsv(text, path.string()));
  const int vendor = table.Column(vendor_column);
  const int total = table.Column(total_column);
  const int currency_at = currency_column == nullptr ? -1 : table.Column(currency_column);
  if (vendor < 0 || total < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), " has no column ", vendor < 0 ? vendor_column : total_column));
  }
  for (const common::CsvRow& row : table.rows) {
    std::optional<double> amount = Amount(row[total]);
    if (!amount || row[vendor].empty()) continue;
    pool.cases.push_back(
        {*amount, row[vendor], currency_at >= 0 ? row[currency_at] : std::string(currency)});
  }
  return absl::OkStatus();
}

absl::Status AddJsonLabels(const fs::path& dir, const char* vendor_key, const char* total_key,
                           const char* currency, CasePool& pool) {
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    ASSIGN_OR_RETURN(std::string text, ReadText(file));
    ASSIGN_OR_RETURN(Json json, common::ParseJson(text, file.string()));
    if (json.is_array() && !json.empty()) json = json[0];  // invoice2data: a list of one
    if (!json.is_object()) continue;
    const Json vendor = json.value(vendor_key, Json());
    const Json total = json.value(total_key, Json());
    std::optional<double> amount;
    if (total.is_number()) amount = total.get<double>();
    if (total.is_string()) amount = Amount(total.get<std::string>());
    if (!vendor.is_string() || !amount || *amount <= 0) continue;
    pool.cases.push_back(
        {*amount, vendor.get<std::string>(), json.value("currency", std::string(currency))});
  }
  return absl::OkStatus();
}

double Clamp01(double x) { return std::clamp(x, 0.0, 1.0); }

}  // namespace

const char* ShiftName(Shift shift) {
  switch (shift) {
    case Shift::kNone:
      return "none";
    case Shift::kAmountsTimesThree:
      return "amounts x3";
    case Shift::kNewVendorMix:
      return "new vendor mix";
    case Shift::kOcrConfidenceFalls:
      return "OCR confidence falls";
    case Shift::kStraightThroughDrops:
      return "straight-through drops";
  }
  return "none";
}

CasePool CasePool::Synthetic() {
  CasePool pool;
  pool.name = "synthetic";
  std::mt19937_64 rng(20260101);
  std::lognormal_distribution<double> amount(6.5, 1.2);
  const char* currencies[] = {"EUR", "EUR", "EUR", "USD", "USD", "GBP"};
  // Vendor i appears about 1/(i+1) as often as the first: a few large suppliers, a long tail.
  for (int vendor = 0; vendor < 60; ++vendor) {
    const int count = std::max(1, 120 / (vendor + 1));
    const std::string name =
        absl::StrCat("Supplier ", vendor + 1, vendor % 3 == 0 ? " GmbH" : " Ltd");
    const char* currency = currencies[vendor % 6];
    for (int i = 0; i < count; ++i) {
      pool.cases.push_back({std::round(amount(rng) * 100) / 100, name, currency});
    }
  }
  return pool;
}

absl::StatusOr<CasePool> CasePool::FromSharedData(const std::string& data_dir) {
  const fs::path root(data_dir);
  std::error_code error;
  if (!fs::is_directory(root / "fcc-adbuy", error)) {
    return absl::NotFoundError(absl::StrCat("no labelled data under ", data_dir));
  }
  CasePool pool;
  pool.name = "shared data (fcc-adbuy, zugferd, sroie, invoice2data)";
  RETURN_IF_ERROR(AddCsv(root / "fcc-adbuy" / "labels.csv", "advertiser", "gross_amount", nullptr,
                         "USD", pool));
  RETURN_IF_ERROR(AddCsv(root / "zugferd" / "fields.csv", "seller_name", "grand_total", "currency",
                         "EUR", pool));
  RETURN_IF_ERROR(AddJsonLabels(root / "sroie" / "key", "company", "total", "MYR", pool));
  RETURN_IF_ERROR(AddJsonLabels(root / "invoice2data" / "files", "issuer", "amount", "EUR", pool));
  if (pool.cases.empty()) {
    return absl::NotFoundError(absl::StrCat("no usable labels under ", data_dir));
  }
  return pool;
}

std::vector<StreamCase> GenerateStream(const CasePool& pool, const StreamOptions& options) {
  std::mt19937_64 rng(options.seed);
  std::uniform_int_distribution<size_t> pick(0, pool.cases.size() - 1);
  std::uniform_real_distribution<double> unit(0, 1);
  std::lognormal_distribution<double> jitter(0, 0.15);
  std::normal_distribution<double> scan_confidence(0.86, 0.05);
  std::normal_distribution<double> extract_confidence(0.93, 0.04);
  std::normal_distribution<double> label_confidence(0.95, 0.03);
  std::vector<StreamCase> cases;
  cases.reserve(static_cast<size_t>(options.days) * options.cases_per_day);
  for (int day = 0; day < options.days; ++day) {
    const bool shifted = options.shift != Shift::kNone && day >= options.shift_day;
    for (int i = 0; i < options.cases_per_day; ++i) {
      const PoolCase& drawn = pool.cases[pick(rng)];
      StreamCase c;
      c.at = options.start + absl::Hours(24) * day + absl::Seconds(std::floor(unit(rng) * 86400));
      c.total = std::round(drawn.total * jitter(rng) * 100) / 100;
      c.vendor = drawn.vendor;
      c.currency = drawn.currency;
      const double kind = unit(rng);
      c.label = kind < 0.85 ? "invoice" : kind < 0.95 ? "receipt" : "other";
      c.label_confidence = Clamp01(label_confidence(rng));
      const bool scanned = unit(rng) < 0.3;
      c.ocr_confidence = scanned ? Clamp01(scan_confidence(rng)) : 1.0;
      c.extract_confidence = Clamp01(extract_confidence(rng));
      double straight_through_rate = 0.7;
      const double vendor_draw = unit(rng);
      const int new_vendor = static_cast<int>(unit(rng) * 5);
      if (shifted) {
        switch (options.shift) {
          case Shift::kAmountsTimesThree:
            c.total = std::round(c.total * 300) / 100;
            break;
          case Shift::kNewVendorMix:
            if (vendor_draw < 0.4) c.vendor = absl::StrCat("New Supplier ", new_vendor + 1, " AG");
            break;
          case Shift::kOcrConfidenceFalls:
            if (scanned) c.ocr_confidence = Clamp01(c.ocr_confidence - 0.12);
            break;
          case Shift::kStraightThroughDrops:
            straight_through_rate = 0.55;
            break;
          case Shift::kNone:
            break;
        }
      }
      c.straight_through = unit(rng) < straight_through_rate;
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

absl::Status WriteAmountHistory(store::Store& store, const std::string& version, absl::Time now) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> amounts(std::log(200), 0.4);
  // Windows are whole hours: the reference is the first 14 days from the top of the first run's
  // hour, the recent window the last 7 days from the top of the hour 7 days before `now`. The
  // history starts an hour before a top of the hour, so the reference always ends before the
  // recent window starts, whatever the minute `now` falls on.
  const absl::Time base =
      absl::FromUnixSeconds(absl::ToUnixSeconds(now) / 3600 * 3600) - absl::Hours(1);
  for (int day = 21; day >= 1; --day) {
    for (int i = 0; i < 20; ++i) {
      store::NewRun run;
      run.run_id = absl::StrCat("run_d", day, "_", i);
      run.workflow = "scored";
      run.version = version;
      run.input_json = Json{{"amount", amounts(rng) * (day <= 7 ? 3 : 1)}}.dump();
      run.now = base - absl::Hours(24) * day + absl::Minutes(50 * i + 10);
      run.steps = {{"noop", 1}, {store::kEndStepId, 1}};
      run.records = {{"", "run.created", "system", "{}"}};
      RETURN_IF_ERROR(store.CreateRun(run).status());
    }
  }
  return absl::OkStatus();
}

}  // namespace flowline::monitor::testing
