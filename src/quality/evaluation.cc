#include "quality/evaluation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ai/extract/normalize.h"

namespace flowline::quality {

namespace {

struct Pair {
  size_t document;  // index into the dataset
  double confidence;
  bool correct;
};

std::string Percent(double share) { return absl::StrFormat("%.1f%%", share * 100.0); }

}  // namespace

EvaluationReport Evaluate(const Dataset& dataset, const std::vector<DocumentResult>& results,
                          const EvaluationOptions& options) {
  EvaluationReport report;
  report.dataset = dataset.dir;
  report.format = dataset.format;
  report.documents = static_cast<int>(dataset.documents.size());
  report.target_accuracy = options.target_accuracy;
  std::map<std::string, const DocumentResult*> by_id;
  for (const DocumentResult& result : results) by_id[result.id] = &result;

  std::vector<Pair> pairs;
  std::vector<bool> failed(dataset.documents.size(), false);
  std::vector<double> fuzzy_sum(dataset.fields.size(), 0);
  for (const ai::FieldSpec& spec : dataset.fields) {
    FieldScore score;
    score.name = spec.name;
    score.type = ai::FieldTypeName(spec.type);
    report.fields.push_back(score);
  }
  for (size_t d = 0; d < dataset.documents.size(); ++d) {
    const LabelledDocument& doc = dataset.documents[d];
    auto found = by_id.find(doc.id);
    const DocumentResult* result = found == by_id.end() ? nullptr : found->second;
    failed[d] = result == nullptr || !result->error.empty();
    if (failed[d]) ++report.failed_documents;
    for (size_t f = 0; f < dataset.fields.size(); ++f) {
      const ai::FieldSpec& spec = dataset.fields[f];
      auto label = doc.fields.find(spec.name);
      if (label == doc.fields.end()) continue;
      FieldScore& score = report.fields[f];
      ++score.labelled;
      FieldResult predicted;
      if (!failed[d]) {
        auto it = result->fields.find(spec.name);
        if (it != result->fields.end()) predicted = it->second;
      }
      bool correct = false;
      if (predicted.normalized) {
        ++score.predicted;
        correct = ai::MatchKey(spec.type, *predicted.normalized) ==
                  ai::MatchKey(spec.type, label->second);
        if (ai::IsTextType(spec.type)) {
          fuzzy_sum[f] += ai::TokenF1(*predicted.normalized, label->second);
        }
      }
      if (correct) ++score.correct;
      double confidence = failed[d] ? 0.0 : std::clamp(predicted.confidence, 0.0, 1.0);
      pairs.push_back(Pair{d, confidence, correct});
      if (!correct) {
        report.errors.push_back(
            Json{{"document", doc.id},
                 {"field", spec.name},
                 {"label", label->second},
                 {"predicted", predicted.normalized ? Json(*predicted.normalized) : Json(nullptr)},
                 {"confidence", confidence},
                 {"evidence", predicted.evidence},
                 {"error", failed[d] && result ? result->error : ""}});
      }
    }
  }

  // Per field and overall accuracy.
  double accuracy_sum = 0;
  int scored_fields = 0;
  int correct_pairs = 0;
  for (size_t f = 0; f < report.fields.size(); ++f) {
    FieldScore& score = report.fields[f];
    if (score.labelled == 0) continue;
    score.accuracy = static_cast<double>(score.correct) / score.labelled;
    score.coverage = static_cast<double>(score.predicted) / score.labelled;
    if (ai::IsTextType(dataset.fields[f].type)) score.fuzzy = fuzzy_sum[f] / score.labelled;
    accuracy_sum += score.accuracy;
    ++scored_fields;
    correct_pairs += score.correct;
  }
  report.fields.erase(std::remove_if(report.fields.begin(), report.fields.end(),
                                     [](const FieldScore& s) { return s.labelled == 0; }),
                      report.fields.end());
  if (scored_fields > 0) report.mean_field_accuracy = accuracy_sum / scored_fields;
  if (!pairs.empty()) report.pair_accuracy = static_cast<double>(correct_pairs) / pairs.size();

  // Calibration: equal-width bins over [0, 1].
  const int bins = std::max(1, options.calibration_bins);
  report.calibration.resize(bins);
  for (int b = 0; b < bins; ++b) {
    report.calibration[b].low = static_cast<double>(b) / bins;
    report.calibration[b].high = static_cast<double>(b + 1) / bins;
  }
  for (const Pair& pair : pairs) {
    int b = std::min(bins - 1, static_cast<int>(pair.confidence * bins));
    CalibrationBin& bin = report.calibration[b];
    ++bin.count;
    bin.mean_confidence += pair.confidence;
    bin.accuracy += pair.correct ? 1 : 0;
  }
  for (CalibrationBin& bin : report.calibration) {
    if (bin.count == 0) continue;
    bin.mean_confidence /= bin.count;
    bin.accuracy /= bin.count;
    report.ece += std::abs(bin.accuracy - bin.mean_confidence) * bin.count / pairs.size();
  }

  // Straight-through: the lowest threshold whose auto-accepted pairs reach the target.
  std::vector<Pair> sorted = pairs;
  std::sort(sorted.begin(), sorted.end(),
            [](const Pair& a, const Pair& b) { return a.confidence > b.confidence; });
  int accepted = 0;
  int accepted_correct = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    ++accepted;
    accepted_correct += sorted[i].correct ? 1 : 0;
    // Only a threshold between distinct confidences separates accepted from not.
    if (i + 1 < sorted.size() && sorted[i + 1].confidence == sorted[i].confidence) continue;
    if (sorted[i].confidence <= 0) break;  // failed documents and certain misses never pass
    double accuracy = static_cast<double>(accepted_correct) / accepted;
    if (accuracy >= options.target_accuracy) {
      report.threshold = sorted[i].confidence;
      report.auto_accepted_accuracy = accuracy;
      report.auto_accepted_share = static_cast<double>(accepted) / sorted.size();
    }
  }
  if (report.threshold) {
    std::vector<bool> straight(dataset.documents.size(), true);
    for (size_t d = 0; d < failed.size(); ++d) straight[d] = !failed[d];
    for (const Pair& pair : pairs) {
      if (pair.confidence < *report.threshold) straight[pair.document] = false;
    }
    report.straight_through_documents =
        static_cast<int>(std::count(straight.begin(), straight.end(), true));
    if (report.documents > 0) {
      report.straight_through =
          static_cast<double>(report.straight_through_documents) / report.documents;
    }
  }
  report.line_items = ScoreLineItems(dataset, results);
  AddCaseMeasures(dataset, results, report);
  return report;
}

Json EvaluationReport::ToJson() const {
  Json out = Json::object();
  out["dataset"] = dataset;
  out["format"] = format;
  out["documents"] = documents;
  out["failed_documents"] = failed_documents;
  Json field_list = Json::array();
  for (const FieldScore& score : fields) {
    Json f = {{"field", score.name},        {"type", score.type},
              {"labelled", score.labelled}, {"predicted", score.predicted},
              {"correct", score.correct},   {"accuracy", score.accuracy},
              {"coverage", score.coverage}};
    if (score.fuzzy) f["fuzzy"] = *score.fuzzy;
    field_list.push_back(std::move(f));
  }
  out["fields"] = std::move(field_list);
  out["mean_field_accuracy"] = mean_field_accuracy;
  out["pair_accuracy"] = pair_accuracy;
  Json bins = Json::array();
  for (const CalibrationBin& bin : calibration) {
    bins.push_back({{"low", bin.low},
                    {"high", bin.high},
                    {"count", bin.count},
                    {"mean_confidence", bin.mean_confidence},
                    {"accuracy", bin.accuracy}});
  }
  out["calibration"] = {{"ece", ece}, {"bins", std::move(bins)}};
  out["straight_through"] = {{"target_accuracy", target_accuracy},
                             {"threshold", threshold ? Json(*threshold) : Json(nullptr)},
                             {"auto_accepted_accuracy", auto_accepted_accuracy},
                             {"auto_accepted_share", auto_accepted_share},
                             {"rate", straight_through},
                             {"documents", straight_through_documents}};
  out["errors"] = errors;
  if (line_items) out["line_items"] = line_items->ToJson();
  auto optional = [](const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); };
  out["labels_exhaustive"] = labels_exhaustive;
  Json optional_list = Json::array();
  for (const OptionalFieldScore& s : optional_fields) {
    optional_list.push_back(
        {{"field", s.name},
         {"labelled", s.labelled},
         {"predicted", s.predicted},
         {"correct", s.correct},
         {"false_positives", labels_exhaustive ? Json(s.false_positives) : Json(nullptr)},
         {"recall", s.recall},
         {"precision", optional(s.precision)},
         {"f1", optional(s.f1)}});
  }
  out["optional_fields"] = std::move(optional_list);
  Json matrix = Json::object();
  for (const auto& [expected, row] : confusion) {
    for (const auto& [label, count] : row) matrix[expected][label] = count;
  }
  out["classifier"] = {{"accuracy", optional(classifier_accuracy)}, {"confusion", matrix}};
  Json points = Json::array();
  for (const CurvePoint& p : curve) {
    points.push_back({{"threshold", p.threshold},
                      {"accuracy", p.accuracy},
                      {"accepted_share", p.accepted_share},
                      {"straight_through", p.straight_through}});
  }
  out["curve"] = std::move(points);
  Json slice_list = Json::array();
  for (const SliceScore& s : slices) {
    slice_list.push_back({{"slice", s.slice},
                          {"value", s.value},
                          {"cases", s.cases},
                          {"pairs", s.pairs},
                          {"correct", s.correct},
                          {"accuracy", s.accuracy},
                          {"straight_through", s.straight_through}});
  }
  out["slices"] = std::move(slice_list);
  out["per_case"] = {{"latency_p50", optional(latency_p50)},
                     {"latency_p95", optional(latency_p95)},
                     {"cost", optional(cost_per_case)},
                     {"workflow_straight_through", optional(workflow_straight_through)},
                     {"step_mean_seconds", step_mean_seconds}};
  out["cases"] = cases;
  return out;
}

std::string EvaluationReport::ToTable() const {
  std::string out = absl::StrFormat("%-18s %-13s %8s %9s %6s %9s\n", "field", "type", "labelled",
                                    "accuracy", "fuzzy", "coverage");
  for (const FieldScore& score : fields) {
    out += absl::StrFormat("%-18s %-13s %8d %9s %6s %9s\n", score.name, score.type, score.labelled,
                           Percent(score.accuracy),
                           score.fuzzy ? absl::StrFormat("%.2f", *score.fuzzy) : "-",
                           Percent(score.coverage));
  }
  out += absl::StrFormat("\ndocuments %d (%d failed), mean field accuracy %s (all pairs %s)\n",
                         documents, failed_documents, Percent(mean_field_accuracy),
                         Percent(pair_accuracy));
  out += absl::StrFormat("calibration: expected calibration error %.3f\n", ece);
  if (threshold) {
    out += absl::StrFormat(
        "straight-through at >= %s accuracy: %s of documents (%d), confidence threshold %.3f; "
        "auto-accepted fields %s accurate, %s of fields\n",
        Percent(target_accuracy), Percent(straight_through), straight_through_documents, *threshold,
        Percent(auto_accepted_accuracy), Percent(auto_accepted_share));
  } else {
    out += absl::StrFormat(
        "straight-through at >= %s accuracy: none (no confidence threshold reaches it)\n",
        Percent(target_accuracy));
  }
  if (line_items) out += line_items->ToTable();
  if (!optional_fields.empty()) {
    out += absl::StrFormat("\noptional fields%s\n%-18s %8s %8s %9s %7s\n",
                           labels_exhaustive ? "" : " (labels not exhaustive: recall only)",
                           "field", "labelled", "recall", "precision", "F1");
    for (const OptionalFieldScore& s : optional_fields) {
      out += absl::StrFormat("%-18s %8d %8s %9s %7s\n", s.name, s.labelled, Percent(s.recall),
                             s.precision ? Percent(*s.precision) : "-",
                             s.f1 ? absl::StrFormat("%.3f", *s.f1) : "-");
    }
  }
  if (classifier_accuracy) {
    out += absl::StrFormat("\nclassifier: %s right; expected -> predicted:\n",
                           Percent(*classifier_accuracy));
    for (const auto& [expected, row] : confusion) {
      for (const auto& [label, count] : row) {
        out += absl::StrFormat("  %-16s -> %-16s %6d\n", expected, label, count);
      }
    }
  }
  if (latency_p50) {
    out += absl::StrFormat("\nprocessing time per case: p50 %.3f s, p95 %.3f s\n", *latency_p50,
                           latency_p95.value_or(0));
    for (const auto& [step, mean] : step_mean_seconds) {
      out += absl::StrFormat("  %-20s %8.1f ms mean\n", step, mean * 1000.0);
    }
  }
  if (cost_per_case) out += absl::StrFormat("cost per case: %.4f\n", *cost_per_case);
  if (!slices.empty()) {
    out += absl::StrFormat("\n%-10s %-28s %6s %9s\n", "slice", "value", "cases", "accuracy");
    for (const SliceScore& s : slices) {
      out += absl::StrFormat("%-10s %-28s %6d %9s\n", s.slice, s.value.substr(0, 28), s.cases,
                             Percent(s.accuracy));
    }
  }
  return out;
}

}  // namespace flowline::quality
