// Table fields of an extract model: a field of type `table` asks `extract` for the rows of a
// document's item table (line_items.h) instead of one ranked value.
//
// In a FIELDS file (field_spec.h) a table field sits beside the ranked fields:
//
//   fields:
//     total_amount: amount
//     line_items: {type: table, columns: [description, quantity, unit_price, amount]}
//
// `columns` names the cells each row reports, from description, quantity, unit_price and amount
// (default: all four; `amount` is always reported: a row is found by its amount). ParseFieldSpecs
// leaves table fields out; ParseTableSpecs reads only them.
//
// Plain values; thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_util.h"

namespace flowline::ai {

struct TableSpec {
  std::string name;
  std::vector<std::string> columns;  // default: description, quantity, unit_price, amount

  Json ToJson() const;
};

// The column names a table field may ask for.
const std::vector<std::string>& TableColumns();

// The table fields of a FIELDS document (YAML or JSON: a mapping or a list, as field_spec.h;
// model.json's "tables" list reads back too). InvalidArgument naming `what` and the field: an
// unknown column or key, a name the step's output uses itself (fields, values, confidence,
// model, tables).
absl::StatusOr<std::vector<TableSpec>> ParseTableSpecs(std::string_view text,
                                                       std::string_view what);
Json TableSpecsToJson(const std::vector<TableSpec>& tables);

}  // namespace flowline::ai
