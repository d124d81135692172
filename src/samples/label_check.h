// Test helpers: independent checks of generated labels. They re-read what the layout printed
// with their own small parsers (not the generator's formatting code), so a formatting bug shows
// up as a mismatch instead of being checked against itself.
#pragma once

#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "samples/layout.h"

namespace flowline::samples {

struct ArithmeticCheck {
  bool lines_match_net = true;                    // sum(line amounts) == net_amount
  bool each_line_is_quantity_times_price = true;  // amount == round(quantity * unit_price)
  bool net_plus_tax_is_total = true;              // net_amount + tax_amount == total_amount
  bool due_not_before_issue = true;               // due_date >= invoice_date
};

// Checks the label's fields (absent fields pass).
ArithmeticCheck CheckArithmetic(const nlohmann::ordered_json& fields);

// Every labelled field must be printed by an item tagged with it, and that item's text, parsed
// with the label's date_order, must give the labelled value; every tagged item must be
// labelled. Returns one message per problem (empty: all good).
std::vector<std::string> CheckPrintedValues(const nlohmann::ordered_json& label, const Page& page);

// Independent parsers (exposed for their own tests): "1.234,56 €" -> "1234.56";
// "14. März 2026" with "dmy" -> "2026-03-14"; "7,5" -> "7.5". Empty string if unparseable.
std::string ParsePrintedAmount(const std::string& text);
std::string ParsePrintedDate(const std::string& text, const std::string& date_order);
std::string ParsePrintedQuantity(const std::string& text);

}  // namespace flowline::samples
