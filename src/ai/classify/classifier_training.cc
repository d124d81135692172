#include "ai/classify/classifier_training.h"

#include <fasttext/fasttext.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ai/classify/classifier.h"
#include "ai/classify/text_normalizer.h"
#include "common/holdout.h"
#include "common/ids.h"
#include "common/model_files.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace flowline::ai {
namespace {

namespace fs = std::filesystem;

struct Example {
  std::string text;
  std::string label;
};

absl::Status CheckOptions(const ClassifierTrainingOptions& o) {
  auto bad = [](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("invalid training setting: ", Sv(what)));
  };
  if (o.data_path.empty()) return bad("--data is required");
  if (o.out_dir.empty()) return bad("--out is required");
  if (o.epochs < 1 || o.epochs > 1000) return bad("--epochs must be between 1 and 1000");
  if (!(o.lr > 0 && o.lr <= 5)) return bad("--lr must be above 0 and at most 5");
  if (o.ngrams < 1 || o.ngrams > 5) return bad("--ngrams must be between 1 and 5");
  if (o.dim < 2 || o.dim > 512) return bad("--dim must be between 2 and 512");
  if (o.bucket < 1000 || o.bucket > 10000000) return bad("--bucket must be 1000..10000000");
  if (!(o.holdout >= 0 && o.holdout <= 0.9)) return bad("--holdout must be between 0 and 0.9");
  if (o.text_field.empty() || o.label_field.empty()) return bad("field names must not be empty");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Example>> ParseExamples(const ClassifierTrainingOptions& o,
                                                   std::string_view data) {
  std::vector<Example> examples;
  size_t line_no = 0;
  size_t start = 0;
  while (start < data.size()) {
    size_t end = data.find('\n', start);
    if (end == std::string_view::npos) end = data.size();
    std::string_view line = data.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = absl::StrCat(Sv(o.data_path), ":", line_no);
    absl::StatusOr<Json> row = common::ParseJson(line, where);
    if (!row.ok()) return row.status();
    if (!row->is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": each line must be a JSON object like {\"", Sv(o.text_field),
                       "\": \"...\", \"", Sv(o.label_field), "\": \"invoice\"}"));
    }
    const Json text = row->value(o.text_field, Json());
    const Json label = row->value(o.label_field, Json());
    if (!text.is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": no text: \"", Sv(o.text_field),
                                                     "\" must be a string (use --text-field to "
                                                     "name the field that holds the text)"));
    }
    if (!label.is_string() || label.get<std::string>().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": no label: \"", Sv(o.label_field),
                       "\" must be a non-empty string (use "
                       "--label-field to name the field that holds the label)"));
    }
    const std::string& label_text = label.get_ref<const std::string&>();
    if (std::any_of(label_text.begin(), label_text.end(),
                    [](char c) { return static_cast<unsigned char>(c) <= ' '; })) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": label \"", label_text,
                                                     "\" contains whitespace; use e.g. "
                                                     "purchase_order instead of purchase order"));
    }
    examples.push_back({text.get<std::string>(), label_text});
  }
  return examples;
}

}  // namespace

absl::StatusOr<Json> TrainClassifier(const ClassifierTrainingOptions& options) {
  RETURN_IF_ERROR(CheckOptions(options));
  const fs::path out(options.out_dir);
  RETURN_IF_ERROR(common::CheckModelDirectory(out));
  ASSIGN_OR_RETURN(std::string data, common::ReadFileBytes(options.data_path));
  ASSIGN_OR_RETURN(std::vector<Example> examples, ParseExamples(options, data));

  std::map<std::string, std::vector<size_t>> by_label;
  for (size_t i = 0; i < examples.size(); ++i) by_label[examples[i].label].push_back(i);
  if (by_label.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        Sv(options.data_path), ": ", examples.size(), " examples with ", by_label.size(),
        " distinct labels; a classifier needs examples of at least two labels"));
  }

  // Stratified split: each label keeps at least one training example.
  std::mt19937_64 rng(static_cast<uint64_t>(options.seed));
  std::vector<size_t> train;
  std::vector<size_t> held_out;
  Json label_stats = Json::array();
  for (auto& [label, indices] : by_label) {
    const size_t n_held = common::SplitHoldOut(indices, options.holdout, rng, &train, &held_out);
    label_stats.push_back({{"label", label},
                           {"examples", indices.size()},
                           {"train", indices.size() - n_held},
                           {"held_out", n_held}});
  }
  common::SeededShuffle(train, rng);  // fastText reads in order: mix the labels

  ASSIGN_OR_RETURN(const fs::path staging, common::MakeStagingDirectory(out));
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ignored;
      if (!dir.empty()) fs::remove_all(dir, ignored);
    }
  } cleanup{staging};

  std::string training_text;
  for (size_t i : train) {
    absl::StrAppend(&training_text, "__label__", examples[i].label, " ",
                    NormalizeText(examples[i].text), "\n");
  }
  const fs::path training_file = staging / "train.txt";
  RETURN_IF_ERROR(common::WriteFileBytes(training_file, training_text));

  fasttext::Args args;
  args.input = training_file.string();
  args.model = fasttext::model_name::sup;
  args.loss = fasttext::loss_name::softmax;
  args.epoch = options.epochs;
  args.lr = options.lr;
  args.wordNgrams = options.ngrams;
  args.dim = options.dim;
  args.bucket = options.ngrams > 1 ? options.bucket : 0;
  args.minn = 0;
  args.maxn = 0;
  args.minCount = 1;
  args.thread = 1;  // one thread: the model depends only on the data and the seed
  args.seed = options.seed;
  args.verbose = 0;  // fastText prints progress to std::cerr otherwise
  args.label = "__label__";
  fasttext::FastText model;
  const fs::path bin_path = staging / "model.bin";
  try {
    model.train(args);
    model.saveModel(bin_path.string());
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("fastText training failed: ", e.what()));
  }
  std::error_code ec;
  fs::remove(training_file, ec);

  std::map<std::string, std::pair<int, int>> held_scores;  // label -> (correct, total)
  int correct = 0;
  for (size_t i : held_out) {
    ASSIGN_OR_RETURN(Classification c, ClassifyWith(model, examples[i].text, 1));
    const bool right = !c.top.empty() && c.top[0].label == examples[i].label;
    correct += right ? 1 : 0;
    auto& [label_correct, label_total] = held_scores[examples[i].label];
    label_correct += right ? 1 : 0;
    ++label_total;
  }
  Json labels = Json::array();
  for (Json& stat : label_stats) {
    auto it = held_scores.find(stat["label"].get<std::string>());
    stat["held_out_accuracy"] =
        it == held_scores.end() ? Json()
                                : Json(static_cast<double>(it->second.first) / it->second.second);
    labels.push_back(stat["label"]);
  }

  ASSIGN_OR_RETURN(std::string bin, common::ReadFileBytes(bin_path.string()));
  Json manifest = {
      {"kind", "classify"},
      {"format", 1},
      {"sha256", common::Sha256Hex(bin)},
      {"text_normalization", kTextNormalization},
      {"training_data",
       {{"file", options.data_path},
        {"sha256", common::Sha256Hex(data)},
        {"text_field", options.text_field},
        {"label_field", options.label_field}}},
      {"settings",
       {{"engine", "fasttext-0.9"},
        {"loss", "softmax"},
        {"epochs", options.epochs},
        {"lr", options.lr},
        {"ngrams", options.ngrams},
        {"dim", options.dim},
        {"bucket", args.bucket},
        {"seed", options.seed},
        {"holdout", options.holdout},
        {"threads", 1}}},
      {"labels", labels},
      {"counts",
       {{"examples", examples.size()}, {"train", train.size()}, {"held_out", held_out.size()}}},
      {"per_label", label_stats},
      {"held_out_accuracy",
       held_out.empty() ? Json() : Json(static_cast<double>(correct) / held_out.size())},
      {"created_at", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", options.now, absl::UTCTimeZone())},
  };
  RETURN_IF_ERROR(common::WriteFileBytes(staging / "model.json", manifest.dump(2) + "\n"));
  RETURN_IF_ERROR(common::ReplaceDirectory(staging, out));
  cleanup.dir.clear();
  return manifest;
}

}  // namespace flowline::ai
