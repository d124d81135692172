#include "ai/extract/trainer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ai/extract/calibration.h"
#include "ai/extract/candidates.h"
#include "ai/extract/extraction_model.h"
#include "ai/extract/features.h"
#include "ai/extract/normalize.h"
#include "common/ids.h"
#include "common/strings.h"

namespace flowline::ai {
namespace {

constexpr double kTextMatchF1 = 0.8;
constexpr double kTargetAccuracy = 0.98;

// One document's candidates for one field, with what the label says about them.
struct Example {
  std::vector<Candidate> candidates;
  std::vector<float> base;  // kBaseFeatureCount per candidate
  std::vector<Context> contexts;
  std::vector<char> positive;
  bool label_present = false;
  bool matched = false;  // some candidate is positive
  std::string label;     // normalised label
  std::string label_key;
};

struct HeldOutResult {
  HeldOut h;
  double f1 = 0;  // text types: token F1 of the top candidate against the label
};

std::string Round(double v) { return absl::StrFormat("%.4f", v); }
Json Num(double v) { return std::stod(Round(v)); }

uint64_t Mix(uint64_t a, uint64_t b) {
  uint64_t h = 1469598103934665603ull ^ a;
  h *= 1099511628211ull;
  h ^= b;
  h *= 1099511628211ull;
  h ^= h >> 29;
  return h;
}

std::string SafeFileName(const std::string& field) {
  std::string out;
  for (char c : field) {
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '_';
  }
  return out + ".ubj";
}

Example MakeExample(const LabelledDocument& doc, const FieldSpec& field, DateOrder fallback) {
  Example ex;
  CandidateOptions options;
  options.date_order = doc.date_order != DateOrder::kUnknown ? doc.date_order : fallback;
  options.patterns = field.patterns;
  ex.candidates = GenerateCandidates(doc.document, field.type, options);
  ex.base = BaseFeatures(doc.document, field, ex.candidates, &ex.contexts);
  ex.positive.assign(ex.candidates.size(), 0);
  auto it = doc.labels.find(field.name);
  if (it == doc.labels.end() || CollapseWhitespace(it->second).empty()) return ex;
  ex.label_present = true;
  ex.label = NormalizeLabel(field.type, it->second, options.date_order).value_or(it->second);
  ex.label_key = MatchKey(field.type, ex.label);
  for (size_t i = 0; i < ex.candidates.size(); ++i) {
    if (!ex.label_key.empty() &&
        MatchKey(field.type, ex.candidates[i].norm.value) == ex.label_key) {
      ex.positive[i] = 1;
      ex.matched = true;
    }
  }
  if (!ex.matched && IsTextType(field.type)) {
    double best = kTextMatchF1;
    std::vector<double> f1(ex.candidates.size());
    for (size_t i = 0; i < ex.candidates.size(); ++i) {
      f1[i] = TokenF1(ex.candidates[i].norm.value, ex.label);
      best = std::max(best, f1[i]);
    }
    for (size_t i = 0; i < ex.candidates.size(); ++i) {
      if (f1[i] >= best && f1[i] >= kTextMatchF1) {
        ex.positive[i] = 1;
        ex.matched = true;
      }
    }
  }
  return ex;
}

std::vector<std::string> Vocabulary(const std::vector<Example>& examples,
                                    const std::vector<int>& train, const FieldSpec& field,
                                    size_t size) {
  std::vector<Context> contexts;
  for (int d : train) {
    const Example& ex = examples[d];
    Context merged;
    for (size_t i = 0; i < ex.candidates.size(); ++i) {
      if (!ex.positive[i]) continue;
      merged.left.insert(merged.left.end(), ex.contexts[i].left.begin(), ex.contexts[i].left.end());
      merged.above.insert(merged.above.end(), ex.contexts[i].above.begin(),
                          ex.contexts[i].above.end());
    }
    if (ex.matched) contexts.push_back(std::move(merged));
  }
  return LearnVocabulary(contexts, field, size);
}

// A ranker trained on documents `train` (null if none has a positive candidate).
absl::StatusOr<std::unique_ptr<Ranker>> TrainOn(const std::vector<Example>& examples,
                                                const std::vector<int>& train,
                                                const std::vector<std::string>& vocabulary,
                                                const TrainOptions& options) {
  FeatureMatrix x;
  x.columns = kBaseFeatureCount + 2 * vocabulary.size();
  std::vector<float> labels;
  std::vector<unsigned> groups;
  bool any_positive = false;
  for (int d : train) {
    const Example& ex = examples[d];
    // A label that no candidate matches says nothing reliable about the candidates.
    if (ex.candidates.empty() || (ex.label_present && !ex.matched)) continue;
    std::vector<size_t> keep, negatives;
    for (size_t i = 0; i < ex.candidates.size(); ++i) {
      (ex.positive[i] ? keep : negatives).push_back(i);
    }
    if (negatives.size() > static_cast<size_t>(options.max_negatives)) {
      std::sort(negatives.begin(), negatives.end(), [d](size_t a, size_t b) {
        return Mix(static_cast<uint64_t>(d), a) < Mix(static_cast<uint64_t>(d), b);
      });
      negatives.resize(static_cast<size_t>(options.max_negatives));
    }
    keep.insert(keep.end(), negatives.begin(), negatives.end());
    std::sort(keep.begin(), keep.end());
    const std::vector<float> rows = AddVocabulary(ex.base, ex.contexts, vocabulary);
    for (size_t i : keep) {
      x.values.insert(x.values.end(), rows.begin() + static_cast<std::ptrdiff_t>(i * x.columns),
                      rows.begin() + static_cast<std::ptrdiff_t>((i + 1) * x.columns));
      labels.push_back(ex.positive[i] ? 1.0f : 0.0f);
      any_positive = any_positive || ex.positive[i];
    }
    groups.push_back(static_cast<unsigned>(keep.size()));
  }
  if (!any_positive) return std::unique_ptr<Ranker>();
  return Ranker::Train(x, labels, groups, options.ranker);
}

absl::StatusOr<HeldOutResult> Evaluate(const Example& ex, const FieldSpec& field,
                                       const Ranker* ranker,
                                       const std::vector<std::string>& vocabulary) {
  HeldOutResult r;
  r.h.label_present = ex.label_present;
  if (ranker == nullptr || ex.candidates.empty()) return r;
  FeatureMatrix x;
  x.columns = kBaseFeatureCount + 2 * vocabulary.size();
  x.values = AddVocabulary(ex.base, ex.contexts, vocabulary);
  absl::StatusOr<std::vector<float>> scores = ranker->Predict(x);
  if (!scores.ok()) return scores.status();
  const TopTwo top = PickTop(*scores);
  r.h.has_candidate = true;
  r.h.score = top.score;
  r.h.margin = top.margin;
  const Candidate& best = ex.candidates[top.best];
  r.h.correct = ex.label_present && MatchKey(field.type, best.norm.value) == ex.label_key;
  if (ex.label_present) r.f1 = TokenF1(best.norm.value, ex.label);
  return r;
}

// The lowest confidence threshold at which accepted fields are >= kTargetAccuracy right, and
// the share of documents with every field accepted there.
Json StraightThrough(const std::vector<std::vector<Scored>>& by_document) {
  std::set<double> thresholds;
  for (const auto& doc : by_document) {
    for (const Scored& s : doc) thresholds.insert(s.confidence);
  }
  for (double t : thresholds) {
    int accepted = 0, right = 0, documents = 0;
    for (const auto& doc : by_document) {
      bool all = true;
      for (const Scored& s : doc) {
        if (s.confidence >= t) {
          ++accepted;
          right += s.correct ? 1 : 0;
        } else {
          all = false;
        }
      }
      documents += all ? 1 : 0;
    }
    if (accepted > 0 && right >= kTargetAccuracy * accepted) {
      return Json{{"target_accuracy", kTargetAccuracy},
                  {"threshold", Num(t)},
                  {"rate", Num(static_cast<double>(documents) / by_document.size())},
                  {"accepted_accuracy", Num(static_cast<double>(right) / accepted)}};
    }
  }
  return Json{{"target_accuracy", kTargetAccuracy}, {"threshold", nullptr}, {"rate", 0.0}};
}

absl::Status WriteFile(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Json> TrainExtractionModel(const std::vector<LabelledDocument>& documents,
                                          const std::vector<FieldSpec>& fields,
                                          const TrainOptions& options, const std::string& out_dir) {
  const int n = static_cast<int>(documents.size());
  if (n < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("extract training needs at least 2 labelled documents, got ", n));
  }
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  // The usual date order of the data: the model's default for documents without a hint.
  std::map<DateOrder, int> orders;
  for (const LabelledDocument& d : documents) {
    if (d.date_order != DateOrder::kUnknown) ++orders[d.date_order];
  }
  DateOrder date_order = DateOrder::kUnknown;
  int most = 0;
  for (const auto& [order, count] : orders) {
    if (count > most) {
      most = count;
      date_order = order;
    }
  }
  // Folds by the hash of the file name: stable whatever order the documents come in.
  const int folds = std::min(options.folds, n);
  std::vector<int> by_hash(n);
  std::iota(by_hash.begin(), by_hash.end(), 0);
  std::vector<std::string> hashes;
  for (const LabelledDocument& d : documents) hashes.push_back(common::Sha256Hex(d.file));
  std::sort(by_hash.begin(), by_hash.end(),
            [&](int a, int b) { return std::tie(hashes[a], a) < std::tie(hashes[b], b); });
  std::vector<int> fold(n);
  for (int i = 0; i < n; ++i) fold[by_hash[i]] = i % folds;

  std::filesystem::create_directories(out_dir);
  Json field_models = Json::object();
  Json heldout_fields = Json::object();
  std::vector<std::vector<Scored>> by_document(n);
  std::vector<Scored> all_scored;
  double accuracy_sum = 0;
  for (const FieldSpec& field : fields) {
    say(absl::StrCat("field ", field.name, " (", FieldTypeName(field.type), "): candidates"));
    std::vector<Example> examples;
    examples.reserve(n);
    int present = 0, matched = 0;
    for (const LabelledDocument& d : documents) {
      examples.push_back(MakeExample(d, field, date_order));
      present += examples.back().label_present;
      matched += examples.back().matched;
    }
    if (matched == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field ", field.name, ": its label (", present, " documents) never equals one of the ",
          FieldTypeName(field.type),
          " values found on the documents; check the field's type and the labels' format"));
    }
    std::vector<HeldOutResult> held(n);
    for (int k = 0; k < folds; ++k) {
      std::vector<int> train, test;
      for (int d = 0; d < n; ++d) (fold[d] == k ? test : train).push_back(d);
      const auto vocabulary = Vocabulary(examples, train, field, options.vocabulary_size);
      auto ranker = TrainOn(examples, train, vocabulary, options);
      if (!ranker.ok()) return ranker.status();
      for (int d : test) {
        auto r = Evaluate(examples[d], field, ranker->get(), vocabulary);
        if (!r.ok()) return r.status();
        held[d] = *r;
      }
      say(absl::StrCat("field ", field.name, ": fold ", k + 1, "/", folds, " done"));
    }
    std::vector<HeldOut> all;
    for (const HeldOutResult& r : held) all.push_back(r.h);
    const Calibration calibration = FitCalibration(all);
    // Cross-fitted calibration: each fold's confidences come from a fit without that fold.
    std::vector<Scored> scored(n);
    for (int k = 0; k < folds; ++k) {
      std::vector<HeldOut> others;
      for (int d = 0; d < n; ++d) {
        if (fold[d] != k) others.push_back(held[d].h);
      }
      const Calibration c = FitCalibration(others);
      for (int d = 0; d < n; ++d) {
        if (fold[d] == k) scored[d] = ScoreHeldOut(c, held[d].h);
      }
    }
    int right = 0, answered = 0, answered_right = 0;
    double f1_sum = 0;
    for (int d = 0; d < n; ++d) {
      right += scored[d].correct;
      answered += scored[d].answered;
      answered_right += scored[d].answered && scored[d].correct;
      f1_sum += examples[d].label_present ? held[d].f1 : 0;
      by_document[d].push_back(scored[d]);
      all_scored.push_back(scored[d]);
    }
    const double accuracy = static_cast<double>(right) / n;
    accuracy_sum += accuracy;
    Json report = Json{
        {"type", FieldTypeName(field.type)},
        {"documents_with_field", present},
        {"candidate_recall", Num(present ? static_cast<double>(matched) / present : 1)},
        {"accuracy", Num(accuracy)},
        {"coverage", Num(static_cast<double>(answered) / n)},
        {"answered_accuracy", Num(answered ? static_cast<double>(answered_right) / answered : 0)},
        {"ece", Num(ExpectedCalibrationError(scored))}};
    if (IsTextType(field.type) && present > 0) report["mean_token_f1"] = Num(f1_sum / present);
    heldout_fields[field.name] = report;
    say(absl::StrCat("field ", field.name, ": held-out accuracy ", Round(accuracy),
                     ", candidate recall ", report["candidate_recall"].dump()));

    // The final ranker, on every document.
    std::vector<int> everyone(n);
    std::iota(everyone.begin(), everyone.end(), 0);
    const auto vocabulary = Vocabulary(examples, everyone, field, options.vocabulary_size);
    auto ranker = TrainOn(examples, everyone, vocabulary, options);
    if (!ranker.ok()) return ranker.status();
    Json fm = Json{{"vocabulary", vocabulary},
                   {"feature_names", FeatureNames(vocabulary)},
                   {"calibration", calibration.ToJson()}};
    if (*ranker != nullptr) {
      absl::StatusOr<std::string> bytes = (*ranker)->Save();
      if (!bytes.ok()) return bytes.status();
      const std::string file = SafeFileName(field.name);
      if (absl::Status s = WriteFile(std::filesystem::path(out_dir) / file, *bytes); !s.ok()) {
        return s;
      }
      fm["file"] = file;
      fm["file_sha256"] = common::Sha256Hex(*bytes);
    }
    field_models[field.name] = fm;
  }

  const RankerSettings& r = options.ranker;
  Json model = Json::object();
  model["kind"] = "extract";
  model["format"] = 1;
  model["name"] =
      options.name.empty() ? std::filesystem::path(out_dir).filename().string() : options.name;
  model["fields"] = FieldSpecsToJson(fields);
  if (!options.tables.empty()) model["tables"] = TableSpecsToJson(options.tables);
  model["date_order"] = DateOrderName(date_order);
  model["settings"] = Json{{"objective", r.objective},
                           {"rounds", r.rounds},
                           {"max_depth", r.max_depth},
                           {"eta", r.eta},
                           {"min_child_weight", r.min_child_weight},
                           {"subsample", r.subsample},
                           {"seed", r.seed},
                           {"nthread", 1},
                           {"folds", folds},
                           {"vocabulary_size", options.vocabulary_size},
                           {"max_negatives", options.max_negatives}};
  model["training_data_sha256"] = options.data_sha256;
  model["documents"] = n;
  model["heldout"] = Json{{"method", absl::StrCat(folds, "-fold cross-fitting")},
                          {"fields", heldout_fields},
                          {"mean_accuracy", Num(accuracy_sum / static_cast<double>(fields.size()))},
                          {"ece", Num(ExpectedCalibrationError(all_scored))},
                          {"straight_through", StraightThrough(by_document)}};
  model["field_models"] = field_models;
  model["sha256"] = common::Sha256Hex(common::CanonicalJson(model));
  if (absl::Status s = WriteFile(std::filesystem::path(out_dir) / "model.json", model.dump(2));
      !s.ok()) {
    return s;
  }
  return model;
}

}  // namespace flowline::ai
