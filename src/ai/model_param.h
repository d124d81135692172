// The `model:` parameter of the AI step kinds that load a trained artifact (classify, extract,
// score): where the name resolves and how a model that cannot be loaded is reported.
//
// Header-only (each family library includes it; none links another). Thread-safe: no state.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "steps/params.h"

namespace flowline::ai {

// What a step kind says about its models in messages.
struct ModelParamText {
  std::string_view kind;           // "score": "cannot load score model ..."
  std::string_view example;        // "onboarding-risk": "name a model, e.g. model: ..."
  std::string_view train_command;  // "flowline train score --data history.csv --target COLUMN"
  std::string_view train_suffix;   // appended after --out PATH, e.g. " --fields FIELDS"
};

// The directory of model `name`: a name holding a '/' is a path, any other resolves under
// `models_dir`.
inline std::string ModelPath(const std::string& models_dir, const std::string& name) {
  return name.find('/') != std::string::npos ? name
                                             : (std::filesystem::path(models_dir) / name).string();
}

// Reads the `model` parameter at Prepare and loads it with Model::Load(path). Reports an empty
// name or a model that cannot be loaded on `model` (with the command that trains one) and
// returns null then, or when the parameter is absent (already reported). `name` gets the name.
template <typename Model>
std::unique_ptr<Model> LoadModelParam(steps::ParamReader& r, const std::string& models_dir,
                                      const ModelParamText& text, std::string* name) {
  const std::optional<std::string> model = r.String("model");
  if (!model.has_value()) return nullptr;
  *name = *model;
  if (model->empty()) {
    r.Error("model", "`model` is empty",
            absl::StrCat("name a model, e.g. model: ", Sv(text.example)));
    return nullptr;
  }
  const std::string path = ModelPath(models_dir, *model);
  absl::StatusOr<std::unique_ptr<Model>> loaded = Model::Load(path);
  if (!loaded.ok()) {
    r.Error(
        "model",
        absl::StrCat("cannot load ", Sv(text.kind), " model \"", *model,
                     "\": ", loaded.status().message()),
        absl::StrCat("train it with `", Sv(text.train_command), " --out ", path,
                     Sv(text.train_suffix), "`, or point --models at the directory that holds it"));
    return nullptr;
  }
  return *std::move(loaded);
}

}  // namespace flowline::ai
