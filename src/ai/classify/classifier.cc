#include "ai/classify/classifier.h"

#include <fasttext/fasttext.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "ai/classify/text_normalizer.h"
#include "common/ids.h"
#include "common/strings.h"

namespace flowline::ai {
namespace {

constexpr const char* kLabelPrefix = "__label__";
constexpr int32_t kFastTextMagic = 793712314;
constexpr int32_t kFastTextVersion = 12;

absl::StatusOr<std::string> ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(Sv(path.string()), ": cannot be read"));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

Classifier::Classifier() = default;
Classifier::~Classifier() = default;

absl::StatusOr<std::unique_ptr<Classifier>> Classifier::Load(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat("model directory ", Sv(dir), " does not exist"));
  }
  const fs::path manifest_path = fs::path(dir) / "model.json";
  const fs::path bin_path = fs::path(dir) / "model.bin";
  absl::StatusOr<std::string> manifest_text = ReadWholeFile(manifest_path);
  if (!manifest_text.ok()) return manifest_text.status();
  absl::StatusOr<Json> manifest = common::ParseJson(*manifest_text, manifest_path.string());
  if (!manifest.ok()) return absl::FailedPreconditionError(manifest.status().message());
  if (!manifest->is_object() || manifest->value("kind", "") != "classify") {
    return absl::FailedPreconditionError(absl::StrCat(
        Sv(manifest_path.string()), " is not a classify model (kind is not \"classify\")"));
  }
  const std::string normalization = manifest->value("text_normalization", "");
  if (normalization != kTextNormalization) {
    return absl::FailedPreconditionError(absl::StrCat(
        Sv(manifest_path.string()), ": the model was trained with text normalisation \"",
        normalization, "\", this flowline uses \"", kTextNormalization, "\""));
  }
  absl::StatusOr<std::string> bytes = ReadWholeFile(bin_path);
  if (!bytes.ok()) return bytes.status();
  auto classifier = std::unique_ptr<Classifier>(new Classifier());
  classifier->sha256_ = common::Sha256Hex(*bytes);
  if (classifier->sha256_ != manifest->value("sha256", "")) {
    return absl::FailedPreconditionError(
        absl::StrCat(Sv(bin_path.string()),
                     " does not match the SHA-256 in model.json: the file is "
                     "corrupt or was replaced"));
  }
  // fastText's own file check (FastText::checkModel): magic number and format version 12.
  int32_t header[2] = {0, 0};
  if (bytes->size() >= sizeof(header)) std::memcpy(header, bytes->data(), sizeof(header));
  if (header[0] != kFastTextMagic || header[1] != kFastTextVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat(Sv(bin_path.string()), " is not a fastText model file"));
  }
  classifier->model_ = std::make_unique<fasttext::FastText>();
  try {
    // loadModel(istream) reads what follows the header checked above.
    std::istringstream in(bytes->substr(sizeof(header)));
    classifier->model_->loadModel(in);
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat(Sv(bin_path.string()), ": fastText cannot read it: ", e.what()));
  }
  if (classifier->model_->getArgs().model != fasttext::model_name::sup) {
    return absl::FailedPreconditionError(
        absl::StrCat(Sv(bin_path.string()), " is not a supervised fastText model"));
  }
  std::shared_ptr<const fasttext::Dictionary> dict = classifier->model_->getDictionary();
  for (int32_t i = 0; i < dict->nlabels(); ++i) {
    std::string label = dict->getLabel(i);
    if (label.rfind(kLabelPrefix, 0) == 0) label.erase(0, std::string_view(kLabelPrefix).size());
    classifier->labels_.push_back(std::move(label));
  }
  classifier->manifest_ = *std::move(manifest);
  return classifier;
}

absl::StatusOr<Classification> Classifier::Classify(std::string_view text, int top) const {
  return ClassifyWith(*model_, text, top);
}

absl::StatusOr<Classification> ClassifyWith(const fasttext::FastText& model, std::string_view text,
                                            int top) {
  const std::vector<std::string> tokens = NormalizeTokens(text);
  Classification result;
  std::shared_ptr<const fasttext::Dictionary> dict = model.getDictionary();
  if (!tokens.empty()) {
    int known = 0;
    for (const std::string& token : tokens) known += dict->getId(token) >= 0 ? 1 : 0;
    result.known_share = static_cast<double>(known) / static_cast<double>(tokens.size());
  }
  try {
    // getLine adds the end-of-sentence token, which every model knows, so an all-unknown text
    // still gets the model's prior rather than no answer.
    std::istringstream in(absl::StrCat(NormalizeText(text), "\n"));
    std::vector<int32_t> words;
    std::vector<int32_t> labels;
    dict->getLine(in, words, labels);
    fasttext::Predictions predictions;
    model.predict(top, words, predictions, 0.0);
    for (const auto& [log_probability, id] : predictions) {
      std::string label = dict->getLabel(id).substr(std::string_view(kLabelPrefix).size());
      result.top.push_back({std::move(label), std::exp(static_cast<double>(log_probability))});
    }
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("fastText failed to classify the text: ", e.what()));
  }
  return result;
}

}  // namespace flowline::ai
