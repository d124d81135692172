// The content of one generated document, before any layout: who sends it to whom, its numbers,
// dates, lines and taxes, and the deliberate defects a workflow's checks must catch.
//
// GenerateInvoice/GenerateOtherDocument draw everything from the Rng they are given, so the
// same Rng state gives the same document. Amounts are integer cents; for a document without a
// defect the arithmetic is exact: sum(line amounts) == net, sum(tax lines) == tax,
// net + tax == total, and every line's amount == round(quantity * unit price).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "samples/catalog.h"
#include "samples/rng.h"

namespace flowline::samples {

enum class DocType { kInvoice, kReceipt, kLetter, kPurchaseOrder, kDeliveryNote };

// The dataset's doc_type: "invoice", "receipt", "letter", "purchase_order", "delivery_note".
std::string DocTypeName(DocType type);

struct Line {
  std::string description;
  std::string item_code;        // "A-10442"; printed by some table layouts
  int64_t quantity_hundredths;  // 250 = 2.5
  int64_t unit_price_cents;
  int64_t amount_cents;  // round(quantity * unit price), half up
  int64_t tax_rate_bp;   // the line's tax rate in basis points (1900 = 19%)
};

struct TaxLine {
  std::string name;    // "VAT", "MwSt.", "TVA", "BTW", "CGST", "Sales tax"
  int64_t rate_bp;     // 1900 = 19%
  int64_t base_cents;  // the net amount the rate applies to
  int64_t tax_cents;   // round(base * rate), half up
};

struct SampleDocument {
  DocType type = DocType::kInvoice;
  Language language = Language::kEnglish;  // of the labels printed on it
  Party vendor;                            // the sender (seller, shop, letter writer)
  Party customer;                          // the recipient; empty name for receipts
  std::string currency;                    // ISO 4217
  std::string number;                      // invoice / receipt / PO / delivery-note number
  absl::CivilDay date;                     // the document's date
  std::optional<absl::CivilDay> due_date;
  std::optional<absl::CivilDay> delivery_date;  // a distractor date
  std::optional<absl::CivilDay> order_date;     // a distractor date
  int payment_days = 0;                         // "payable within N days" when > 0
  std::string po_number;                        // empty when none is printed
  std::string customer_number;                  // a distractor id; empty when absent
  std::string contact;                          // a person's name (letters, POs)
  std::string subject;                          // letters
  std::vector<std::string> paragraphs;          // letters
  std::vector<Line> lines;
  std::vector<TaxLine> taxes;
  bool prices_include_tax = false;  // receipts: the total is the sum of the lines
  int64_t net_cents = 0;
  int64_t tax_cents = 0;
  int64_t total_cents = 0;
  // "" or the defect the labels flag: "sum_mismatch" (lines do not add up to the net amount),
  // "total_mismatch" (net + tax != total), "due_before_issue", "duplicate".
  std::string defect;
  std::string duplicate_of;  // for "duplicate": the file of the earlier invoice
};

// A new invoice. `defect_share` is the probability of an arithmetic or date defect.
SampleDocument GenerateInvoice(Rng& rng, double defect_share);

// A receipt, letter, purchase order or delivery note (chosen by the Rng).
SampleDocument GenerateOtherDocument(Rng& rng);

// round(a * b / divisor), half away from zero, without overflow for document-sized values.
int64_t RoundedProduct(int64_t a, int64_t b, int64_t divisor);

// Recomputes net, tax lines, tax and total from the lines (no defect).
void ComputeTotals(SampleDocument& doc);

}  // namespace flowline::samples
