#include "ai/document/reader.h"

#include <leptonica/allheaders.h>

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ai/document/file_type.h"
#include "ai/document/ocr.h"
#include "ai/document/page_image.h"
#include "ai/document/pdf_file.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "steps/artifacts.h"

namespace flowline::ai {
namespace {

constexpr int kDefaultImageDpi = 300;  // document.h: when an image does not say

// Raise whenever a read's output changes for the same file and options, so that cached reads
// (cli/document_cache.h) are not served stale. 2: small print read again, upscaled (ocr.cc).
constexpr int kReaderVersion = 2;

absl::Status CheckOptions(const ReadOptions& options) {
  if (options.dpi < 50 || options.dpi > 1200) {
    return absl::InvalidArgumentError(
        absl::StrCat("dpi ", options.dpi, " is out of range; use 50..1200 (300 suits OCR)"));
  }
  if (options.page_image_dpi < 50 || options.page_image_dpi > 1200) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_image_dpi ", options.page_image_dpi, " is out of range; use 50..1200"));
  }
  if (options.min_text_chars < 0) {
    return absl::InvalidArgumentError("min_text_chars must not be negative");
  }
  return absl::OkStatus();
}

class Reader {
 public:
  Reader(std::string_view name, const ReadOptions& options, steps::ArtifactStore* artifacts)
      : name_(name),
        options_(options),
        artifacts_(options.keep_page_images ? artifacts : nullptr) {}

  absl::Status ReadPdf(std::string_view bytes, Document& document) {
    ASSIGN_OR_RETURN(std::unique_ptr<PdfFile> pdf, PdfFile::Open(bytes, name_));
    for (int index = 0; index < pdf->page_count(); ++index) {
      ASSIGN_OR_RETURN(Page page, pdf->PageFrame(index));
      bool usable = false;
      if (options_.ocr != OcrMode::kAlways) {
        ASSIGN_OR_RETURN(page.lines, pdf->TextLines(index));
        usable = UsableChars(page.lines) >= options_.min_text_chars;
      }
      if (!usable && options_.ocr != OcrMode::kNever) {
        ASSIGN_OR_RETURN(PixPtr image, pdf->Render(index, options_.dpi));
        RETURN_IF_ERROR(Recognise(image.get(), pixGetXRes(image.get()), page));
        if (artifacts_ != nullptr) {
          // The OCR render is scaled down to the kept resolution rather than rendered again.
          const float scale = static_cast<float>(options_.page_image_dpi) /
                              static_cast<float>(pixGetXRes(image.get()));
          PixPtr kept(scale < 1 ? pixScaleGrayLI(image.get(), scale, scale) : nullptr);
          RETURN_IF_ERROR(Keep(kept != nullptr ? kept.get() : image.get(), page));
        }
      } else if (artifacts_ != nullptr) {
        ASSIGN_OR_RETURN(PixPtr image, pdf->Render(index, options_.page_image_dpi));
        RETURN_IF_ERROR(Keep(image.get(), page));
      }
      document.pages.push_back(std::move(page));
    }
    return absl::OkStatus();
  }

  absl::Status ReadImage(std::string_view bytes, FileType type, Document& document) {
    if (options_.ocr == OcrMode::kNever) {
      return absl::InvalidArgumentError(
          absl::StrCat(name_, ": the file is an image (", MediaType(type),
                       "), which can only be read by OCR, but ocr is \"never\"; use ocr: auto"));
    }
    SilenceLeptonica();
    const auto* data = reinterpret_cast<const l_uint8*>(bytes.data());
    std::vector<PixPtr> images;
    if (type == FileType::kTiff) {
      Pixa* pixa = pixaReadMemMultipageTiff(data, bytes.size());
      const int count = pixa != nullptr ? pixaGetCount(pixa) : 0;
      for (int i = 0; i < count; ++i) images.emplace_back(pixaGetPix(pixa, i, L_COPY));
      pixaDestroy(&pixa);
    } else {
      images.emplace_back(pixReadMem(data, bytes.size()));
    }
    if (images.empty() ||
        std::any_of(images.begin(), images.end(), [](const PixPtr& p) { return p == nullptr; })) {
      return absl::InvalidArgumentError(absl::StrCat(
          name_, ": the ", MediaType(type),
          " image is damaged and could not be decoded (truncated or corrupt); check that the "
          "whole file arrived, or scan it again"));
    }
    for (size_t i = 0; i < images.size(); ++i) {
      Pix* image = images[i].get();
      if (pixGetColormap(image) != nullptr) {
        images[i].reset(pixRemoveColormap(image, REMOVE_CMAP_BASED_ON_SRC));
        image = images[i].get();
        if (image == nullptr) return absl::InternalError("could not expand the image's palette");
      }
      const int dpi = PixDpi(image, kDefaultImageDpi);
      Page page;
      page.number = static_cast<int>(i) + 1;
      page.width = pixGetWidth(image) * 72.0 / dpi;
      page.height = pixGetHeight(image) * 72.0 / dpi;
      RETURN_IF_ERROR(Recognise(image, dpi, page));
      if (artifacts_ != nullptr) {
        if (type == FileType::kTiff) {
          RETURN_IF_ERROR(Keep(image, page));
        } else {
          ASSIGN_OR_RETURN(page.image,
                           artifacts_->Put(bytes, type == FileType::kPng ? "png" : "jpg"));
        }
      }
      document.pages.push_back(std::move(page));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Recognise(Pix* image, int dpi, Page& page) {
    auto result = RecognisePage(image, dpi, options_.languages);
    if (!result.ok()) {
      return absl::Status(result.status().code(), absl::StrCat(name_, ": page ", page.number, ": ",
                                                               result.status().message()));
    }
    page.ocr = true;
    page.lines = std::move(result->lines);
    page.confidence = result->confidence;
    return absl::OkStatus();
  }

  absl::Status Keep(Pix* image, Page& page) {
    ASSIGN_OR_RETURN(std::string png, EncodePng(image));
    ASSIGN_OR_RETURN(page.image, artifacts_->Put(png, "png"));
    return absl::OkStatus();
  }

  const std::string name_;
  const ReadOptions& options_;
  steps::ArtifactStore* const artifacts_;
};

}  // namespace

std::string ReaderVersion() {
  return absl::StrCat("reader ", kReaderVersion, ", tesseract ", OcrEngineVersion());
}

absl::StatusOr<Document> ReadDocument(std::string_view bytes, std::string_view name,
                                      const ReadOptions& options, steps::ArtifactStore* artifacts) {
  RETURN_IF_ERROR(CheckOptions(options));
  ASSIGN_OR_RETURN(const FileType type, DetectFileType(bytes, name));
  Document document;
  document.sha256 = common::Sha256Hex(bytes);
  document.media_type = MediaType(type);
  Reader reader(name, options, artifacts);
  if (type == FileType::kPdf) {
    RETURN_IF_ERROR(reader.ReadPdf(bytes, document));
  } else {
    RETURN_IF_ERROR(reader.ReadImage(bytes, type, document));
  }
  return document;
}

}  // namespace flowline::ai
