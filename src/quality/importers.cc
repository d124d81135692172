// Importers for the label formats of the public sets in ../shared/data (see dataset.h and each
// folder's README): they map each set's own field names onto flowline's and normalise values.
#include <dirent.h>

#include <algorithm>
#include <functional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ai/extract/normalize.h"
#include "common/csv.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "quality/dataset_internal.h"

namespace flowline::quality::internal {

namespace {

using ai::FieldType;

// One labelled field of a set: flowline's name and type, and where the set's labels hold it
// (a JSON key or a CSV column).
struct Label {
  const char* field;
  FieldType type;
  const char* source;
};

void AddFields(Dataset& dataset, const std::vector<Label>& labels) {
  for (const Label& label : labels) {
    ai::FieldSpec spec;
    spec.name = label.field;
    spec.type = label.type;
    dataset.fields.push_back(std::move(spec));
  }
}

// The names in `dir` ending in `suffix`, sorted.
std::vector<std::string> ListFiles(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* entry = readdir(d)) {
      std::string name = entry->d_name;
      if (absl::EndsWith(name, Sv(suffix))) names.push_back(name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A label value as text: strings as they are, numbers as JSON writes them.
std::string LabelText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number()) return value.dump();
  return "";
}

absl::StatusOr<common::CsvTable> ReadCsv(const std::string& path,
                                         const std::vector<std::string>& columns) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  ASSIGN_OR_RETURN(common::CsvTable table, common::ParseCsv(text, path));
  for (const std::string& column : columns) {
    if (table.Column(column) < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": has no column '", column, "' (is this the right --format?)"));
    }
  }
  return table;
}

// A set labelled by one CSV file in the set's folder, a row per document: the document is
// <folder>/<id_column value>.pdf, and each label's source is a column (`adapt` may rewrite a
// value before it is normalised; `extra` may read more of the row into the document).
absl::Status LoadCsvLabels(
    Dataset& dataset, const char* csv_name, const char* id_column, const char* folder,
    ai::DateOrder order, const std::vector<Label>& labels,
    const std::function<std::string(const Label&, std::string)>& adapt = nullptr,
    const std::function<void(const common::CsvTable&, const common::CsvRow&, LabelledDocument&)>&
        extra = nullptr) {
  AddFields(dataset, labels);
  const std::string path = absl::StrCat(dataset.dir, "/", csv_name);
  std::vector<std::string> columns = {id_column};
  for (const Label& label : labels) columns.push_back(label.source);
  ASSIGN_OR_RETURN(common::CsvTable table, ReadCsv(path, columns));
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const common::CsvRow& row = table.rows[r];
    const std::string where = absl::StrCat(path, ":", table.row_lines[r]);
    LabelledDocument doc;
    doc.id = absl::StrCat(folder, "/", row[table.Column(id_column)], ".pdf");
    doc.path = absl::StrCat(dataset.dir, "/", doc.id);
    doc.date_order = order;
    if (!FileExists(doc.path)) {
      dataset.warnings.push_back(absl::StrCat(where, ": ", doc.path, " is missing; skipped"));
      continue;
    }
    for (const Label& label : labels) {
      std::string value = row[table.Column(label.source)];
      if (adapt) value = adapt(label, std::move(value));
      SetField(dataset, doc, label.field, value, where);
    }
    if (extra) extra(table, row, doc);
    dataset.documents.push_back(std::move(doc));
  }
  return absl::OkStatus();
}

}  // namespace

// SROIE: key/NNN.json {"company", "date", "address", "total"} for img/NNN.jpg; Malaysian
// receipts, dates day-first. box/NNN.csv, when present, is the set's own transcript.
absl::Status LoadSroie(Dataset& dataset) {
  const std::vector<Label> labels = {{"company", FieldType::kOrganisation, "company"},
                                     {"date", FieldType::kDate, "date"},
                                     {"address", FieldType::kAddress, "address"},
                                     {"total", FieldType::kAmount, "total"}};
  AddFields(dataset, labels);
  for (const std::string& key_file : ListFiles(dataset.dir + "/key", ".json")) {
    const std::string stem = key_file.substr(0, key_file.size() - 5);
    const std::string key_path = absl::StrCat(dataset.dir, "/key/", key_file);
    LabelledDocument doc;
    doc.id = absl::StrCat("img/", stem, ".jpg");
    doc.path = absl::StrCat(dataset.dir, "/", doc.id);
    doc.doc_type = "receipt";
    doc.date_order = ai::DateOrder::kDmy;
    if (!FileExists(doc.path)) {
      dataset.warnings.push_back(absl::StrCat(key_path, ": ", doc.path, " is missing; skipped"));
      continue;
    }
    if (std::string box = absl::StrCat(dataset.dir, "/box/", stem, ".csv"); FileExists(box)) {
      doc.transcript = std::move(box);
    }
    ASSIGN_OR_RETURN(std::string text, ReadWholeFile(key_path));
    absl::StatusOr<Json> key = common::ParseJson(text, key_path);
    if (!key.ok() || !key->is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(key_path, ": not a JSON object",
                       key.ok() ? "" : absl::StrCat(": ", key.status().message())));
    }
    for (const Label& label : labels) {
      if (auto it = key->find(label.source); it != key->end()) {
        SetField(dataset, doc, label.field, LabelText(*it), key_path);
      }
    }
    dataset.documents.push_back(std::move(doc));
  }
  return absl::OkStatus();
}

// FCC ad-buy (DeepForm manifest): labels.csv with contract_num, advertiser, gross_amount,
// flight_from, flight_to for pdfs/<file_id>.pdf; US dates, month-first.
absl::Status LoadFcc(Dataset& dataset) {
  return LoadCsvLabels(dataset, "labels.csv", "file_id", "pdfs", ai::DateOrder::kMdy,
                       {{"contract_number", FieldType::kId, "contract_num"},
                        {"advertiser", FieldType::kOrganisation, "advertiser"},
                        {"gross_amount", FieldType::kAmount, "gross_amount"},
                        {"flight_from", FieldType::kDate, "flight_from"},
                        {"flight_to", FieldType::kDate, "flight_to"}});
}

// invoice2data: files/<name>.json (an array holding one object of the template's output) for
// files/<name>.pdf. Only the keys that name printed invoice fields are imported: `issuer` and
// `desc` are template metadata (see the README).
absl::Status LoadInvoice2data(Dataset& dataset) {
  const std::vector<Label> mapping = {{"invoice_number", FieldType::kId, "invoice_number"},
                                      {"invoice_date", FieldType::kDate, "date"},
                                      {"due_date", FieldType::kDate, "date_due"},
                                      {"currency", FieldType::kCurrency, "currency"},
                                      {"net_amount", FieldType::kAmount, "amount_untaxed"},
                                      {"tax_amount", FieldType::kAmount, "amount_tax"},
                                      {"total_amount", FieldType::kAmount, "amount"}};
  AddFields(dataset, mapping);
  const std::string files = dataset.dir + "/files";
  for (const std::string& json_file : ListFiles(files, ".json")) {
    const std::string stem = json_file.substr(0, json_file.size() - 5);
    const std::string json_path = absl::StrCat(files, "/", json_file);
    LabelledDocument doc;
    doc.id = absl::StrCat("files/", stem, ".pdf");
    doc.path = absl::StrCat(dataset.dir, "/", doc.id);
    // The labels are ISO, which reads the same in any order; the pages print day-first or
    // month-first by issuer ("01.05.14" is not 2001-05-14), so the order is left unknown.
    doc.date_order = ai::DateOrder::kUnknown;
    if (!FileExists(doc.path)) {
      dataset.warnings.push_back(
          absl::StrCat(json_path, ": no PDF ", doc.path, " (text only?); skipped"));
      continue;
    }
    ASSIGN_OR_RETURN(std::string text, ReadWholeFile(json_path));
    absl::StatusOr<Json> json = common::ParseJson(text, json_path);
    if (!json.ok() || !json->is_array() || json->empty() || !(*json)[0].is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(json_path, ": expected an array holding one object"));
    }
    const Json& labels = (*json)[0];
    for (const Label& label : mapping) {
      if (auto it = labels.find(label.source); it != labels.end()) {
        SetField(dataset, doc, label.field, LabelText(*it), json_path);
      }
    }
    dataset.documents.push_back(std::move(doc));
  }
  return absl::OkStatus();
}

// ZUGFeRD: fields.csv (a flat summary of each PDF's embedded CII XML) for pdf/<file>.pdf. The
// XML itself is never read: the printed page is what is extracted.
absl::Status LoadZugferd(Dataset& dataset) {
  // CII dates are YYYYMMDD (format 102).
  auto cii_date = [](const Label& label, std::string value) {
    if (label.type == FieldType::kDate && value.size() == 8 &&
        std::all_of(value.begin(), value.end(), ::isdigit)) {
      value = absl::StrCat(value.substr(0, 4), "-", value.substr(4, 2), "-", value.substr(6, 2));
    }
    return value;
  };
  // The rows themselves are only in the XML; their count and sum check the extracted rows.
  auto line_summary = [](const common::CsvTable& table, const common::CsvRow& row,
                         LabelledDocument& doc) {
    const int count = table.Column("line_count"), total = table.Column("line_total");
    if (count >= 0 && !row[count].empty() &&
        std::all_of(row[count].begin(), row[count].end(), ::isdigit)) {
      doc.line_count = std::stoi(row[count]);
    }
    if (total >= 0) {
      if (std::optional<ai::Normalized> sum = ai::NormalizeAmount(row[total])) {
        doc.line_total = sum->value;
      }
    }
  };
  // The labels become ISO; the pages print DD.MM.YYYY: no order hint (see invoice2data).
  return LoadCsvLabels(dataset, "fields.csv", "file", "pdf", ai::DateOrder::kUnknown,
                       {{"invoice_number", FieldType::kId, "invoice_number"},
                        {"invoice_date", FieldType::kDate, "issue_date"},
                        {"due_date", FieldType::kDate, "due_date"},
                        {"currency", FieldType::kCurrency, "currency"},
                        {"vendor_name", FieldType::kOrganisation, "seller_name"},
                        {"customer_name", FieldType::kOrganisation, "buyer_name"},
                        {"net_amount", FieldType::kAmount, "tax_basis_total"},
                        {"tax_amount", FieldType::kAmount, "tax_total"},
                        {"total_amount", FieldType::kAmount, "grand_total"}},
                       cii_date, line_summary);
}

}  // namespace flowline::quality::internal
