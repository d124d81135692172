// The parts of an evaluation report that look at whole cases and at the run around the fields:
// optional fields' precision and recall, the classifier's confusion matrix, the straight-through
// vs accuracy curve, slices, latency and cost per case, and the per-case list (evaluation.h).
#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ai/extract/normalize.h"
#include "quality/evaluation.h"

namespace flowline::quality {
namespace {

// The value at quantile q (0..1) of `values` by the nearest-rank method; values not empty.
double Quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

struct ScoredPair {
  size_t document;
  double confidence;
  bool correct;
};

}  // namespace

bool LabelsAreExhaustive(const Dataset& dataset) {
  // The project's own formats say every field a document has; the public sets' labels do not.
  // A stored dataset (or a case file) keeps where each case came from: one imported from a
  // public set ("import:sroie") carries that set's labels, so absence proves nothing there.
  static const std::set<std::string> kPublic = {"sroie", "fcc", "invoice2data", "zugferd"};
  if (kPublic.count(dataset.format) > 0) return false;
  for (const LabelledDocument& doc : dataset.documents) {
    if (absl::StartsWith(doc.source, "import:") && kPublic.count(doc.source.substr(7)) > 0) {
      return false;
    }
  }
  return dataset.format == "flowline" || dataset.format == "stored" || dataset.format == "jsonl" ||
         dataset.format == "csv";
}

void AddCaseMeasures(const Dataset& dataset, const std::vector<DocumentResult>& results,
                     EvaluationReport& report) {
  std::map<std::string, const DocumentResult*> by_id;
  for (const DocumentResult& result : results) by_id[result.id] = &result;
  auto result_of = [&](const LabelledDocument& doc) -> const DocumentResult* {
    auto it = by_id.find(doc.id);
    return it == by_id.end() ? nullptr : it->second;
  };
  report.labels_exhaustive = LabelsAreExhaustive(dataset);

  // Every labelled pair, scored as Evaluate scores it.
  std::vector<ScoredPair> pairs;
  std::vector<bool> failed(dataset.documents.size(), false);
  std::vector<int> wrong(dataset.documents.size(), 0);
  for (size_t d = 0; d < dataset.documents.size(); ++d) {
    const LabelledDocument& doc = dataset.documents[d];
    const DocumentResult* result = result_of(doc);
    failed[d] = result == nullptr || !result->error.empty();
    for (const ai::FieldSpec& spec : dataset.fields) {
      auto label = doc.fields.find(spec.name);
      if (label == doc.fields.end()) continue;
      FieldResult predicted;
      if (!failed[d]) {
        auto it = result->fields.find(spec.name);
        if (it != result->fields.end()) predicted = it->second;
      }
      const bool correct = predicted.normalized && ai::MatchKey(spec.type, *predicted.normalized) ==
                                                       ai::MatchKey(spec.type, label->second);
      pairs.push_back({d, failed[d] ? 0.0 : std::clamp(predicted.confidence, 0.0, 1.0), correct});
      if (!correct) ++wrong[d];
    }
  }

  // Optional fields: labelled on some documents and not on others.
  for (const ai::FieldSpec& spec : dataset.fields) {
    OptionalFieldScore score;
    score.name = spec.name;
    int absent = 0;
    for (size_t d = 0; d < dataset.documents.size(); ++d) {
      const LabelledDocument& doc = dataset.documents[d];
      const DocumentResult* result = result_of(doc);
      auto label = doc.fields.find(spec.name);
      std::optional<std::string> value;
      if (!failed[d]) {
        auto it = result->fields.find(spec.name);
        if (it != result->fields.end()) value = it->second.normalized;
      }
      if (label == doc.fields.end()) {
        ++absent;
        if (value) ++score.false_positives;
        continue;
      }
      ++score.labelled;
      if (value) ++score.predicted;
      if (value && ai::MatchKey(spec.type, *value) == ai::MatchKey(spec.type, label->second)) {
        ++score.correct;
      }
    }
    if (absent == 0 || score.labelled == 0) continue;  // not optional (or never labelled)
    score.recall = static_cast<double>(score.correct) / score.labelled;
    if (report.labels_exhaustive) {
      const int said = score.predicted + score.false_positives;
      score.precision = said == 0 ? 1.0 : static_cast<double>(score.correct) / said;
      const double p = *score.precision, r = score.recall;
      score.f1 = p + r == 0 ? 0.0 : 2 * p * r / (p + r);
    }
    report.optional_fields.push_back(std::move(score));
  }

  // The classifier: expected document type against its label.
  int classified = 0, classified_right = 0;
  for (const LabelledDocument& doc : dataset.documents) {
    const DocumentResult* result = result_of(doc);
    if (result == nullptr || !result->label) continue;
    ++report.confusion[doc.doc_type][*result->label];
    ++classified;
    if (*result->label == doc.doc_type) ++classified_right;
  }
  if (classified > 0) {
    report.classifier_accuracy = static_cast<double>(classified_right) / classified;
  }

  // Straight-through vs accuracy over confidence thresholds.
  for (int step = 0; step <= 20; ++step) {
    const double t = step / 20.0;
    CurvePoint point;
    point.threshold = t;
    int accepted = 0, right = 0;
    std::vector<bool> straight(dataset.documents.size(), true);
    for (size_t d = 0; d < failed.size(); ++d) straight[d] = !failed[d];
    for (const ScoredPair& pair : pairs) {
      if (pair.confidence >= t && pair.confidence > 0) {
        ++accepted;
        right += pair.correct ? 1 : 0;
      } else {
        straight[pair.document] = false;
      }
    }
    if (accepted > 0) point.accuracy = static_cast<double>(right) / accepted;
    if (!pairs.empty()) point.accepted_share = static_cast<double>(accepted) / pairs.size();
    if (!straight.empty()) {
      point.straight_through =
          static_cast<double>(std::count(straight.begin(), straight.end(), true)) / straight.size();
    }
    report.curve.push_back(point);
  }

  // Slices: pair accuracy and straight-through per slice value.
  std::map<std::pair<std::string, std::string>, SliceScore> slices;
  std::vector<int> labelled(dataset.documents.size(), 0);
  for (const ScoredPair& pair : pairs) ++labelled[pair.document];
  for (size_t d = 0; d < dataset.documents.size(); ++d) {
    const LabelledDocument& doc = dataset.documents[d];
    const DocumentResult* result = result_of(doc);
    for (const auto& [slice, value] : doc.slices) {
      SliceScore& score = slices[{slice, value}];
      score.slice = slice;
      score.value = value;
      ++score.cases;
      score.pairs += labelled[d];
      score.correct += labelled[d] - wrong[d];
      if (result != nullptr && result->straight_through.value_or(false)) ++score.straight_through;
    }
  }
  for (auto& [key, score] : slices) {
    if (score.pairs > 0) score.accuracy = static_cast<double>(score.correct) / score.pairs;
    report.slices.push_back(std::move(score));
  }

  // Per case: latency, cost, the workflow's own straight-through, and the list.
  std::vector<double> seconds, costs;
  std::map<std::string, std::pair<double, int>> step_time;  // step → (seconds summed, cases)
  int runs = 0, straight = 0;
  report.cases = Json::array();
  for (size_t d = 0; d < dataset.documents.size(); ++d) {
    const LabelledDocument& doc = dataset.documents[d];
    const DocumentResult* result = result_of(doc);
    Json c = {{"id", doc.id}, {"wrong_fields", wrong[d]}, {"labelled_fields", labelled[d]}};
    if (!doc.slices.empty()) c["slices"] = doc.slices;
    if (result != nullptr) {
      if (!result->error.empty()) c["error"] = result->error;
      for (const auto& [step, step_seconds] : result->step_seconds) {
        step_time[step].first += step_seconds;
        ++step_time[step].second;
      }
      if (result->seconds) {
        seconds.push_back(*result->seconds);
        c["seconds"] = *result->seconds;
      }
      if (result->cost) {
        costs.push_back(*result->cost);
        c["cost"] = *result->cost;
      }
      if (result->straight_through) {
        ++runs;
        straight += *result->straight_through ? 1 : 0;
        c["straight_through"] = *result->straight_through;
        c["reasons"] = result->reasons;
      }
      if (result->label) {
        c["label"] = *result->label;
        c["expected_label"] = doc.doc_type;
      }
    } else {
      c["error"] = "no result";
    }
    report.cases.push_back(std::move(c));
  }
  for (const auto& [step, total] : step_time) {
    report.step_mean_seconds[step] = total.first / total.second;
  }
  if (!seconds.empty()) {
    report.latency_p50 = Quantile(seconds, 0.5);
    report.latency_p95 = Quantile(seconds, 0.95);
  }
  // A cost per case only when every case has one (a price table was given).
  if (!costs.empty() && costs.size() == dataset.documents.size()) {
    double sum = 0;
    for (double cost : costs) sum += cost;
    report.cost_per_case = sum / static_cast<double>(costs.size());
  }
  if (runs > 0) report.workflow_straight_through = static_cast<double>(straight) / runs;
}

}  // namespace flowline::quality
