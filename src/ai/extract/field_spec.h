// Field specs for `extract`: which fields a model extracts, each with its type and optional hints.
//
// A FIELDS file is YAML or JSON (YAML is a superset), a mapping from field name to its type or to
// {type, labels, patterns}:
//
//   fields:                                   # the top-level `fields:` key is optional
//     invoice_number: id
//     invoice_date: {type: date, labels: [invoice date, date of issue]}
//     total_amount: {type: amount, labels: [total, amount due], patterns: ['^\d+\.\d\d$']}
//
// or a list [{name, type, labels?, patterns?}]. On the command line a comma list
// "invoice_number:id,invoice_date:date" is also accepted (ParseFieldList). Types are those of
// docs/design/document-ai.md: date, amount, currency, id, text, organisation, address.
// `labels` are words that tend to stand left of or above the value (they become features, the
// learned ranker decides how much they count); `patterns` are ECMAScript regexes that a
// candidate's printed text may match (also a feature, never a filter). A field of type `table`
// (line items) is not ranked: ParseFieldSpecs leaves it out and table_spec.h reads it.
//
// Plain values; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_util.h"

namespace flowline::ai {

enum class FieldType { kDate, kAmount, kCurrency, kId, kText, kOrganisation, kAddress };
const char* FieldTypeName(FieldType type);
std::optional<FieldType> ParseFieldType(std::string_view name);
// True for the types whose candidates are free text (text, organisation, address).
bool IsTextType(FieldType type);

// How ambiguous numeric dates (03/04/2026) are read.
enum class DateOrder { kUnknown, kDmy, kMdy, kYmd };
std::optional<DateOrder> ParseDateOrder(std::string_view name);  // "dmy", "mdy", "ymd"
const char* DateOrderName(DateOrder order);                      // "" for kUnknown

struct FieldSpec {
  std::string name;
  FieldType type = FieldType::kText;
  std::vector<std::string> labels;    // default: none
  std::vector<std::string> patterns;  // default: none

  Json ToJson() const;
};

// Parses a FIELDS document (YAML or JSON text). InvalidArgument naming `what` and the bad field:
// no fields, an unknown type, a duplicate name, a regex that does not compile.
absl::StatusOr<std::vector<FieldSpec>> ParseFieldSpecs(std::string_view text,
                                                       std::string_view what);
// "name:type,name:type"; InvalidArgument as above.
absl::StatusOr<std::vector<FieldSpec>> ParseFieldList(std::string_view list);
// The JSON form ([{name, type, labels, patterns}]) of model.json, read back by ParseFieldSpecs.
Json FieldSpecsToJson(const std::vector<FieldSpec>& fields);

}  // namespace flowline::ai
