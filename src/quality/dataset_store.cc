#include "quality/dataset_store.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "quality/dataset_internal.h"

namespace flowline::quality {
namespace {

// The artifact extension of a file name: its lower-case extension when that is a short
// alphanumeric word, else "bin".
std::string ExtensionOf(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "bin";
  std::string ext = absl::AsciiStrToLower(path.substr(dot + 1));
  if (ext.empty() || ext.size() > 8 ||
      !std::all_of(ext.begin(), ext.end(), [](char c) { return absl::ascii_isalnum(c); })) {
    return "bin";
  }
  return ext;
}

// The artifact key of `path`: itself when it is one, else the key its bytes are stored under.
absl::StatusOr<std::string> PutFile(const std::string& path, steps::ArtifactStore* artifacts) {
  if (steps::IsArtifactKey(path) || artifacts == nullptr) return path;
  ASSIGN_OR_RETURN(std::string bytes, internal::ReadWholeFile(path));
  return artifacts->Put(bytes, ExtensionOf(path));
}

// "sha256:<hex>.<ext>" → "<hex>".
std::string HexOf(const std::string& key) {
  const size_t colon = key.find(':');
  const size_t dot = key.find('.', colon);
  return key.substr(colon + 1, dot - colon - 1);
}

absl::StatusOr<std::string> OpenablePath(const std::string& file,
                                         const steps::ArtifactStore* artifacts) {
  if (!steps::IsArtifactKey(file) || artifacts == nullptr) return file;
  return artifacts->PathOf(file);
}

std::string StringOr(const Json& object, const char* key, std::string fallback = "") {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace

absl::StatusOr<DatasetRef> ParseDatasetRef(std::string_view text) {
  DatasetRef ref;
  const size_t at = text.rfind('@');
  ref.name = std::string(text.substr(0, at));
  if (at != std::string_view::npos) {
    const std::string_view number = text.substr(at + 1);
    if (!absl::SimpleAtoi(Sv(number), &ref.version) || ref.version <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", Sv(text), "': the version after '@' must be a number from 1 up, as ",
                       "`flowline dataset show NAME` lists them"));
    }
  }
  if (ref.name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", Sv(text), "' names no dataset: write NAME or NAME@VERSION"));
  }
  return ref;
}

std::string DatasetRefName(const std::string& name, int version) {
  return version > 0 ? absl::StrCat(name, "@", version) : name;
}

absl::StatusOr<store::NewDatasetCase> CaseOf(const LabelledDocument& doc,
                                             const std::vector<ai::FieldSpec>& fields,
                                             steps::ArtifactStore* artifacts) {
  store::NewDatasetCase row;
  row.case_key = doc.id;
  Json input = Json::object();
  if (!doc.path.empty()) {
    ASSIGN_OR_RETURN(std::string key, PutFile(doc.path, artifacts));
    input["file"] = key;
    input["name"] = doc.id;
    if (steps::IsArtifactKey(key)) input["sha256"] = HexOf(key);
  }
  if (!doc.transcript.empty()) {
    ASSIGN_OR_RETURN(std::string key, PutFile(doc.transcript, artifacts));
    input["transcript"] = key;
  }
  if (!doc.input.is_null()) input["input"] = doc.input;
  row.input_json = common::CanonicalJson(input);

  Json expected = Json::object();
  expected["doc_type"] = doc.doc_type;
  expected["fields"] = Json::object();
  Json types = Json::object();
  for (const auto& [name, value] : doc.fields) {
    expected["fields"][name] = value;
    for (const ai::FieldSpec& spec : fields) {
      if (spec.name == name) types[name] = ai::FieldTypeName(spec.type);
    }
  }
  if (!types.empty()) expected["types"] = std::move(types);
  if (!doc.line_items.empty()) expected["line_items"] = doc.line_items;
  if (doc.date_order != ai::DateOrder::kUnknown) {
    expected["date_order"] = ai::DateOrderName(doc.date_order);
  }
  if (doc.line_count) expected["line_count"] = *doc.line_count;
  if (doc.line_total) expected["line_total"] = *doc.line_total;
  if (!doc.defect.empty()) expected["defect"] = doc.defect;
  row.expected_json = common::CanonicalJson(expected);

  row.source = doc.source;
  row.source_ref = doc.path.empty() ? doc.id : doc.path;
  Json slices = Json::object();
  for (const auto& [name, value] : doc.slices) slices[name] = value;
  row.slices_json = common::CanonicalJson(slices);
  return row;
}

absl::StatusOr<LabelledDocument> DocumentOf(const store::DatasetCase& row,
                                            const steps::ArtifactStore* artifacts,
                                            std::map<std::string, std::string>* types) {
  const std::string where = absl::StrCat("dataset ", row.dataset, " case ", row.value.case_key);
  absl::StatusOr<Json> input = common::ParseJson(row.value.input_json, where);
  absl::StatusOr<Json> expected = common::ParseJson(row.value.expected_json, where);
  absl::StatusOr<Json> slices = common::ParseJson(row.value.slices_json, where);
  if (!input.ok() || !expected.ok() || !slices.ok() || !input->is_object() ||
      !expected->is_object() || !slices->is_object()) {
    return absl::DataLossError(absl::StrCat(where, ": its stored JSON is not readable"));
  }
  LabelledDocument doc;
  doc.id = row.value.case_key;
  doc.source = row.value.source;
  for (auto [key, target] : {std::pair{"file", &doc.path}, {"transcript", &doc.transcript}}) {
    const std::string file = StringOr(*input, key);
    if (file.empty()) continue;
    absl::StatusOr<std::string> path = OpenablePath(file, artifacts);
    if (!path.ok()) {
      return absl::Status(path.status().code(), absl::StrCat(where, ": ", path.status().message()));
    }
    *target = *std::move(path);
  }
  if (auto it = input->find("input"); it != input->end()) doc.input = *it;
  doc.doc_type = StringOr(*expected, "doc_type", "invoice");
  if (auto it = expected->find("fields"); it != expected->end() && it->is_object()) {
    for (const auto& [name, value] : it->items()) {
      doc.fields[name] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  if (auto it = expected->find("types");
      types != nullptr && it != expected->end() && it->is_object()) {
    for (const auto& [name, type] : it->items()) {
      if (!type.is_string()) continue;
      // A field typed by any case is typed; an untyped one is typed by the first case that does.
      auto [entry, added] = types->try_emplace(name, type.get<std::string>());
      if (!added && entry->second.empty()) entry->second = type.get<std::string>();
    }
  }
  if (auto it = expected->find("line_items"); it != expected->end() && it->is_array()) {
    doc.line_items = *it;
  }
  if (auto order = ai::ParseDateOrder(StringOr(*expected, "date_order"))) doc.date_order = *order;
  if (auto it = expected->find("line_count"); it != expected->end() && it->is_number_integer()) {
    doc.line_count = it->get<int>();
  }
  if (std::string total = StringOr(*expected, "line_total"); !total.empty()) {
    doc.line_total = total;
  }
  doc.defect = StringOr(*expected, "defect");
  for (const auto& [name, value] : slices->items()) {
    if (value.is_string()) doc.slices[name] = value.get<std::string>();
  }
  return doc;
}

absl::StatusOr<Dataset> LoadStoredDataset(store::Store& store,
                                          const steps::ArtifactStore* artifacts,
                                          const std::string& name, int version, Split split) {
  ASSIGN_OR_RETURN(store::DatasetInfo info, store.GetDataset(name));
  ASSIGN_OR_RETURN(store::DatasetVersion found, store.GetDatasetVersion(name, version));
  // The version found, not "the newest" again: an import landing in between must not mix two.
  ASSIGN_OR_RETURN(std::vector<store::DatasetCase> rows,
                   store.ListDatasetCases(name, found.version));
  Dataset dataset;
  dataset.name = name;
  dataset.version = found.version;
  dataset.content_hash = found.content_hash;
  dataset.dir = absl::StrCat("dataset:", DatasetRefName(name, found.version));
  dataset.format = "stored";
  dataset.validation_share = info.validation_share;
  dataset.test_share = info.test_share;
  dataset.split_seed = static_cast<uint64_t>(info.split_seed);
  std::map<std::string, std::string> types;
  for (const store::DatasetCase& row : rows) {
    if (split != Split::kAll && SplitOf(row.value.case_key, info.validation_share, info.test_share,
                                        dataset.split_seed) != split) {
      continue;
    }
    ASSIGN_OR_RETURN(LabelledDocument doc, DocumentOf(row, artifacts, &types));
    for (const auto& [field, value] : doc.fields) types.try_emplace(field, "");
    dataset.documents.push_back(std::move(doc));
  }
  const std::vector<ai::FieldSpec> invoice = InvoiceFieldSpecs();
  for (const auto& [field, type_name] : types) {
    ai::FieldSpec spec;
    spec.name = field;
    spec.type = ai::FieldType::kText;
    if (auto type = ai::ParseFieldType(type_name)) {
      spec.type = *type;
    } else {
      for (const ai::FieldSpec& known : invoice) {
        if (known.name == field) spec.type = known.type;
      }
    }
    dataset.fields.push_back(std::move(spec));
  }
  return dataset;
}

Json SummarizeDataset(const Dataset& dataset) {
  Json splits = {{"train", 0}, {"validation", 0}, {"test", 0}};
  Json sources = Json::object();
  Json slices = Json::object();
  Json fields = Json::object();
  Json doc_types = Json::object();
  auto count = [](Json& counts, const std::string& key) { counts[key] = counts.value(key, 0) + 1; };
  for (const LabelledDocument& doc : dataset.documents) {
    const Split part =
        SplitOf(doc.id, dataset.validation_share, dataset.test_share, dataset.split_seed);
    count(splits, std::string(SplitName(part)));
    count(sources, doc.source.empty() ? "unknown" : doc.source.substr(0, doc.source.find(':')));
    for (const auto& [name, value] : doc.slices) {
      if (!slices.contains(name)) slices[name] = Json::object();
      count(slices[name], value);
    }
    for (const auto& [name, value] : doc.fields) count(fields, name);
    count(doc_types, doc.doc_type);
  }
  return {{"cases", dataset.documents.size()}, {"splits", std::move(splits)},
          {"sources", std::move(sources)},     {"slices", std::move(slices)},
          {"fields", std::move(fields)},       {"doc_types", std::move(doc_types)}};
}

}  // namespace flowline::quality
