// Line items: the rows of a document's item table (description, quantity, unit price, amount),
// found by geometry and checked by arithmetic. No templates, nothing learned per vendor.
//
// On each page:
//  1. Words are grouped into visual rows (by vertical centre, after removing the page's skew, so
//     a scanned page tilted by a degree or two still gives one row per table row).
//  2. The table's header is the first row naming at least two column roles, one of them the
//     amount (Description / Qty / Unit price / Amount, Menge / Einzelpreis / Betrag, Qté / Prix
//     unitaire / Montant, Aantal / Prijs / Bedrag, …). Its words give each column a band
//     (boundaries half-way between neighbouring headers).
//  3. Rows below it whose amount band holds a number are item rows ("anchors"); the anchors fix
//     where each numeric column's values stand (their median right/left edge and centre), so a
//     number in a description that happens to reach into a numeric band is not taken for a cell.
//  4. Walking down from the header: a row with an aligned amount starts an item; a row with a
//     quantity or unit price but no amount starts one whose amount may follow on the next row
//     (cells printed a little lower); a text-only row close below an item continues its
//     description. The table ends at a totals row (Subtotal, Total, Net amount, Zwischensumme,
//     MwSt, Sous-total, Totaal, …, without a quantity), at a second header, at a gap of more than
//     five text heights, or at the page's end. A table still open at a page's end continues on
//     the next page (with that page's own header, or the same columns when it has none).
//  5. Numbers are read tolerating print and OCR forms (a row that does not multiply out because
//     OCR garbled one cell gets that cell recomputed from the other two, see LineItem::corrected):
//     1,234.56  1.234,56  1 234,56  1'234.56 1,23,456.78  (12.50)  12.50-  currency signs and
//     codes, units after quantities (3 m², 20 Stk), and OCR's letter-for-digit swaps (O→0, l/I/|→1,
//     S→5, B→8). A number whose reading is ambiguous (1,000 or 1.000: a thousand or one) takes the
//     reading that makes its row add up.
//
// Confidence (a score in 0..1, not a calibrated probability; see docs/design/document-ai.md): a
// row whose quantity × unit price equals its amount (within half a unit of the price's last
// printed decimal per item, plus a cent) starts at 0.9, a corrected row at 0.7, a row with only
// an amount at 0.75, a row that does not multiply out at 0.4; OCR'd rows are scaled by their
// numbers' OCR confidence. Then the table: when the rows' amounts sum to a reference — an amount
// field extracted from the same document (e.g. net_amount) or an amount printed in the totals block
// below the table — every row's doubt shrinks to 30%; when references exist and none equals the
// sum, every row's confidence is multiplied by 0.6.
//
// Thread-safe (pure functions).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ai/document/document.h"
#include "common/json_util.h"

namespace flowline::ai {

struct LineItem {
  std::string description;                // continuation lines joined with single spaces
  std::optional<std::string> quantity;    // normalised decimal ("2", "2.5"); nullopt: not printed
  std::optional<std::string> unit_price;  // normalised decimal ("100.00", "3.3333")
  std::string amount;                     // normalised decimal ("200.00", "-5.00")
  int page = 0;                           // index into Document::pages
  Box box;                                // every word of the row and its continuation lines
  // quantity × unit_price == amount: true or false when both are printed, else nullopt.
  std::optional<bool> multiplies_out;
  // The cell OCR misread and that was recomputed from the other two ("quantity" or "unit_price":
  // the printed one was noisy or one digit off; "amount": one digit off, and the table adds up
  // only with the recomputed one); empty when none was.
  std::string corrected;
  double confidence = 0;
};

struct LineItemTable {
  std::vector<LineItem> rows;  // in reading order, across pages
  std::string sum;             // the rows' amounts added up ("0.00" without rows)
  // What the sum equals: the name of an extracted amount field ("net_amount"), or
  // "printed total" (an amount printed in the totals block); nullopt: nothing it equals.
  std::optional<std::string> adds_up_to;
  // Whether anything to compare the sum with was found (extracted amounts or printed totals).
  bool had_reference = false;
  double confidence = 0;  // the lowest row confidence; 0 without rows
};

// Finds the item table's rows in `doc`. `amounts` are amount fields already extracted from the
// same document (field name → normalised value): a sum equal to one of them is evidence for the
// rows. Without a recognisable header no rows are returned.
LineItemTable FindLineItems(const Document& doc,
                            const std::map<std::string, std::string>& amounts = {});

// The rows as the step's output lists them, keeping the cells of `columns` (table_spec.h):
//   [{"description": "Consulting", "quantity": "2", "unit_price": "100.00", "amount": "200.00",
//     "confidence": 0.97, "multiplies_out": true,
//     "evidence": {"page": 1, "box": [x0, y0, x1, y1]}}]
Json LineItemsJson(const Document& doc, const LineItemTable& table,
                   const std::vector<std::string>& columns);
// The table's summary: {"rows": 3, "sum": "350.00", "adds_up_to": "net_amount" | null,
// "confidence": 0.97}.
Json LineItemsSummaryJson(const LineItemTable& table);

// A number as printed in a table cell, in ten-thousandths, tolerating the forms above; nullopt
// if `text` is not a number. `alternative` is the other reading of an ambiguous one (1,000).
struct CellNumber {
  int64_t value = 0;  // 1e-4 units
  int decimals = 0;   // printed decimals
  std::optional<int64_t> alternative;
  int alternative_decimals = 0;
  bool noisy = false;  // OCR junk dropped at its ends, or letters read as digits
};
std::optional<CellNumber> ParseCellNumber(std::string_view text);
// "200.00" (amounts: at least two decimals), "2.5" (quantities: as few as needed).
std::string FormatDecimal(int64_t value, int min_decimals);

}  // namespace flowline::ai
