#include "ai/document/test_documents.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <leptonica/allheaders.h>
#include <openssl/evp.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace flowline::ai::testing {
namespace {

cairo_status_t Append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void DrawText(cairo_t* cr, const std::vector<TextItem>& text, double scale) {
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  for (const TextItem& item : text) {
    cairo_set_font_size(cr, item.size * scale);
    cairo_move_to(cr, item.x * scale, item.y * scale);
    cairo_show_text(cr, item.text.c_str());
  }
}

// A white image of the page with the text, `dpi` pixels per inch.
cairo_surface_t* RenderPage(const std::vector<TextItem>& text, int dpi, double width,
                            double height) {
  const double scale = dpi / 72.0;
  cairo_surface_t* surface =
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(std::lround(width * scale)),
                                 static_cast<int>(std::lround(height * scale)));
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  DrawText(cr, text, scale);
  cairo_destroy(cr);
  cairo_surface_flush(surface);
  return surface;
}

Pix* GrayPix(cairo_surface_t* surface, int dpi) {
  const int w = cairo_image_surface_get_width(surface);
  const int h = cairo_image_surface_get_height(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  Pix* pix = pixCreate(w, h, 8);
  pixSetResolution(pix, dpi, dpi);
  for (int y = 0; y < h; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride);
    l_uint32* line = pixGetData(pix) + static_cast<size_t>(y) * pixGetWpl(pix);
    for (int x = 0; x < w; ++x) SET_DATA_BYTE(line, x, (row[x] >> 8) & 0xFF);  // green
  }
  return pix;
}

// --- the standard security handler, revision 2 (PDF 32000-1 §7.6.3), for MakeEncryptedPdf ---

constexpr std::array<unsigned char, 32> kPadding = {
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A};

std::string Padded(const std::string& password) {
  std::string out = password.substr(0, 32);
  out.append(reinterpret_cast<const char*>(kPadding.data()), 32 - out.size());
  return out;
}

std::string Md5(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string Rc4(const std::string& key, const std::string& data) {
  std::array<unsigned char, 256> s;
  for (int i = 0; i < 256; ++i) s[i] = static_cast<unsigned char>(i);
  for (int i = 0, j = 0; i < 256; ++i) {
    j = (j + s[i] + static_cast<unsigned char>(key[i % key.size()])) & 0xFF;
    std::swap(s[i], s[j]);
  }
  std::string out(data.size(), '\0');
  for (size_t n = 0, i = 0, j = 0; n < data.size(); ++n) {
    i = (i + 1) & 0xFF;
    j = (j + s[i]) & 0xFF;
    std::swap(s[i], s[j]);
    out[n] = static_cast<char>(data[n] ^ s[(s[i] + s[j]) & 0xFF]);
  }
  return out;
}

std::string Hex(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) absl::StrAppendFormat(&out, "%02X", c);
  return out;
}

// A PDF file from its objects (numbered from 1), with a correct cross-reference table.
std::string AssemblePdf(const std::vector<std::string>& objects, const std::string& trailer) {
  std::string pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    absl::StrAppend(&pdf, i + 1, " 0 obj\n", objects[i], "\nendobj\n");
  }
  const size_t xref = pdf.size();
  absl::StrAppend(&pdf, "xref\n0 ", objects.size() + 1, "\n0000000000 65535 f \n");
  for (size_t offset : offsets) absl::StrAppendFormat(&pdf, "%010d 00000 n \n", offset);
  absl::StrAppend(&pdf, "trailer\n<< /Size ", objects.size() + 1, " ", trailer, " >>\nstartxref\n",
                  xref, "\n%%EOF\n");
  return pdf;
}

}  // namespace

std::string MakePdf(const std::vector<PdfPageSpec>& pages) {
  std::string pdf;
  const double first_width = pages.empty() ? 595.28 : pages[0].width;
  const double first_height = pages.empty() ? 841.89 : pages[0].height;
  cairo_surface_t* surface =
      cairo_pdf_surface_create_for_stream(&Append, &pdf, first_width, first_height);
  cairo_t* cr = cairo_create(surface);
  for (const PdfPageSpec& page : pages) {
    cairo_pdf_surface_set_size(surface, page.width, page.height);
    if (page.scanned) {
      cairo_surface_t* image = RenderPage(page.text, page.scan_dpi, page.width, page.height);
      cairo_save(cr);
      cairo_scale(cr, 72.0 / page.scan_dpi, 72.0 / page.scan_dpi);
      cairo_set_source_surface(cr, image, 0, 0);
      cairo_paint(cr);
      cairo_restore(cr);
      cairo_surface_destroy(image);
    } else {
      DrawText(cr, page.text, 1.0);
    }
    cairo_show_page(cr);
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_surface_destroy(surface);
  return pdf;
}

std::string MakePageImage(const std::vector<TextItem>& text, ImageFormat format, int dpi,
                          double width, double height) {
  cairo_surface_t* surface = RenderPage(text, dpi, width, height);
  std::string out;
  if (format == ImageFormat::kPng) {
    cairo_surface_write_to_png_stream(surface, &Append, &out);
  } else {
    Pix* pix = GrayPix(surface, dpi);
    l_uint8* data = nullptr;
    size_t size = 0;
    if (format == ImageFormat::kTiff) {
      pixWriteMemTiff(&data, &size, pix, IFF_TIFF_ZIP);
    } else {
      pixWriteMemJpeg(&data, &size, pix, 90, 0);
    }
    if (data != nullptr) out.assign(reinterpret_cast<const char*>(data), size);
    lept_free(data);
    pixDestroy(&pix);
  }
  cairo_surface_destroy(surface);
  return out;
}

std::string MakeEncryptedPdf(const std::string& user_password) {
  const std::string id = Md5("flowline test document");
  const int permissions = -4;  // all permissions
  const std::string owner_key = Md5(Padded("owner")).substr(0, 5);
  const std::string o = Rc4(owner_key, Padded(user_password));
  std::string p(4, '\0');
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((permissions >> (8 * i)) & 0xFF);
  const std::string key = Md5(Padded(user_password) + o + p + id).substr(0, 5);
  const std::string u = Rc4(key, std::string(reinterpret_cast<const char*>(kPadding.data()), 32));
  // Object 4's key: the file key, the object number (3 bytes) and generation (2 bytes).
  const std::string object_key =
      Md5(key + std::string("\x04\x00\x00\x00\x00", 5)).substr(0, key.size() + 5);
  const std::string content = Rc4(object_key, "BT /F1 24 Tf 72 720 Td (Secret report) Tj ET");
  return AssemblePdf(
      {"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
       "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
       "/Resources << /Font << /F1 6 0 R >> >> >>",
       absl::StrCat("<< /Length ", content.size(), " >>\nstream\n", content, "\nendstream"),
       absl::StrCat("<< /Filter /Standard /V 1 /R 2 /O <", Hex(o), "> /U <", Hex(u), "> /P ",
                    permissions, " >>"),
       "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"},
      absl::StrCat("/Root 1 0 R /Encrypt 5 0 R /ID [<", Hex(id), "> <", Hex(id), ">]"));
}

std::vector<TextItem> InvoiceText(int seed) {
  std::vector<TextItem> text = {
      {"ACME Supplies GmbH", 56, 70, 18},
      {"Industriestrasse 12, 70565 Stuttgart", 56, 90, 10},
      {"INVOICE", 420, 70, 22},
      {absl::StrCat("Invoice no. INV-2026-", 1000 + seed), 380, 110, 11},
      {absl::StrFormat("Date: %02d.03.2026", 1 + seed % 28), 380, 126, 11},
      {"Bill to: Example Trading Ltd", 56, 150, 11},
      {"42 Harbour Road, Bristol BS1 4DJ", 56, 166, 11},
      {"Description", 56, 230, 11},
      {"Qty", 330, 230, 11},
      {"Unit price", 390, 230, 11},
      {"Amount", 480, 230, 11},
  };
  double net = 0;
  for (int i = 0; i < 12; ++i) {
    const int qty = 1 + (seed + i) % 7;
    const double price = 10.0 + ((seed * 37 + i * 13) % 900) / 4.0;
    net += qty * price;
    const double y = 252 + 18 * i;
    text.push_back({absl::StrCat("Consulting services item ", i + 1), 56, y, 10});
    text.push_back({absl::StrCat(qty), 330, y, 10});
    text.push_back({absl::StrFormat("%.2f", price), 390, y, 10});
    text.push_back({absl::StrFormat("%.2f", qty * price), 480, y, 10});
  }
  text.push_back({"Net amount", 390, 500, 11});
  text.push_back({absl::StrFormat("%.2f EUR", net), 480, 500, 11});
  text.push_back({"VAT 19%", 390, 518, 11});
  text.push_back({absl::StrFormat("%.2f EUR", net * 0.19), 480, 518, 11});
  text.push_back({"Total", 390, 540, 12});
  text.push_back({absl::StrFormat("%.2f EUR", net * 1.19), 480, 540, 12});
  text.push_back({"Payment within 30 days to IBAN DE89 3704 0044 0532 0130 00", 56, 600, 10});
  return text;
}

}  // namespace flowline::ai::testing
