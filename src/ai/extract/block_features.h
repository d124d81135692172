// Features of where a name or address block begins and ends, and of what an amount's row says
// about it: the cues a person uses on a receipt or an invoice header, in words that are not any
// vendor's. They are the last kBlockFeatureCount of the base features (features.h).
//
// Words are compared lower-case, letters only, on the candidate's lines, the line before and the
// line after its block, and (amounts, dates) its visual row: every line whose vertical centre is
// within half a line height of the candidate's, as OCR often reads a label and its value as two
// lines. Word classes (block_features.cc): organisation words (sdn bhd, ltd, enterprise,
// trading, restaurant, mart…), street words (jalan, road, lot, floor…), region words (state
// names), contact words (tel, fax, gst, invoice, receipt…), postcodes (a 5-digit token), phone
// numbers and registration numbers ("867388-U").
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "ai/document/document.h"
#include "ai/extract/candidates.h"
#include "ai/extract/field_spec.h"

namespace flowline::ai {

inline constexpr int kBlockFeatureCount = 30;

// Writes kBlockFeatureCount features for every candidate: candidate i's start at
// `rows + i * stride + offset`.
//
//   block_first_org        organisation words in the block's first line
//   block_ends_org         the block's last word is an organisation word ("… SDN BHD")
//   block_open_paren       '(' minus ')' in the block (a name cut inside its parentheses)
//   block_prev_org         organisation words in the line before the block
//   block_next_org         organisation words in the line after it
//   block_next_address     the line after has street words or a postcode (a name sits above
//                          its address)
//   block_next_regno       the line after holds a registration number or only digits
//   block_first_street     the first line starts with a number or holds street words
//   block_last_postcode    the last line holds a postcode
//   block_last_region      the last line holds a region word
//   block_regions          region words in the block
//   block_contact          contact words, phone or registration numbers in the block
//   block_next_contact     … in the line after (an address ends before its phone line)
//   block_next_postcode    the line after holds a postcode (the address goes on)
//   block_next_region      the line after holds a region word (the address goes on)
//   block_prev_street      the line before has street words or a postcode (it began earlier)
//   block_org_offset       first line minus the document's first line with organisation words
//                          (-20 when none)
//   block_postcode_offset  the first line with a postcode minus the block's last line (-20)
//   block_text_line        the first line's rank among the page's lines with 3+ letters
//   row_total              total words on the row (total, amount, due, payable, nett, grand)
//   row_rounded            round, rounded, rounding
//   row_subtotal           subtotal, sub
//   row_tendered           cash, tendered, paid, payment, tender, card
//   row_change             change
//   row_tax                gst, tax, sst, vat, service
//   row_discount           discount, disc, less, saving
//   cash_minus_change      an amount equal to a tendered amount minus a change amount
//   row_time               a time (12:30, 8:13:39) on the row (dates printed with their time)
//   row_including          incl, inclusive, including (of tax)
//   row_excluding          excl, exclusive, excluding, before (tax)
std::vector<std::string> BlockFeatureNames();  // the names above, in column order
void BlockFeatures(const Document& doc, FieldType type, const std::vector<Candidate>& candidates,
                   size_t stride, size_t offset, float* rows);

}  // namespace flowline::ai
