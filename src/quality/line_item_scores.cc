#include "quality/line_item_scores.h"

#include <cmath>
#include <map>

#include "absl/strings/str_format.h"
#include "ai/extract/normalize.h"
#include "quality/dataset.h"
#include "quality/evaluation.h"

namespace flowline::quality {
namespace {

constexpr double kDescriptionF1 = 0.5;

std::optional<double> Number(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::optional<ai::Normalized> n = ai::NormalizeAmount(*text);
  if (!n) return std::nullopt;
  return std::stod(n->value);
}

bool Same(const std::optional<double>& a, const std::optional<double>& b) {
  return a && b && std::abs(*a - *b) < 0.005;
}

std::optional<std::string> Text(const Json& row, const char* key) {
  auto it = row.find(key);
  if (it == row.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return std::nullopt;
}

std::vector<LineItemRow> LabelledRows(const Json& rows) {
  std::vector<LineItemRow> out;
  if (!rows.is_array()) return out;
  for (const Json& row : rows) {
    if (!row.is_object()) continue;
    LineItemRow r;
    r.description = Text(row, "description").value_or("");
    r.quantity = Text(row, "quantity");
    r.unit_price = Text(row, "unit_price");
    r.amount = Text(row, "amount").value_or("");
    out.push_back(std::move(r));
  }
  return out;
}

Json RowJson(const LineItemRow& row) {
  return Json{{"description", row.description},
              {"quantity", row.quantity ? Json(*row.quantity) : Json(nullptr)},
              {"unit_price", row.unit_price ? Json(*row.unit_price) : Json(nullptr)},
              {"amount", row.amount}};
}

std::string Share(int part, int whole) {
  if (whole == 0) return "-";
  return absl::StrFormat("%.1f%% (%d/%d)", 100.0 * part / whole, part, whole);
}

double Ratio(int part, int whole) { return whole == 0 ? 0.0 : static_cast<double>(part) / whole; }

}  // namespace

std::optional<std::vector<LineItemRow>> LineItemRowsOf(const Json& output) {
  if (!output.is_object()) return std::nullopt;
  auto tables = output.find("tables");
  if (tables == output.end() || !tables->is_object() || tables->empty()) return std::nullopt;
  std::string name = tables->contains("line_items") ? "line_items" : tables->begin().key();
  auto rows = output.find(name);
  if (rows == output.end()) return std::nullopt;
  return LabelledRows(*rows);
}

std::optional<LineItemScores> ScoreLineItems(const Dataset& dataset,
                                             const std::vector<DocumentResult>& results) {
  std::map<std::string, const DocumentResult*> by_id;
  bool any = false;
  for (const DocumentResult& result : results) {
    by_id[result.id] = &result;
    any = any || result.line_items.has_value();
  }
  if (!any) return std::nullopt;
  LineItemScores s;
  double description_sum = 0;
  for (const LabelledDocument& doc : dataset.documents) {
    const std::vector<LineItemRow> labelled = LabelledRows(doc.line_items);
    std::optional<double> line_total = Number(doc.line_total);
    if (!line_total && !labelled.empty()) {
      double sum = 0;
      for (const LineItemRow& row : labelled) sum += Number(row.amount).value_or(0);
      line_total = sum;
    }
    std::optional<int> count = doc.line_count;
    if (!count && !labelled.empty()) count = static_cast<int>(labelled.size());
    if (labelled.empty() && !line_total && !count) continue;
    ++s.documents;
    auto found = by_id.find(doc.id);
    std::vector<LineItemRow> predicted;
    if (found != by_id.end() && found->second->error.empty() && found->second->line_items) {
      predicted = *found->second->line_items;
    }
    // Rows, paired in order.
    std::vector<bool> used(predicted.size(), false);
    int right = 0;
    Json missed = Json::array();
    for (const LineItemRow& label : labelled) {
      const int before = right;
      for (size_t i = 0; i < predicted.size(); ++i) {
        const LineItemRow& p = predicted[i];
        if (used[i] || !Same(Number(p.amount), Number(label.amount))) continue;
        if (label.quantity && !Same(Number(p.quantity), Number(label.quantity))) continue;
        const double f1 =
            label.description.empty() ? 1.0 : ai::TokenF1(p.description, label.description);
        if (f1 < kDescriptionF1) continue;
        used[i] = true;
        ++right;
        description_sum += f1;
        if (label.unit_price) {
          ++s.unit_price_labelled;
          s.unit_price_correct += Same(Number(p.unit_price), Number(label.unit_price)) ? 1 : 0;
        }
        break;
      }
      if (right == before) missed.push_back(RowJson(label));
    }
    Json extra = Json::array();
    for (size_t i = 0; i < predicted.size(); ++i) {
      if (!used[i] && !labelled.empty()) extra.push_back(RowJson(predicted[i]));
    }
    if (!missed.empty() || !extra.empty()) {
      s.errors.push_back(Json{{"document", doc.id}, {"missed", missed}, {"extra", extra}});
    }
    s.labelled_rows += static_cast<int>(labelled.size());
    s.correct_rows += right;
    // Predicted rows count only where rows are labelled: a row count alone cannot say which
    // predicted row is wrong.
    if (!labelled.empty()) {
      s.predicted_rows += static_cast<int>(predicted.size());
      ++s.exact_documents;
      s.exact_correct +=
          right == static_cast<int>(labelled.size()) && predicted.size() == labelled.size();
    }
    double sum = 0;
    for (const LineItemRow& p : predicted) sum += Number(p.amount).value_or(0);
    if (line_total) {
      ++s.sum_documents;
      s.sum_correct += !predicted.empty() && std::abs(sum - *line_total) < 0.005;
    }
    if (std::optional<double> net =
            Number(doc.fields.count("net_amount") ? std::optional(doc.fields.at("net_amount"))
                                                  : std::nullopt)) {
      ++s.net_documents;
      s.net_correct += !predicted.empty() && std::abs(sum - *net) < 0.005;
    }
    if (count) {
      ++s.count_documents;
      s.count_correct += static_cast<int>(predicted.size()) == *count;
    }
  }
  if (s.documents == 0) return std::nullopt;
  s.precision = Ratio(s.correct_rows, s.predicted_rows);
  s.recall = Ratio(s.correct_rows, s.labelled_rows);
  s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0;
  s.description_f1 = s.correct_rows > 0 ? description_sum / s.correct_rows : 0;
  return s;
}

Json LineItemScores::ToJson() const {
  return Json{{"documents", documents},
              {"rows",
               {{"labelled", labelled_rows},
                {"predicted", predicted_rows},
                {"correct", correct_rows},
                {"precision", precision},
                {"recall", recall},
                {"f1", f1},
                {"description_f1", description_f1},
                {"unit_price_accuracy", Ratio(unit_price_correct, unit_price_labelled)}}},
              {"sum_matches_line_total",
               {{"documents", sum_documents},
                {"correct", sum_correct},
                {"share", Ratio(sum_correct, sum_documents)}}},
              {"sum_matches_net",
               {{"documents", net_documents},
                {"correct", net_correct},
                {"share", Ratio(net_correct, net_documents)}}},
              {"row_count_matches",
               {{"documents", count_documents},
                {"correct", count_correct},
                {"share", Ratio(count_correct, count_documents)}}},
              {"documents_exact",
               {{"documents", exact_documents},
                {"correct", exact_correct},
                {"share", Ratio(exact_correct, exact_documents)}}},
              {"errors", errors}};
}

std::string LineItemScores::ToTable() const {
  std::string out = absl::StrFormat("\nline items (%d documents):\n", documents);
  if (labelled_rows > 0) {
    out += absl::StrFormat(
        "  rows: precision %.1f%%, recall %.1f%% (%d right of %d predicted, %d labelled); "
        "description F1 %.2f, unit price %s\n",
        100 * precision, 100 * recall, correct_rows, predicted_rows, labelled_rows, description_f1,
        Share(unit_price_correct, unit_price_labelled));
  }
  out += absl::StrFormat("  rows sum to the labelled line total: %s\n",
                         Share(sum_correct, sum_documents));
  out += absl::StrFormat("  rows sum to the labelled net amount: %s\n",
                         Share(net_correct, net_documents));
  out += absl::StrFormat("  as many rows as labelled: %s\n", Share(count_correct, count_documents));
  if (exact_documents > 0) {
    out += absl::StrFormat("  every row right, none extra: %s\n",
                           Share(exact_correct, exact_documents));
  }
  return out;
}

}  // namespace flowline::quality
