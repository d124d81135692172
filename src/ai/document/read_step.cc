#include "ai/document/read_step.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ai/document/reader.h"
#include "common/strings.h"
#include "steps/artifacts.h"
#include "steps/params.h"

namespace flowline::ai {
namespace {

using steps::ParamReader;
using steps::StepOutcome;

// Bigger files are refused rather than read into a worker's memory.
constexpr std::streamoff kMaxFileBytes = 512LL << 20;

// Reads the options from `r` (either stage); a deferred value keeps its default.
ReadOptions ReadParams(ParamReader& r) {
  ReadOptions options;
  if (std::optional<std::string> languages = r.String("languages")) {
    const bool ok =
        !languages->empty() && std::all_of(languages->begin(), languages->end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+';
        });
    if (!ok) {
      r.Error("languages", absl::StrCat("\"", *languages, "\" is not a Tesseract language list"),
              "write language names joined by '+', e.g. eng or eng+deu");
    }
    options.languages = *languages;
  }
  if (const Json* dpi = r.Get("dpi")) {
    const double value = dpi->get<double>();
    if (value < 50 || value > 1200) {
      r.Error("dpi", absl::StrCat("dpi ", dpi->dump(), " is out of range"),
              "use 50..1200; 300 suits OCR");
    } else {
      options.dpi = static_cast<int>(value);
    }
  }
  if (std::optional<std::string> ocr = r.String("ocr")) {
    if (*ocr == "auto") {
      options.ocr = OcrMode::kAuto;
    } else if (*ocr == "always") {
      options.ocr = OcrMode::kAlways;
    } else if (*ocr == "never") {
      options.ocr = OcrMode::kNever;
    } else {
      r.Error("ocr", absl::StrCat("unknown ocr mode \"", *ocr, "\""),
              "use auto (OCR pages without text), always or never");
    }
  }
  if (const Json* keep = r.Get("keep_page_images")) options.keep_page_images = keep->get<bool>();
  if (std::optional<std::string> file = r.String("file"); file && file->empty()) {
    r.Error("file", "file is empty", "give a path or an artifact key (sha256:<hex>.<ext>)");
  }
  return options;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot open \"", path,
                     "\" (no such file, or not readable); check the path, which is "
                     "relative to the worker's working directory"));
  }
  const std::streamoff size = in.tellg();
  if (size > kMaxFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat("\"", path, "\" is ", size >> 20,
                                                   " MiB; document.read takes files up to ",
                                                   kMaxFileBytes >> 20, " MiB"));
  }
  std::string bytes(static_cast<size_t>(std::max<std::streamoff>(size, 0)), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("could not read \"", path, "\""));
  }
  return bytes;
}

// The file a step names: an artifact (through the store's file) or a path.
absl::StatusOr<std::string> LoadFile(const std::string& file, steps::ArtifactStore* artifacts) {
  if (!steps::IsArtifactKey(file)) return ReadWholeFile(file);
  if (artifacts == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "file \"", file, "\" is an artifact key, but this process has no artifact store"));
  }
  absl::StatusOr<std::string> path = artifacts->PathOf(file);
  if (!path.ok()) return path.status();
  return ReadWholeFile(*path);
}

// Retrying helps only when the problem is outside the file and the spec (the disk, the store).
steps::ErrorClass ClassOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kInternal:
      return steps::ErrorClass::kPermanent;
    default:
      return steps::ErrorClass::kTransient;
  }
}

double Confidence(const Document& document) {
  double lowest = std::numeric_limits<double>::infinity();
  bool any_words = false;
  for (const Page& page : document.pages) {
    any_words = any_words || !page.lines.empty();
    if (page.ocr) lowest = std::min(lowest, page.confidence.value_or(0.0));
  }
  if (!any_words) return 0.0;
  return std::isinf(lowest) ? 1.0 : lowest;
}

class PreparedRead final : public steps::PreparedStep {
 public:
  explicit PreparedRead(const steps::StepKindInfo& info) : info_(info) {}

  StepOutcome Execute(const steps::StepContext& ctx) const override {
    const Json empty = Json::object();
    ParamReader r(info_, ctx.params != nullptr ? *ctx.params : empty, ParamReader::Stage::kExecute);
    const ReadOptions options = ReadParams(r);
    const std::optional<std::string> file = r.String("file");
    if (!r.ok() || !file) return StepOutcome::Failed(r.Summary());

    absl::StatusOr<std::string> bytes = LoadFile(*file, ctx.artifacts);
    if (!bytes.ok()) {
      return StepOutcome::Failed(absl::StrCat("document.read: ", bytes.status().message()),
                                 ClassOf(bytes.status()));
    }
    absl::StatusOr<Document> document = ReadDocument(*bytes, *file, options, ctx.artifacts);
    if (!document.ok()) {
      return StepOutcome::Failed(absl::StrCat("document.read: ", document.status().message()),
                                 ClassOf(document.status()));
    }
    Json output = document->ToJson();
    return StepOutcome::Completed(std::move(output), Confidence(*document));
  }

 private:
  const steps::StepKindInfo info_;
};

}  // namespace

DocumentReadStep::DocumentReadStep() {
  info_.name = "document.read";
  info_.description =
      "Reads a PDF or image (PNG, JPEG, TIFF) into pages, lines and words with boxes: the PDF's "
      "text layer where it has one, OCR (Tesseract) elsewhere.";
  info_.actors = {steps::Actor::kAi};
  info_.params = {
      {"file", steps::ParamType::kString, true, false,
       "the file: a path, or an artifact key sha256:<hex>.<ext> of an uploaded file"},
      {"languages", steps::ParamType::kString, false, false,
       "OCR languages, Tesseract names joined by '+' (default eng)"},
      {"dpi", steps::ParamType::kInteger, false, false,
       "resolution for OCR of PDF pages without text, 50..1200 (default 300)"},
      {"ocr", steps::ParamType::kString, false, false,
       "auto (OCR pages without a text layer; default), always, or never"},
      {"keep_page_images", steps::ParamType::kBoolean, false, false,
       "keep each page's image as an artifact for the review screen (default true)"},
  };
}

std::unique_ptr<steps::PreparedStep> DocumentReadStep::Prepare(
    std::string_view /*step_id*/, const Json& with, std::vector<steps::ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  ReadParams(r);
  if (!r.Report(errors)) return nullptr;
  return std::make_unique<PreparedRead>(info_);
}

}  // namespace flowline::ai
