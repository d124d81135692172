#include "ai/document/pdf_file.h"

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <climits>
#include <cmath>
#include <exception>
#include <mutex>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ai/document/text_lines.h"
#include "common/strings.h"

namespace flowline::ai {
namespace {

// A page rendered bigger than this (a poster-sized page at 300 dpi) is rendered at a lower
// resolution instead, so one odd file cannot take the worker's memory.
constexpr double kMaxRenderPixels = 80e6;

void IgnorePopplerMessage(const std::string& /*message*/, void* /*closure*/) {}

void SilencePoppler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function(&IgnorePopplerMessage, nullptr); });
}

std::string Utf8(const poppler::ustring& text) {
  const poppler::byte_array bytes = text.to_utf8();
  std::string out(bytes.begin(), bytes.end());
  // Poppler's byte_array may carry a trailing NUL.
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

bool Sideways(const poppler::page& page) {
  return page.orientation() == poppler::page::landscape ||
         page.orientation() == poppler::page::seascape;
}

}  // namespace

PdfFile::PdfFile(std::unique_ptr<poppler::document> document, std::string name)
    : document_(std::move(document)), name_(std::move(name)) {}

PdfFile::~PdfFile() = default;

absl::StatusOr<std::unique_ptr<PdfFile>> PdfFile::Open(std::string_view bytes,
                                                       std::string_view name) {
  SilencePoppler();
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(name), ": the PDF is larger than 2 GiB; split it into smaller files"));
  }
  std::unique_ptr<poppler::document> document;
  try {
    document.reset(
        poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(name), ": the PDF could not be opened: ", e.what()));
  }
  if (document == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        Sv(name),
        ": the PDF is damaged and could not be opened (truncated or corrupt); check that "
        "the whole file arrived, or re-export it from the program that made it"));
  }
  if (document->is_locked()) {
    return absl::InvalidArgumentError(absl::StrCat(
        Sv(name),
        ": the PDF is encrypted with a password; ask the sender for an unprotected copy or "
        "remove the password before processing"));
  }
  if (document->pages() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(name), ": the PDF has no pages (damaged or empty document)"));
  }
  return std::unique_ptr<PdfFile>(new PdfFile(std::move(document), std::string(name)));
}

int PdfFile::page_count() const { return document_->pages(); }

absl::StatusOr<Page> PdfFile::PageFrame(int index) const {
  std::unique_ptr<poppler::page> page(document_->create_page(index));
  if (page == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(name_, ": page ", index + 1, " of the PDF is damaged and cannot be read"));
  }
  const poppler::rectf rect = page->page_rect(poppler::crop_box);
  Page frame;
  frame.number = index + 1;
  frame.width = Sideways(*page) ? rect.height() : rect.width();
  frame.height = Sideways(*page) ? rect.width() : rect.height();
  if (!(frame.width > 0 && frame.height > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name_, ": page ", index + 1, " of the PDF has no size (broken page box)"));
  }
  return frame;
}

absl::StatusOr<std::vector<Line>> PdfFile::TextLines(int index) const {
  std::unique_ptr<poppler::page> page(document_->create_page(index));
  if (page == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(name_, ": page ", index + 1, " of the PDF is damaged and cannot be read"));
  }
  const poppler::rectf rect = page->page_rect(poppler::crop_box);
  const double width = Sideways(*page) ? rect.height() : rect.width();
  const double height = Sideways(*page) ? rect.width() : rect.height();
  std::vector<PlacedWord> words;
  try {
    // Poppler lays out the text as displayed (the page's /Rotate applied), origin top-left.
    for (const poppler::text_box& box : page->text_list()) {
      const poppler::rectf b = box.bbox();
      words.push_back(PlacedWord{Utf8(box.text()), Box{b.left(), b.top(), b.right(), b.bottom()},
                                 box.has_space_after()});
    }
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(name_, ": the text of page ", index + 1, " could not be read: ", e.what()));
  }
  return GroupIntoLines(std::move(words), width, height);
}

absl::StatusOr<PixPtr> PdfFile::Render(int index, int dpi) const {
  std::unique_ptr<poppler::page> page(document_->create_page(index));
  if (page == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(name_, ": page ", index + 1, " of the PDF is damaged and cannot be read"));
  }
  const poppler::rectf rect = page->page_rect(poppler::crop_box);
  const double pixels = rect.width() * rect.height() * dpi * dpi / (72.0 * 72.0);
  if (pixels > kMaxRenderPixels) {
    dpi = std::max(1, static_cast<int>(dpi * std::sqrt(kMaxRenderPixels / pixels)));
  }
  poppler::page_renderer renderer;
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
  renderer.set_image_format(poppler::image::format_gray8);
  poppler::image image;
  try {
    image = renderer.render_page(page.get(), dpi, dpi);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(name_, ": page ", index + 1, " could not be rendered: ", e.what()));
  }
  if (!image.is_valid() || image.format() != poppler::image::format_gray8) {
    return absl::InvalidArgumentError(absl::StrCat(
        name_, ": page ", index + 1, " of the PDF could not be rendered (damaged content)"));
  }
  PixPtr pix = GrayPixFromRows(image.const_data(), image.width(), image.height(),
                               image.bytes_per_row(), dpi);
  if (pix == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat(name_, ": no memory for the image of page ", index + 1));
  }
  return pix;
}

int UsableChars(const std::vector<Line>& lines) {
  int usable = 0;
  for (const Line& line : lines) {
    for (const Word& word : line.words) {
      const std::string& t = word.text;
      for (size_t i = 0; i < t.size();) {
        const unsigned char c = static_cast<unsigned char>(t[i]);
        // Decode just enough UTF-8 to spot U+FFFD and the private-use area U+E000..U+F8FF.
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
        len = std::min(len, t.size() - i);
        char32_t cp = c;
        if (len == 3) {
          cp = ((c & 0x0F) << 12) | ((static_cast<unsigned char>(t[i + 1]) & 0x3F) << 6) |
               (static_cast<unsigned char>(t[i + 2]) & 0x3F);
        }
        const bool junk = (len == 1 && (c <= 0x20 || c == 0x7F)) || cp == 0xFFFD ||
                          (len == 3 && cp >= 0xE000 && cp <= 0xF8FF);
        if (!junk) ++usable;
        i += len;
      }
    }
  }
  return usable;
}

}  // namespace flowline::ai
