#include "ai/document/ocr.h"

#include <leptonica/allheaders.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "ai/document/page_image.h"
#include "common/strings.h"

namespace flowline::ai {
namespace {

// libgomp reads OMP_THREAD_LIMIT once, in its constructor, which runs before main() and before
// any C++ static initialiser of the program. Only an executable's .preinit_array runs earlier,
// but there the C library has not yet set up `environ` (it sets it from the stack afterwards,
// dropping a setenv), so the only way to add the variable is to start the program again with
// it: execve of /proc/self/exe with the same arguments and the variable added. It happens once,
// at start-up, before any other code of the program has run; an OMP_THREAD_LIMIT already set
// (any value) is respected, and if the exec fails the program just runs on unchanged.
// This object file is linked into every program that can OCR (it defines RecognisePage).
void LimitOpenMpThreads(int /*argc*/, char** argv, char** envp) {
  if (argv == nullptr || envp == nullptr) return;
  size_t count = 0;
  for (; envp[count] != nullptr; ++count) {
    if (strncmp(envp[count], "OMP_THREAD_LIMIT=", 17) == 0) return;
  }
  // No allocation: the C library is not initialised yet. Environments longer than this are
  // left alone.
  static char* env[4096];
  if (count + 2 > sizeof(env) / sizeof(env[0])) return;
  static char limit[] = "OMP_THREAD_LIMIT=1";
  for (size_t i = 0; i < count; ++i) env[i] = envp[i];
  env[count] = limit;
  env[count + 1] = nullptr;
  execve("/proc/self/exe", argv, env);
}
[[gnu::section(".preinit_array"),
  gnu::used]] void (*const kLimitOpenMpThreads)(int, char**, char**) = &LimitOpenMpThreads;

struct TextDeleter {
  void operator()(char* text) const { delete[] text; }
};

// The thread's engine, and the languages it was initialised with.
struct ThreadEngine {
  std::unique_ptr<tesseract::TessBaseAPI> api;
  std::string languages;
};

absl::StatusOr<tesseract::TessBaseAPI*> EngineFor(std::string_view languages) {
  thread_local ThreadEngine engine;
  if (engine.api != nullptr && engine.languages == languages) return engine.api.get();
  engine.api.reset();
  auto tessdata = FindTessdata(languages);
  if (!tessdata.ok()) return tessdata.status();
  auto api = std::make_unique<tesseract::TessBaseAPI>();
  // Tesseract prints notes ("Estimating resolution as …") through its debug file.
  api->SetVariable("debug_file", "/dev/null");
  const std::string lang(languages);
  if (api->Init(tessdata->c_str(), lang.c_str(), tesseract::OEM_LSTM_ONLY) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Tesseract could not load the languages \"", lang, "\" from ", *tessdata,
        "; check that the trained data files are complete (reinstall tesseract-ocr-<lang>)"));
  }
  api->SetVariable("debug_file", "/dev/null");
  api->SetPageSegMode(tesseract::PSM_AUTO);
  engine.api = std::move(api);
  engine.languages = lang;
  return engine.api.get();
}

std::string Trim(const char* text) {
  std::string_view t(text == nullptr ? "" : text);
  const size_t begin = t.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  const size_t end = t.find_last_not_of(" \t\r\n");
  return std::string(t.substr(begin, end - begin + 1));
}

// Tesseract's LSTM models read best at text about 30 px high; scans of small print (a 150 dpi
// till receipt: 7-19 px lines) lose characters and whole lines. A page whose median line is
// lower than kMinLineHeight px is read a second time, upscaled in grey (linear interpolation)
// to lines of about kTargetLineHeight px (at most kMaxUpscale times), as one block of text
// (PSM 6): small print is mostly a single column (receipts, slips), and the automatic layout
// analysis split or dropped its label-and-amount lines. The second reading replaces the first.
// Measured on the 50 SROIE receipts (docs/accuracy.md): labelled values found verbatim in the
// text 119 -> 129 of 199; the pages of normal-size print (300 dpi scans) are read once, as before.
constexpr double kMinLineHeight = 20;
constexpr double kTargetLineHeight = 32;
constexpr double kMaxUpscale = 4;

// The median height of the result's lines, in pixels of an image `image_height` high.
double MedianLineHeight(const OcrResult& result, int image_height) {
  std::vector<double> heights;
  for (const Line& line : result.lines) heights.push_back(line.box.height() * image_height);
  if (heights.empty()) return 0;
  std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
  return heights[heights.size() / 2];
}

// One Tesseract pass over `image`: its lines, boxes as fractions of the image.
absl::StatusOr<OcrResult> RecogniseOnce(tesseract::TessBaseAPI* api, Pix* image, int dpi) {
  const double width = pixGetWidth(image);
  const double height = pixGetHeight(image);
  api->SetImage(image);
  api->SetSourceResolution(dpi);
  if (api->Recognize(nullptr) != 0) {
    api->Clear();
    return absl::InternalError("Tesseract could not recognise the page image");
  }
  OcrResult result;
  double confidence_sum = 0;
  int word_count = 0;
  std::unique_ptr<tesseract::ResultIterator> it(api->GetIterator());
  auto normalised = [&](int left, int top, int right, int bottom) {
    return Box{std::clamp(left / width, 0.0, 1.0), std::clamp(top / height, 0.0, 1.0),
               std::clamp(right / width, 0.0, 1.0), std::clamp(bottom / height, 0.0, 1.0)};
  };
  if (it != nullptr) {
    Line line;
    do {
      if (it->IsAtBeginningOf(tesseract::RIL_TEXTLINE) && !line.words.empty()) {
        result.lines.push_back(std::move(line));
        line = Line();
      }
      if (it->Empty(tesseract::RIL_WORD)) continue;
      std::unique_ptr<char[], TextDeleter> raw(it->GetUTF8Text(tesseract::RIL_WORD));
      std::string text = Trim(raw.get());
      if (text.empty()) continue;
      int left = 0, top = 0, right = 0, bottom = 0;
      if (!it->BoundingBox(tesseract::RIL_WORD, &left, &top, &right, &bottom)) continue;
      const double confidence = std::clamp(it->Confidence(tesseract::RIL_WORD) / 100.0, 0.0, 1.0);
      const Box box = normalised(left, top, right, bottom);
      line.box = line.words.empty() ? box : line.box.Union(box);
      line.words.push_back(Word{std::move(text), box, confidence});
      confidence_sum += confidence;
      ++word_count;
    } while (it->Next(tesseract::RIL_WORD));
    if (!line.words.empty()) result.lines.push_back(std::move(line));
  }
  api->Clear();
  result.confidence = word_count > 0 ? confidence_sum / word_count : 0.0;
  return result;
}

}  // namespace

absl::StatusOr<std::string> FindTessdata(std::string_view languages) {
  std::vector<std::string> names = absl::StrSplit(Sv(languages), '+');
  for (const std::string& name : names) {
    const bool ok =
        !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_';
        });
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "languages \"", Sv(languages),
          "\" is not a Tesseract language list; write names joined by '+', e.g. \"eng\" or "
          "\"eng+deu\""));
    }
  }
  std::vector<std::string> candidates;
  if (const char* prefix = getenv("TESSDATA_PREFIX"); prefix != nullptr && *prefix != '\0') {
    candidates.push_back(prefix);
    candidates.push_back(absl::StrCat(prefix, "/tessdata"));
  }
  for (const char* dir :
       {"/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
        "/usr/share/tessdata", "/usr/local/share/tessdata"}) {
    candidates.push_back(dir);
  }
  for (const std::string& dir : candidates) {
    std::error_code ec;
    const bool all = std::all_of(names.begin(), names.end(), [&](const std::string& name) {
      return std::filesystem::is_regular_file(absl::StrCat(dir, "/", name, ".traineddata"), ec);
    });
    if (all) return dir;
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "no Tesseract trained data for \"", Sv(languages), "\" in ", absl::StrJoin(candidates, ", "),
      "; install the language packages (apt-get install tesseract-ocr-", names.front(),
      ") or set TESSDATA_PREFIX to the tessdata folder"));
}

std::string OcrEngineVersion() { return tesseract::TessBaseAPI::Version(); }

absl::StatusOr<OcrResult> RecognisePage(Pix* image, int dpi, std::string_view languages) {
  auto engine = EngineFor(languages);
  if (!engine.ok()) return engine.status();
  tesseract::TessBaseAPI* api = *engine;
  if (pixGetWidth(image) <= 0 || pixGetHeight(image) <= 0) {
    return absl::InvalidArgumentError("the page image is empty");
  }
  absl::StatusOr<OcrResult> result = RecogniseOnce(api, image, dpi);
  if (!result.ok()) return result;
  // Small print read again, larger (see kMinLineHeight).
  const double line_height = MedianLineHeight(*result, pixGetHeight(image));
  if (line_height <= 0 || line_height >= kMinLineHeight) return result;
  const float scale = static_cast<float>(std::min(kMaxUpscale, kTargetLineHeight / line_height));
  PixPtr grey(pixConvertTo8(image, 0));
  PixPtr larger(grey != nullptr ? pixScaleGrayLI(grey.get(), scale, scale) : nullptr);
  if (larger == nullptr) return result;  // out of memory: keep the first reading
  api->SetPageSegMode(tesseract::PSM_SINGLE_BLOCK);
  absl::StatusOr<OcrResult> again =
      RecogniseOnce(api, larger.get(), static_cast<int>(std::lround(dpi * scale)));
  api->SetPageSegMode(tesseract::PSM_AUTO);
  if (!again.ok()) return result;
  return again;
}

}  // namespace flowline::ai
