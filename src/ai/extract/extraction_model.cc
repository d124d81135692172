#include "ai/extract/extraction_model.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "ai/extract/features.h"
#include "common/ids.h"
#include "common/strings.h"

namespace flowline::ai {
namespace {

absl::StatusOr<std::string> ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

absl::Status Damaged(const std::string& dir, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("extract model ", dir, ": ", what,
                                                 " (retrain it with `flowline train extract`)"));
}

Json BoxJson(const Box& b) { return Json::array({b.x0, b.y0, b.x1, b.y1}); }

}  // namespace

TopTwo PickTop(const std::vector<float>& scores) {
  TopTwo top;
  double second = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (top.best < 0 || scores[i] > top.score) {
      if (top.best >= 0) second = top.score;
      top.best = static_cast<int>(i);
      top.score = scores[i];
    } else if (scores[i] > second) {
      second = scores[i];
    }
  }
  top.margin = top.score - second;
  return top;
}

FieldResult Answer(const FieldSpec& spec, const Calibration& calibration,
                   const std::vector<Candidate>& candidates, const std::vector<float>& scores) {
  FieldResult result;
  result.field = spec.name;
  const TopTwo top = PickTop(scores);
  HeldOut h;
  h.has_candidate = top.best >= 0;
  h.score = top.score;
  h.margin = top.margin;
  const Scored scored = ScoreHeldOut(calibration, h);
  result.confidence = scored.confidence;
  result.score = top.score;
  if (scored.answered) result.value = candidates[top.best];
  return result;
}

absl::StatusOr<std::unique_ptr<ExtractionModel>> ExtractionModel::Load(const std::string& dir) {
  const std::filesystem::path root(dir);
  absl::StatusOr<std::string> text = ReadBytes(root / "model.json");
  if (!text.ok()) {
    return absl::NotFoundError(
        absl::StrCat("no extract model at ", dir, " (", dir, "/model.json is missing)"));
  }
  absl::StatusOr<Json> json = common::ParseJson(*text, (root / "model.json").string());
  if (!json.ok()) return json.status();
  if (!json->is_object() || json->value("kind", "") != "extract") {
    return Damaged(dir, "model.json is not an extract model");
  }
  std::unique_ptr<ExtractionModel> model(new ExtractionModel());
  try {
    Json content = *json;
    content.erase("sha256");
    model->sha256_ = json->value("sha256", "");
    if (model->sha256_ != common::Sha256Hex(common::CanonicalJson(content))) {
      return Damaged(dir, "model.json does not match its sha256");
    }
    model->name_ = json->value("name", root.filename().string());
    model->date_order_ =
        ParseDateOrder(json->value("date_order", "")).value_or(DateOrder::kUnknown);
    absl::StatusOr<std::vector<FieldSpec>> specs =
        ParseFieldSpecs((*json)["fields"].dump(), (root / "model.json").string());
    if (!specs.ok()) return specs.status();
    if (json->contains("tables")) {
      absl::StatusOr<std::vector<TableSpec>> tables =
          ParseTableSpecs((*json)["tables"].dump(), (root / "model.json").string());
      if (!tables.ok()) return Damaged(dir, tables.status().message());
      model->tables_ = *std::move(tables);
    }
    const Json& field_models = json->at("field_models");
    for (FieldSpec& spec : *specs) {
      const Json& fm = field_models.at(spec.name);
      FieldModel field;
      field.vocabulary = fm.at("vocabulary").get<std::vector<std::string>>();
      absl::StatusOr<Calibration> calibration = Calibration::FromJson(fm.at("calibration"));
      if (!calibration.ok()) return Damaged(dir, calibration.status().message());
      field.calibration = *calibration;
      if (fm.contains("file") && fm["file"].is_string()) {
        absl::StatusOr<std::string> bytes = ReadBytes(root / fm["file"].get<std::string>());
        if (!bytes.ok()) return Damaged(dir, bytes.status().message());
        if (common::Sha256Hex(*bytes) != fm.value("file_sha256", "")) {
          return Damaged(dir,
                         absl::StrCat(fm["file"].get<std::string>(), " does not match its hash"));
        }
        absl::StatusOr<std::unique_ptr<Ranker>> ranker = Ranker::Load(*bytes);
        if (!ranker.ok()) return Damaged(dir, ranker.status().message());
        field.ranker = std::move(*ranker);
      }
      field.spec = std::move(spec);
      model->fields_.push_back(std::move(field));
    }
  } catch (const Json::exception& e) {
    return Damaged(dir, absl::StrCat("model.json: ", e.what()));
  }
  model->metadata_ = std::move(*json);
  return model;
}

absl::StatusOr<std::vector<FieldResult>> ExtractionModel::Extract(const Document& doc,
                                                                  DateOrder order) const {
  CandidateOptions options;
  options.date_order = order == DateOrder::kUnknown ? date_order_ : order;
  std::vector<FieldResult> results;
  for (const FieldModel& field : fields_) {
    options.patterns = field.spec.patterns;
    const std::vector<Candidate> candidates = GenerateCandidates(doc, field.spec.type, options);
    std::vector<float> scores;
    if (field.ranker != nullptr && !candidates.empty()) {
      FeatureMatrix x;
      x.values = BuildFeatures(doc, field.spec, candidates, field.vocabulary);
      x.columns = kBaseFeatureCount + 2 * field.vocabulary.size();
      absl::StatusOr<std::vector<float>> predicted = field.ranker->Predict(x);
      if (!predicted.ok()) return predicted.status();
      scores = std::move(*predicted);
    }
    results.push_back(Answer(field.spec, field.calibration,
                             scores.empty() ? std::vector<Candidate>() : candidates, scores));
  }
  return results;
}

Json ExtractionModel::ResultJson(const Document& doc,
                                 const std::vector<FieldResult>& results) const {
  Json fields = Json::object();
  Json values = Json::object();
  double confidence = 1.0;
  for (const FieldResult& r : results) {
    Json f = Json::object();
    if (r.value) {
      const Candidate& c = *r.value;
      f["value"] = c.text;
      f["normalized"] = c.norm.value;
      f["evidence"] = Json{{"page", doc.pages[c.page].number},
                           {"box", BoxJson(c.box)},
                           {"text", doc.pages[c.page].lines[c.line].Text()}};
      values[r.field] = c.norm.value;
    } else {
      f["value"] = nullptr;
      f["normalized"] = nullptr;
      f["evidence"] = nullptr;
      values[r.field] = nullptr;
    }
    f["confidence"] = r.confidence;
    fields[r.field] = std::move(f);
    confidence = std::min(confidence, r.confidence);
  }
  return Json{{"fields", fields},
              {"values", values},
              {"confidence", results.empty() ? 0.0 : confidence},
              {"model", Json{{"name", name_}, {"sha256", sha256_}}}};
}

}  // namespace flowline::ai
