// Layout: where each piece of a SampleDocument is printed, and how it is formatted.
//
// LayOut draws a Style (date, number and currency formats; header arrangement; label-left-of vs
// label-above; table column order; font) and places text on a Page in points (origin top-left,
// y is the text baseline). Every text item that prints a labelled value names the field(s) it
// carries ("invoice_number", "line_items.2.amount", "currency"), so the labels and the tests know
// exactly what was printed where. Rendering (render.h) turns a Page into a PDF or an image.
//
// Pure functions of (document, Rng state); thread-safe.
#pragma once

#include <string>
#include <vector>

#include "samples/formats.h"
#include "samples/rng.h"
#include "samples/sample_document.h"

namespace flowline::samples {

enum class Align { kLeft, kRight, kCenter };

struct TextItem {
  double x = 0;  // the left edge, right edge or centre, per `align`
  double y = 0;  // the baseline
  std::string text;
  double size = 9;
  bool bold = false;
  Align align = Align::kLeft;
  double grey = 0;                  // 0 black .. 1 white
  std::vector<std::string> fields;  // the labelled fields this text prints (usually none)
};

struct Rule {
  double x0, y0, x1, y1;
  double width;
};

struct Shade {
  double x, y, w, h;
  double grey;
};

struct Page {
  double width = 595.28;  // A4 in points
  double height = 841.89;
  std::string font_family = "DejaVu Sans";
  std::vector<TextItem> texts;
  std::vector<Rule> rules;
  std::vector<Shade> shades;
};

struct Style {
  DateStyle date = DateStyle::kIso;
  NumberStyle number = NumberStyle::kCommaGroupDotDecimal;
  CurrencyStyle currency = CurrencyStyle::kCodeBefore;
  int header = 0;              // 0 sender left/title right, 1 mirrored, 2 centred sender
  bool labels_above = false;   // meta block: label above its value instead of left of it
  int meta_place = 0;          // 0 column beside the addresses, 1 row below them
  int table = 0;               // column order variant, 0..4
  bool table_grid = false;     // rules between rows
  bool percent_space = false;  // "19 %" instead of "19%"
  std::string font_family = "DejaVu Sans";

  // A short id of the layout choices ("h1-a0-m0-t3-sans"), for variety statistics.
  std::string Id() const;
};

struct LaidOutDocument {
  Style style;
  Page page;
};

// Chooses a style that fits the document (a German invoice mostly prints 14.03.2026 and
// 1.234,56; a share of documents mix conventions on purpose) and lays the document out.
LaidOutDocument LayOut(const SampleDocument& doc, Rng& rng);

// Helpers shared by the layout files (layout*.cc).
namespace layout_internal {

Style ChooseStyle(const SampleDocument& doc, Rng& rng);
void LayOutBusinessDocument(const SampleDocument& doc, const Style& style, Rng& rng, Page& page);
// The line-item table from `top`; sets `bottom` to the y below it.
void LayOutTable(const SampleDocument& doc, const Style& style, Rng& rng, double top, Page& page,
                 double& bottom);
// Totals, notes (payment terms, currency statement) and the footer, from `top`.
void LayOutTotalsAndFooter(const SampleDocument& doc, const Style& style, Rng& rng, double top,
                           Page& page);
void LayOutReceipt(const SampleDocument& doc, const Style& style, Rng& rng, Page& page);
void LayOutLetter(const SampleDocument& doc, const Style& style, Rng& rng, Page& page);

// Adds a text item and returns it for further tweaks.
TextItem& Text(Page& page, double x, double y, std::string text, double size, bool bold = false,
               Align align = Align::kLeft, std::vector<std::string> fields = {});

// A rough width of `text` in points at `size` (DejaVu Sans averages ~0.55 em per glyph); used
// to keep columns from overlapping, not for exact placement.
double ApproxWidth(const std::string& text, double size);

// printf-style substitution of one %d or %s in a vocabulary template.
std::string Fill(const std::string& pattern, const std::string& value);

}  // namespace layout_internal
}  // namespace flowline::samples
