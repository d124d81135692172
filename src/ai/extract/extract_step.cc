#include "ai/extract/extract_step.h"

#include <filesystem>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ai/document/document.h"
#include "ai/extract/extraction_model.h"
#include "ai/extract/line_items.h"
#include "ai/model_param.h"
#include "common/strings.h"
#include "steps/params.h"

namespace flowline::ai {
namespace {

using steps::ParamReader;

// Reads `date_order` where it is known; kUnknown when absent.
DateOrder ReadDateOrder(ParamReader& r) {
  const std::optional<std::string> order = r.String("date_order");
  if (!order) return DateOrder::kUnknown;
  std::optional<DateOrder> parsed = ParseDateOrder(*order);
  if (!parsed) {
    r.Error("date_order", absl::StrCat("unknown date order \"", *order, "\""),
            "write dmy (14/03/2026), mdy (03/14/2026) or ymd (2026/03/14)");
    return DateOrder::kUnknown;
  }
  return *parsed;
}

// The model's table fields (line items): the document's item table, checked against the amount
// fields just extracted. Every table field gets the same rows (a document has one item table).
void AddTables(const Document& doc, const ExtractionModel& model,
               const std::vector<FieldResult>& results, Json& output) {
  std::map<std::string, std::string> amounts;
  for (size_t i = 0; i < results.size() && i < model.fields().size(); ++i) {
    if (model.fields()[i].spec.type == FieldType::kAmount && results[i].value) {
      amounts[results[i].field] = results[i].value->norm.value;
    }
  }
  const LineItemTable table = FindLineItems(doc, amounts);
  Json summaries = Json::object();
  for (const TableSpec& spec : model.tables()) {
    output[spec.name] = LineItemsJson(doc, table, spec.columns);
    summaries[spec.name] = LineItemsSummaryJson(table);
  }
  output["tables"] = std::move(summaries);
}

class PreparedExtract final : public steps::PreparedStep {
 public:
  PreparedExtract(const steps::StepKindInfo& info, std::unique_ptr<ExtractionModel> model)
      : info_(info), model_(std::move(model)) {}

  steps::StepOutcome Execute(const steps::StepContext& ctx) const override {
    const Json empty = Json::object();
    ParamReader r(info_, ctx.params != nullptr ? *ctx.params : empty, ParamReader::Stage::kExecute);
    const DateOrder order = ReadDateOrder(r);
    const Json* document = r.Get("document");
    if (!r.ok()) return steps::StepOutcome::Failed(r.Summary());
    absl::StatusOr<Document> doc = Document::FromJson(*document);
    if (!doc.ok()) {
      return steps::StepOutcome::Failed(
          absl::StrCat("`document` is not a read document (pass ${{ steps.<read step>.output }}): ",
                       doc.status().message()));
    }
    absl::StatusOr<std::vector<FieldResult>> results = model_->Extract(*doc, order);
    if (!results.ok()) {
      return steps::StepOutcome::Failed(
          absl::StrCat("extract model ", model_->name(), ": ", results.status().message()));
    }
    Json output = model_->ResultJson(*doc, *results);
    if (!model_->tables().empty()) AddTables(*doc, *model_, *results, output);
    const double confidence = output["confidence"].get<double>();
    steps::StepOutcome outcome = steps::StepOutcome::Completed(std::move(output), confidence);
    outcome.model = steps::ModelRef{model_->name(), model_->sha256()};
    return outcome;
  }

  // Amounts as numbers; currencies and organisations (vendor, customer) as categories. Dates,
  // ids and free text vary case by case and say little as distributions.
  std::vector<steps::MonitoredOutput> MonitoredOutputs() const override {
    std::vector<steps::MonitoredOutput> outputs;
    for (const FieldModel& field : model_->fields()) {
      const FieldType type = field.spec.type;
      if (type == FieldType::kAmount) {
        outputs.push_back(
            {field.spec.name, {"values", field.spec.name}, steps::MonitoredOutput::Kind::kNumeric});
      } else if (type == FieldType::kCurrency || type == FieldType::kOrganisation) {
        outputs.push_back({field.spec.name,
                           {"values", field.spec.name},
                           steps::MonitoredOutput::Kind::kCategorical});
      }
    }
    return outputs;
  }

 private:
  const steps::StepKindInfo info_;
  const std::unique_ptr<ExtractionModel> model_;
};

}  // namespace

ExtractStep::ExtractStep(std::string models_dir) : models_dir_(std::move(models_dir)) {
  info_.name = "extract";
  info_.description =
      "Extracts fields (dates, amounts, ids, names, addresses) from a read document with a "
      "trained ranker; each with a normalised value, a calibrated confidence and its evidence.";
  info_.actors = {steps::Actor::kAi};
  info_.params = {
      {"model", steps::ParamType::kString, true, true,
       "the extract model: a name under --models or a path with a '/'"},
      {"document", steps::ParamType::kObject, true, false,
       "the read document, usually ${{ steps.read.output }}"},
      {"date_order", steps::ParamType::kString, false, false,
       "dmy, mdy or ymd: how ambiguous dates read (default: as in the training data)"},
  };
}

std::unique_ptr<steps::PreparedStep> ExtractStep::Prepare(
    std::string_view /*step_id*/, const Json& with, std::vector<steps::ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  ReadDateOrder(r);
  std::string name;
  std::unique_ptr<ExtractionModel> model = LoadModelParam<ExtractionModel>(
      r, models_dir_,
      {"extract", "invoice-fields", "flowline train extract --data DIR", " --fields FIELDS"},
      &name);
  if (!r.Report(errors)) return nullptr;
  return std::make_unique<PreparedExtract>(info_, std::move(model));
}

}  // namespace flowline::ai
