// Importers for the label formats of the public sets in ../shared/data (see dataset.h and each
// folder's README): they map each set's own field names onto flowline's and normalise values.
#include <dirent.h>

#include <algorithm>

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

void AddField(Dataset& dataset, const char* name, FieldType type) {
  ai::FieldSpec spec;
  spec.name = name;
  spec.type = type;
  dataset.fields.push_back(std::move(spec));
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

}  // namespace

// SROIE: key/NNN.json {"company", "date", "address", "total"} for img/NNN.jpg; Malaysian
// receipts, dates day-first.
absl::Status LoadSroie(Dataset& dataset) {
  AddField(dataset, "company", FieldType::kOrganisation);
  AddField(dataset, "date", FieldType::kDate);
  AddField(dataset, "address", FieldType::kAddress);
  AddField(dataset, "total", FieldType::kAmount);
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
    ASSIGN_OR_RETURN(std::string text, ReadWholeFile(key_path));
    absl::StatusOr<Json> key = common::ParseJson(text, key_path);
    if (!key.ok() || !key->is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(key_path, ": not a JSON object",
                       key.ok() ? "" : absl::StrCat(": ", key.status().message())));
    }
    for (const char* name : {"company", "date", "address", "total"}) {
      if (auto it = key->find(name); it != key->end()) {
        SetField(dataset, doc, name, LabelText(*it), key_path);
      }
    }
    dataset.documents.push_back(std::move(doc));
  }
  return absl::OkStatus();
}

// FCC ad-buy (DeepForm manifest): labels.csv with contract_num, advertiser, gross_amount,
// flight_from, flight_to for pdfs/<file_id>.pdf; US dates, month-first.
absl::Status LoadFcc(Dataset& dataset) {
  AddField(dataset, "contract_number", FieldType::kId);
  AddField(dataset, "advertiser", FieldType::kOrganisation);
  AddField(dataset, "gross_amount", FieldType::kAmount);
  AddField(dataset, "flight_from", FieldType::kDate);
  AddField(dataset, "flight_to", FieldType::kDate);
  const std::string labels = dataset.dir + "/labels.csv";
  const std::vector<std::string> columns = {"file_id",      "contract_num", "advertiser",
                                            "gross_amount", "flight_from",  "flight_to"};
  ASSIGN_OR_RETURN(common::CsvTable table, ReadCsv(labels, columns));
  const std::vector<std::pair<const char*, const char*>> mapping = {
      {"contract_number", "contract_num"},
      {"advertiser", "advertiser"},
      {"gross_amount", "gross_amount"},
      {"flight_from", "flight_from"},
      {"flight_to", "flight_to"}};
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const common::CsvRow& row = table.rows[r];
    const std::string where = absl::StrCat(labels, ":", table.row_lines[r]);
    LabelledDocument doc;
    doc.id = absl::StrCat("pdfs/", row[table.Column("file_id")], ".pdf");
    doc.path = absl::StrCat(dataset.dir, "/", doc.id);
    doc.date_order = ai::DateOrder::kMdy;
    if (!FileExists(doc.path)) {
      dataset.warnings.push_back(absl::StrCat(where, ": ", doc.path, " is missing; skipped"));
      continue;
    }
    for (const auto& [field, column] : mapping) {
      SetField(dataset, doc, field, row[table.Column(column)], where);
    }
    dataset.documents.push_back(std::move(doc));
  }
  return absl::OkStatus();
}

// invoice2data: files/<name>.json (an array holding one object of the template's output) for
// files/<name>.pdf. Only the keys that name printed invoice fields are imported: `issuer` and
// `desc` are template metadata (see the README).
absl::Status LoadInvoice2data(Dataset& dataset) {
  AddField(dataset, "invoice_number", FieldType::kId);
  AddField(dataset, "invoice_date", FieldType::kDate);
  AddField(dataset, "due_date", FieldType::kDate);
  AddField(dataset, "currency", FieldType::kCurrency);
  AddField(dataset, "net_amount", FieldType::kAmount);
  AddField(dataset, "tax_amount", FieldType::kAmount);
  AddField(dataset, "total_amount", FieldType::kAmount);
  const std::vector<std::pair<const char*, const char*>> mapping = {
      {"invoice_number", "invoice_number"},
      {"invoice_date", "date"},
      {"due_date", "date_due"},
      {"currency", "currency"},
      {"net_amount", "amount_untaxed"},
      {"tax_amount", "amount_tax"},
      {"total_amount", "amount"}};
  const std::string files = dataset.dir + "/files";
  for (const std::string& json_file : ListFiles(files, ".json")) {
    const std::string stem = json_file.substr(0, json_file.size() - 5);
    const std::string json_path = absl::StrCat(files, "/", json_file);
    LabelledDocument doc;
    doc.id = absl::StrCat("files/", stem, ".pdf");
    doc.path = absl::StrCat(dataset.dir, "/", doc.id);
    doc.date_order = ai::DateOrder::kYmd;  // the labels are ISO
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
    for (const auto& [field, key] : mapping) {
      if (auto it = labels.find(key); it != labels.end()) {
        SetField(dataset, doc, field, LabelText(*it), json_path);
      }
    }
    dataset.documents.push_back(std::move(doc));
  }
  return absl::OkStatus();
}

// ZUGFeRD: fields.csv (a flat summary of each PDF's embedded CII XML) for pdf/<file>.pdf. The
// XML itself is never read: the printed page is what is extracted.
absl::Status LoadZugferd(Dataset& dataset) {
  AddField(dataset, "invoice_number", FieldType::kId);
  AddField(dataset, "invoice_date", FieldType::kDate);
  AddField(dataset, "due_date", FieldType::kDate);
  AddField(dataset, "currency", FieldType::kCurrency);
  AddField(dataset, "vendor_name", FieldType::kOrganisation);
  AddField(dataset, "customer_name", FieldType::kOrganisation);
  AddField(dataset, "net_amount", FieldType::kAmount);
  AddField(dataset, "tax_amount", FieldType::kAmount);
  AddField(dataset, "total_amount", FieldType::kAmount);
  const std::string labels = dataset.dir + "/fields.csv";
  const std::vector<std::pair<const char*, const char*>> mapping = {
      {"invoice_number", "invoice_number"},
      {"invoice_date", "issue_date"},
      {"due_date", "due_date"},
      {"currency", "currency"},
      {"vendor_name", "seller_name"},
      {"customer_name", "buyer_name"},
      {"net_amount", "tax_basis_total"},
      {"tax_amount", "tax_total"},
      {"total_amount", "grand_total"}};
  std::vector<std::string> columns = {"file"};
  for (const auto& [field, column] : mapping) columns.push_back(column);
  ASSIGN_OR_RETURN(common::CsvTable table, ReadCsv(labels, columns));
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const common::CsvRow& row = table.rows[r];
    const std::string where = absl::StrCat(labels, ":", table.row_lines[r]);
    LabelledDocument doc;
    doc.id = absl::StrCat("pdf/", row[table.Column("file")], ".pdf");
    doc.path = absl::StrCat(dataset.dir, "/", doc.id);
    doc.date_order = ai::DateOrder::kYmd;
    if (!FileExists(doc.path)) {
      dataset.warnings.push_back(absl::StrCat(where, ": ", doc.path, " is missing; skipped"));
      continue;
    }
    for (const auto& [field, column] : mapping) {
      std::string value = row[table.Column(column)];
      // CII dates are YYYYMMDD (format 102).
      if ((std::string_view(field) == "invoice_date" || std::string_view(field) == "due_date") &&
          value.size() == 8 && std::all_of(value.begin(), value.end(), ::isdigit)) {
        value = absl::StrCat(value.substr(0, 4), "-", value.substr(4, 2), "-", value.substr(6, 2));
      }
      SetField(dataset, doc, field, value, where);
    }
    dataset.documents.push_back(std::move(doc));
  }
  return absl::OkStatus();
}

}  // namespace flowline::quality::internal
