#include "quality/thresholds.h"

#include <algorithm>
#include <optional>
#include <set>

#include "ai/extract/normalize.h"

namespace flowline::quality {
namespace {

// Integer counts against a share: `correct / total >= target`, with room for rounding.
bool Reaches(int correct, int total, double target) {
  return static_cast<double>(correct) >= target * static_cast<double>(total) - 1e-9;
}

bool Accepted(const FieldObservation& value, const std::map<std::string, double>& thresholds) {
  if (value.confirmed) return true;
  auto it = thresholds.find(value.field);
  return it == thresholds.end() || (it->second <= 1 && value.confidence >= it->second);
}

struct Scored {
  double confidence;
  bool correct;
};

// The labelled, unconfirmed values of each field, most confident first: what a threshold
// decides about.
std::map<std::string, std::vector<Scored>> ByField(const std::vector<CaseObservation>& cases) {
  std::map<std::string, std::vector<Scored>> by_field;
  for (const CaseObservation& one : cases) {
    for (const FieldObservation& value : one.fields) {
      std::vector<Scored>& scored = by_field[value.field];
      if (value.labelled && !value.confirmed && !one.failed) {
        scored.push_back(Scored{value.confidence, value.correct});
      }
    }
  }
  for (auto& [field, scored] : by_field) {
    std::sort(scored.begin(), scored.end(),
              [](const Scored& a, const Scored& b) { return a.confidence > b.confidence; });
  }
  return by_field;
}

// Pass 1 for one field: the lowest confidence t whose values at or above it reach the target.
double LowestReaching(const std::vector<Scored>& scored, const TuneOptions& options) {
  double best = kAlwaysReview;
  int accepted = 0, correct = 0;
  for (size_t i = 0; i < scored.size();) {
    const double t = scored[i].confidence;
    for (; i < scored.size() && scored[i].confidence == t; ++i) {
      ++accepted;
      correct += scored[i].correct ? 1 : 0;
    }
    if (accepted >= options.min_accepted && Reaches(correct, accepted, options.target_accuracy)) {
      best = t;
    }
  }
  return best;
}

// At most `limit` of the distinct confidences below `current`, spread evenly, the next lower
// one always among them.
std::vector<double> LowerCandidates(const std::vector<Scored>& scored, double current, int limit) {
  std::vector<double> lower;
  for (const Scored& value : scored) {
    if (value.confidence < current && (lower.empty() || lower.back() != value.confidence)) {
      lower.push_back(value.confidence);
    }
  }
  if (static_cast<int>(lower.size()) <= limit || limit < 2) return lower;
  std::vector<double> thinned;
  for (int k = 0; k < limit; ++k) {
    thinned.push_back(lower[k * (lower.size() - 1) / (limit - 1)]);
  }
  return thinned;
}

bool Feasible(const ThresholdOutcome& outcome, const std::set<std::string>& moved,
              const TuneOptions& options) {
  if (!Reaches(outcome.released_correct, outcome.released, options.target_accuracy)) return false;
  for (const auto& [field, counts] : outcome.fields) {
    if (!Reaches(counts.released_correct, counts.released, options.target_accuracy)) return false;
    if (moved.count(field) > 0 && counts.released < options.min_accepted) return false;
  }
  return true;
}

Json OutcomeFieldJson(const FieldOutcome& counts) {
  return Json{{"labelled", counts.labelled},
              {"accepted", counts.accepted},
              {"accepted_correct", counts.accepted_correct},
              {"released", counts.released},
              {"released_correct", counts.released_correct}};
}

}  // namespace

std::vector<CaseObservation> ObserveCases(const Dataset& dataset,
                                          const std::vector<DocumentResult>& results) {
  std::map<std::string, const DocumentResult*> by_id;
  for (const DocumentResult& result : results) by_id[result.id] = &result;
  std::vector<CaseObservation> cases;
  for (const LabelledDocument& doc : dataset.documents) {
    CaseObservation one;
    one.id = doc.id;
    auto found = by_id.find(doc.id);
    const DocumentResult* result = found == by_id.end() ? nullptr : found->second;
    one.failed = result == nullptr || !result->error.empty();
    for (const ai::FieldSpec& spec : dataset.fields) {
      FieldObservation value;
      value.field = spec.name;
      FieldResult predicted;
      if (!one.failed) {
        auto it = result->fields.find(spec.name);
        if (it != result->fields.end()) predicted = it->second;
      }
      value.confidence = std::clamp(predicted.confidence, 0.0, 1.0);
      value.confirmed = predicted.confirmed;
      auto label = doc.fields.find(spec.name);
      value.labelled = label != doc.fields.end();
      value.correct =
          value.labelled && predicted.normalized.has_value() &&
          ai::MatchKey(spec.type, *predicted.normalized) == ai::MatchKey(spec.type, label->second);
      one.fields.push_back(std::move(value));
    }
    cases.push_back(std::move(one));
  }
  return cases;
}

double ThresholdOutcome::StraightThroughRate() const {
  return cases == 0 ? 0 : static_cast<double>(straight_through) / cases;
}

double ThresholdOutcome::ReleasedAccuracy() const {
  return released == 0 ? 1 : static_cast<double>(released_correct) / released;
}

Json ThresholdOutcome::ToJson() const {
  Json per_field = Json::object();
  for (const auto& [field, counts] : fields) per_field[field] = OutcomeFieldJson(counts);
  return Json{{"cases", cases},
              {"straight_through", straight_through},
              {"straight_through_rate", StraightThroughRate()},
              {"auto_accepted", released},
              {"auto_accepted_correct", released_correct},
              {"auto_accepted_accuracy", ReleasedAccuracy()},
              {"accepted_all_cases", accepted},
              {"accepted_all_cases_correct", accepted_correct},
              {"fields", std::move(per_field)}};
}

bool GoesStraightThrough(const CaseObservation& one,
                         const std::map<std::string, double>& thresholds) {
  if (one.failed) return false;
  for (const FieldObservation& value : one.fields) {
    if (!Accepted(value, thresholds)) return false;
  }
  return true;
}

ThresholdOutcome ApplyThresholds(const std::vector<CaseObservation>& cases,
                                 const std::map<std::string, double>& thresholds) {
  ThresholdOutcome outcome;
  outcome.cases = static_cast<int>(cases.size());
  for (const CaseObservation& one : cases) {
    bool through = !one.failed;
    for (const FieldObservation& value : one.fields) {
      const bool accepted = !one.failed && Accepted(value, thresholds);
      through &= accepted;
      if (!value.labelled) continue;
      FieldOutcome& counts = outcome.fields[value.field];
      ++counts.labelled;
      if (accepted) {
        ++counts.accepted;
        counts.accepted_correct += value.correct ? 1 : 0;
      }
    }
    if (!through) continue;
    ++outcome.straight_through;
    for (const FieldObservation& value : one.fields) {
      if (!value.labelled) continue;
      FieldOutcome& counts = outcome.fields[value.field];
      ++counts.released;
      counts.released_correct += value.correct ? 1 : 0;
    }
  }
  for (const auto& [field, counts] : outcome.fields) {
    outcome.accepted += counts.accepted;
    outcome.accepted_correct += counts.accepted_correct;
    outcome.released += counts.released;
    outcome.released_correct += counts.released_correct;
  }
  return outcome;
}

std::map<std::string, double> ThresholdChoice::Thresholds() const {
  std::map<std::string, double> thresholds;
  for (const FieldThreshold& field : fields) thresholds[field.field] = field.threshold;
  return thresholds;
}

Json ThresholdChoice::ToJson() const {
  Json per_field = Json::array();
  for (const FieldThreshold& field : fields) {
    per_field.push_back(Json{{"field", field.field},
                             {"threshold", field.threshold},
                             {"always_reviewed", field.AlwaysReviewed()},
                             {"per_field_threshold", field.per_field},
                             {"why", field.why}});
  }
  return Json{{"target_accuracy", target_accuracy},
              {"fields", std::move(per_field)},
              {"joint_moves", joint_moves},
              {"per_field_target", per_field_target},
              {"validation", validation.ToJson()}};
}

ThresholdChoice ChooseThresholds(const std::vector<CaseObservation>& validation,
                                 const TuneOptions& options) {
  ThresholdChoice choice;
  choice.target_accuracy = options.target_accuracy;
  const std::map<std::string, std::vector<Scored>> by_field = ByField(validation);
  std::vector<std::string> order;
  for (const CaseObservation& one : validation) {
    for (const FieldObservation& value : one.fields) {
      if (std::find(order.begin(), order.end(), value.field) == order.end()) {
        order.push_back(value.field);
      }
    }
  }
  // Pass 1, and 2: each field reaches its target over all cases, but the values of the
  // straight-through cases are a subset that may not; ask more of every field (a per-field target
  // from `target` up to 1 in twentieths) until they do.
  std::map<std::string, double> thresholds;
  std::map<std::string, double> per_field;
  ThresholdOutcome current;
  std::set<std::string> moved;
  for (int step = 0; step <= 20; ++step) {
    TuneOptions stricter = options;
    stricter.target_accuracy =
        options.target_accuracy + (1 - options.target_accuracy) * step / 20.0;
    for (const std::string& field : order) {
      thresholds[field] = LowestReaching(by_field.at(field), stricter);
    }
    if (step == 0) per_field = thresholds;
    current = ApplyThresholds(validation, thresholds);
    choice.per_field_target = stricter.target_accuracy;
    if (!options.joint || Feasible(current, moved, options)) break;
  }
  if (options.joint && !Feasible(current, moved, options)) {
    for (const std::string& field : order) thresholds[field] = kAlwaysReview;
    current = ApplyThresholds(validation, thresholds);
    choice.per_field_target = 1;
  }
  if (options.joint && Feasible(current, moved, options)) {
    while (true) {
      std::string best_field;
      double best_threshold = 0;
      ThresholdOutcome best = current;
      for (const std::string& field : order) {
        const double was = thresholds[field];
        std::set<std::string> would_move = moved;
        would_move.insert(field);
        for (double t : LowerCandidates(by_field.at(field), was, options.max_candidates)) {
          thresholds[field] = t;
          ThresholdOutcome tried = ApplyThresholds(validation, thresholds);
          // A move may release no wrong value: lowering a threshold pays only where its
          // errors are in cases a person sees anyway. (Allowing a few is overfitting: the
          // greedy search would spend the target's whole margin on validation's noise.)
          if (tried.straight_through > best.straight_through &&
              tried.released - tried.released_correct ==
                  current.released - current.released_correct &&
              Feasible(tried, would_move, options)) {
            best = std::move(tried);
            best_field = field;
            best_threshold = t;
          }
        }
        thresholds[field] = was;
      }
      if (best_field.empty()) break;
      thresholds[best_field] = best_threshold;
      moved.insert(best_field);
      current = std::move(best);
      ++choice.joint_moves;
    }
  }
  for (const std::string& field : order) {
    FieldThreshold chosen;
    chosen.field = field;
    chosen.threshold = thresholds[field];
    chosen.per_field = per_field.at(field);
    if (chosen.threshold > chosen.per_field) {
      chosen.why = "raised so that the straight-through cases' values reach the target";
    } else if (chosen.threshold < chosen.per_field) {
      chosen.why =
          "lowered by the joint pass: its errors below the per-field threshold are in "
          "cases a person sees anyway";
    } else if (chosen.AlwaysReviewed()) {
      chosen.why = by_field.at(field).empty()
                       ? "no labelled, unconfirmed values on validation: always reviewed"
                       : "no threshold reaches the target with enough values: always reviewed";
    } else {
      chosen.why = "the lowest threshold that reaches the target";
    }
    choice.fields.push_back(std::move(chosen));
  }
  choice.validation = std::move(current);
  return choice;
}

}  // namespace flowline::quality
