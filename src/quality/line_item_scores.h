// Scoring extracted line items (ai/extract/line_items.h) against a dataset's labelled rows: the
// "line items" part of what `flowline eval` reports.
//
//   rows           a predicted row is right when it pairs with a labelled row (one to one, in
//                  order) of the same amount and quantity (numerically; a labelled quantity must
//                  be extracted) whose description matches fuzzily (token F1 >= 0.5);
//                  precision = right / predicted, recall = right / labelled
//   sum            share of documents whose extracted rows sum to the labelled line total (the
//                  labelled rows' sum, or a set's own line total such as ZUGFeRD's line_total)
//   sum to net     share of documents whose extracted rows sum to the labelled net amount
//   count          share of documents with as many rows as labelled (rows, or line_count)
//   exact          share of documents whose every labelled row is right with nothing extra
// Only documents with labelled rows (or a labelled row count or line total) are scored, and only
// when the results carry line items at all (a model without a table field is not scored).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"

namespace flowline::quality {

struct Dataset;
struct DocumentResult;

struct LineItemRow {
  std::string description;
  std::optional<std::string> quantity;
  std::optional<std::string> unit_price;
  std::string amount;
};

// The rows of an extract step's output: its "line_items" table, else its first table field
// (ai/extract/extract_step.h); nullopt when the output has no table field.
std::optional<std::vector<LineItemRow>> LineItemRowsOf(const Json& output);

struct LineItemScores {
  int documents = 0;  // documents scored
  int labelled_rows = 0, predicted_rows = 0, correct_rows = 0;
  double precision = 0, recall = 0, f1 = 0;
  double description_f1 = 0;  // mean token F1 of the right rows' descriptions
  int unit_price_labelled = 0, unit_price_correct = 0;  // among the right rows
  int sum_documents = 0, sum_correct = 0;               // with a labelled line total
  int net_documents = 0, net_correct = 0;               // with a labelled net amount
  int count_documents = 0, count_correct = 0;           // with a labelled row count
  int exact_documents = 0, exact_correct = 0;           // with labelled rows
  // The documents whose rows are not all right, for people to look at: {document, missed:
  // [labelled rows not found], extra: [predicted rows that match none]}.
  Json errors = Json::array();

  Json ToJson() const;
  std::string ToTable() const;
};

// nullopt when no result carries line items or no document has them labelled.
std::optional<LineItemScores> ScoreLineItems(const Dataset& dataset,
                                             const std::vector<DocumentResult>& results);

}  // namespace flowline::quality
