#include "quality/dataset.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "ai/extract/normalize.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "quality/case_files.h"
#include "quality/dataset_internal.h"

namespace flowline::quality {

namespace internal {

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return std::move(bytes).str();
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void SetField(Dataset& dataset, LabelledDocument& doc, const std::string& name,
              std::string_view label, std::string_view where) {
  if (ai::CollapseWhitespace(label).empty()) return;
  const ai::FieldSpec* spec = nullptr;
  for (const ai::FieldSpec& field : dataset.fields) {
    if (field.name == name) spec = &field;
  }
  if (spec == nullptr) {
    doc.fields[name] = ai::CollapseWhitespace(label);
    return;
  }
  std::optional<std::string> value = ai::NormalizeLabel(spec->type, label, doc.date_order);
  if (!value) {
    dataset.warnings.push_back(absl::StrCat(Sv(where), ": ", name, " label '", Sv(label),
                                            "' is not a ", ai::FieldTypeName(spec->type),
                                            "; left out of the labels"));
    return;
  }
  doc.fields[name] = *value;
}

}  // namespace internal

namespace {

using internal::FileExists;

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string DetectFormat(const std::string& dir) {
  if (FileExists(dir + "/labels.jsonl")) return "flowline";
  if (IsDir(dir + "/key") && IsDir(dir + "/img")) return "sroie";
  if (FileExists(dir + "/labels.csv") && IsDir(dir + "/pdfs")) return "fcc";
  if (FileExists(dir + "/fields.csv") && IsDir(dir + "/pdf")) return "zugferd";
  if (IsDir(dir + "/files")) return "invoice2data";
  return "";
}

// labels.jsonl (docs/design/document-ai.md), with field types from fields.yaml if present.
absl::Status LoadFlowline(Dataset& dataset) {
  const std::string labels_path = dataset.dir + "/labels.jsonl";
  for (const char* name : {"fields.yaml", "fields.json"}) {
    std::string path = absl::StrCat(dataset.dir, "/", name);
    if (!FileExists(path)) continue;
    ASSIGN_OR_RETURN(std::string text, internal::ReadWholeFile(path));
    ASSIGN_OR_RETURN(dataset.fields, ai::ParseFieldSpecs(text, path));
    break;
  }
  if (dataset.fields.empty()) dataset.fields = InvoiceFieldSpecs();
  ASSIGN_OR_RETURN(std::string text, internal::ReadWholeFile(labels_path));
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(Sv(text), '\n')) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    const std::string where = absl::StrCat(labels_path, ":", line_number);
    absl::StatusOr<Json> json =
        common::ParseJson(std::string_view(line.data(), line.size()), labels_path);
    if (!json.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", json.status().message()));
    }
    if (!json->is_object() || !json->contains("file") || !(*json)["file"].is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": each line must be an object with a string \"file\""));
    }
    LabelledDocument doc;
    doc.id = (*json)["file"].get<std::string>();
    doc.path = absl::StrCat(dataset.dir, "/", doc.id);
    doc.doc_type = json->value("doc_type", std::string("invoice"));
    doc.defect = json->value("defect", std::string());
    if (auto source = json->find("source"); source != json->end()) {
      // `flowline labels export` writes {"run_id", "task_id"}: a reviewer's corrections.
      // `flowline samples` writes how the file was made ("pdf" or "scan"): a slice, "medium".
      // Provenance always has a kind and a reference ("import:sroie", "review:<task>").
      if (source->is_string() && source->get<std::string>().find(':') == std::string::npos) {
        doc.slices["medium"] = source->get<std::string>();
      } else if (source->is_string()) {
        doc.source = source->get<std::string>();
      } else if (source->is_object() && source->contains("task_id") &&
                 (*source)["task_id"].is_string()) {
        doc.source = absl::StrCat("review:", (*source)["task_id"].get<std::string>());
      }
    }
    if (auto slices = json->find("slices"); slices != json->end()) {
      if (!slices->is_object()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": \"slices\" must be an object of strings"));
      }
      for (const auto& [name, value] : slices->items()) {
        if (!value.is_string()) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": slice \"", name, "\" must be a string"));
        }
        doc.slices[name] = value.get<std::string>();
      }
    }
    if (auto order = json->find("date_order"); order != json->end() && order->is_string()) {
      auto parsed = ai::ParseDateOrder(order->get<std::string>());
      if (!parsed) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": date_order must be dmy, mdy or ymd"));
      }
      doc.date_order = *parsed;
    }
    if (!FileExists(doc.path)) {
      dataset.warnings.push_back(absl::StrCat(where, ": ", doc.path, " is missing; skipped"));
      continue;
    }
    if (auto fields = json->find("fields"); fields != json->end()) {
      if (!fields->is_object()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": \"fields\" must be an object"));
      }
      for (const auto& [name, value] : fields->items()) {
        if (name == "line_items") {
          if (value.is_array()) doc.line_items = value;
          continue;
        }
        if (value.is_null()) continue;
        std::string label = value.is_string() ? value.get<std::string>() : value.dump();
        internal::SetField(dataset, doc, name, label, where);
      }
    }
    dataset.documents.push_back(std::move(doc));
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<Split> ParseSplit(std::string_view name) {
  if (name == "all") return Split::kAll;
  if (name == "train") return Split::kTrain;
  if (name == "validation") return Split::kValidation;
  if (name == "test") return Split::kTest;
  return std::nullopt;
}

std::string_view SplitName(Split split) {
  switch (split) {
    case Split::kAll:
      return "all";
    case Split::kTrain:
      return "train";
    case Split::kValidation:
      return "validation";
    case Split::kTest:
      return "test";
  }
  return "all";
}

double SplitPosition(const std::string& id, uint64_t seed) {
  std::string hash = common::Sha256Hex(absl::StrCat(seed, ":", id));
  uint32_t value = static_cast<uint32_t>(std::stoul(hash.substr(0, 8), nullptr, 16));
  return static_cast<double>(value) / 4294967296.0;
}

Split SplitOf(const std::string& id, double validation_share, double test_share, uint64_t seed) {
  const double u = SplitPosition(id, seed);
  if (u < test_share) return Split::kTest;
  if (u < test_share + validation_share) return Split::kValidation;
  return Split::kTrain;
}

bool InTestPart(const std::string& id, double test_share, uint64_t seed) {
  return SplitOf(id, 0.0, test_share, seed) == Split::kTest;
}

Dataset SelectSplit(Dataset dataset, Split split, double test_share, uint64_t seed) {
  return SelectSplit(std::move(dataset), split, 0.0, test_share, seed);
}

Dataset SelectSplit(Dataset dataset, Split split, double validation_share, double test_share,
                    uint64_t seed) {
  if (split == Split::kAll) return dataset;
  std::vector<LabelledDocument> kept;
  for (LabelledDocument& doc : dataset.documents) {
    if (SplitOf(doc.id, validation_share, test_share, seed) == split) {
      kept.push_back(std::move(doc));
    }
  }
  dataset.documents = std::move(kept);
  return dataset;
}

std::vector<int> AssignFolds(const std::vector<std::string>& ids, int folds, uint64_t seed) {
  std::vector<std::pair<double, size_t>> order;
  for (size_t i = 0; i < ids.size(); ++i) order.emplace_back(SplitPosition(ids[i], seed), i);
  std::sort(order.begin(), order.end(), [&ids](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : ids[a.second] < ids[b.second];
  });
  // Rank r of n goes to fold floor(r * folds / n): consecutive runs of near-equal size.
  std::vector<int> fold(ids.size(), 0);
  const size_t n = ids.size();
  for (size_t rank = 0; rank < n; ++rank) {
    fold[order[rank].second] = static_cast<int>(rank * static_cast<size_t>(folds) / n);
  }
  return fold;
}

void AddStandardSlices(LabelledDocument& doc) {
  if (!doc.doc_type.empty()) doc.slices.try_emplace("doc_type", doc.doc_type);
  if (!doc.source.empty()) {
    doc.slices.try_emplace("source", doc.source.substr(0, doc.source.find(':')));
  }
  for (const char* label : {"vendor_name", "company", "advertiser"}) {
    if (auto it = doc.fields.find(label); it != doc.fields.end() && !it->second.empty()) {
      doc.slices.try_emplace("vendor", it->second);
      break;
    }
  }
}

std::vector<std::string> DatasetFormats() {
  return {"flowline", "sroie", "fcc", "invoice2data", "zugferd"};
}

std::vector<ai::FieldSpec> InvoiceFieldSpecs() {
  using ai::FieldType;
  std::vector<std::pair<const char*, FieldType>> fields = {
      {"invoice_number", FieldType::kId},      {"invoice_date", FieldType::kDate},
      {"due_date", FieldType::kDate},          {"vendor_name", FieldType::kOrganisation},
      {"vendor_address", FieldType::kAddress}, {"customer_name", FieldType::kOrganisation},
      {"po_number", FieldType::kId},           {"currency", FieldType::kCurrency},
      {"net_amount", FieldType::kAmount},      {"tax_amount", FieldType::kAmount},
      {"total_amount", FieldType::kAmount},
  };
  std::vector<ai::FieldSpec> specs;
  for (const auto& [name, type] : fields) {
    ai::FieldSpec spec;
    spec.name = name;
    spec.type = type;
    specs.push_back(std::move(spec));
  }
  return specs;
}

absl::StatusOr<Dataset> LoadDataset(const std::string& dir, std::string_view format) {
  // A file is a JSONL or CSV file of cases (JSON inputs, such as the claims samples').
  if (format == "auto" && FileExists(dir)) return LoadCaseFile(dir);
  if (!IsDir(dir)) {
    return absl::NotFoundError(absl::StrCat("dataset folder ", dir, " does not exist"));
  }
  Dataset dataset;
  dataset.dir = dir;
  while (dataset.dir.size() > 1 && dataset.dir.back() == '/') dataset.dir.pop_back();
  dataset.format = format == "auto" ? DetectFormat(dataset.dir) : std::string(format);
  absl::Status status;
  if (dataset.format == "flowline") {
    status = LoadFlowline(dataset);
  } else if (dataset.format == "sroie") {
    status = internal::LoadSroie(dataset);
  } else if (dataset.format == "fcc") {
    status = internal::LoadFcc(dataset);
  } else if (dataset.format == "invoice2data") {
    status = internal::LoadInvoice2data(dataset);
  } else if (dataset.format == "zugferd") {
    status = internal::LoadZugferd(dataset);
  } else if (format == "auto") {
    return absl::InvalidArgumentError(absl::StrCat(
        dir,
        " is not a dataset in a format flowline knows: expected labels.jsonl (flowline), "
        "key/ + img/ (sroie), labels.csv + pdfs/ (fcc), files/ (invoice2data) or "
        "fields.csv + pdf/ (zugferd); or name the format with --format"));
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown dataset format '", Sv(format),
                     "' (one of: ", absl::StrJoin(DatasetFormats(), ", "), ", auto)"));
  }
  if (!status.ok()) return status;
  for (LabelledDocument& doc : dataset.documents) {
    if (doc.source.empty()) doc.source = absl::StrCat("import:", dataset.format);
    AddStandardSlices(doc);
  }
  if (dataset.documents.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset ", dir, " (", dataset.format, ") has no labelled documents",
                     dataset.warnings.empty() ? "" : absl::StrCat(": ", dataset.warnings[0])));
  }
  return dataset;
}

}  // namespace flowline::quality
