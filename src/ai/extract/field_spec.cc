#include "ai/extract/field_spec.h"

#include <regex>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/strings.h"
#include "yaml-cpp/yaml.h"

namespace flowline::ai {
namespace {

constexpr const char* kTypeList = "date, amount, currency, id, text, organisation or address";

absl::Status Bad(std::string_view what, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(Sv(what), ": ", Sv(message)));
}

absl::StatusOr<std::vector<std::string>> StringList(const YAML::Node& node, std::string_view what,
                                                    std::string_view where) {
  std::vector<std::string> out;
  if (!node) return out;
  if (node.IsScalar()) {
    out.push_back(node.as<std::string>());
    return out;
  }
  if (!node.IsSequence()) return Bad(what, absl::StrCat(Sv(where), " must be a list of strings"));
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) return Bad(what, absl::StrCat(Sv(where), " must be a list of strings"));
    out.push_back(item.as<std::string>());
  }
  return out;
}

absl::StatusOr<FieldSpec> ReadField(const std::string& name, const YAML::Node& node,
                                    std::string_view what) {
  FieldSpec field;
  field.name = name;
  std::string type;
  if (node.IsScalar()) {
    type = node.as<std::string>();
  } else if (node.IsMap()) {
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      if (key != "type" && key != "labels" && key != "patterns" && key != "name") {
        return Bad(what, absl::StrCat("field ", name, ": unknown key \"", key,
                                      "\" (use type, labels, patterns)"));
      }
    }
    if (!node["type"] || !node["type"].IsScalar()) {
      return Bad(what, absl::StrCat("field ", name, ": give its type (", kTypeList, ")"));
    }
    type = node["type"].as<std::string>();
    auto labels = StringList(node["labels"], what, absl::StrCat("field ", name, ": labels"));
    if (!labels.ok()) return labels.status();
    field.labels = std::move(*labels);
    auto patterns = StringList(node["patterns"], what, absl::StrCat("field ", name, ": patterns"));
    if (!patterns.ok()) return patterns.status();
    field.patterns = std::move(*patterns);
  } else {
    return Bad(what, absl::StrCat("field ", name, ": write a type or {type, labels, patterns}"));
  }
  std::optional<FieldType> parsed = ParseFieldType(type);
  if (!parsed) {
    return Bad(what,
               absl::StrCat("field ", name, ": unknown type \"", type, "\" (use ", kTypeList, ")"));
  }
  field.type = *parsed;
  for (const std::string& pattern : field.patterns) {
    try {
      std::regex compiled(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Bad(what, absl::StrCat("field ", name, ": pattern \"", pattern,
                                    "\" is not a valid regex: ", e.what()));
    }
  }
  return field;
}

absl::Status CheckNames(const std::vector<FieldSpec>& fields, std::string_view what) {
  if (fields.empty()) return Bad(what, "no fields: name at least one (e.g. total_amount: amount)");
  std::set<std::string> names;
  for (const FieldSpec& field : fields) {
    if (field.name.empty()) return Bad(what, "a field has an empty name");
    if (!names.insert(field.name).second) {
      return Bad(what, absl::StrCat("field ", field.name, " is listed twice"));
    }
  }
  return absl::OkStatus();
}

// A `type: table` field is read by ParseTableSpecs (table_spec.h), not here.
bool IsTableField(const YAML::Node& node) {
  if (node.IsScalar()) return node.as<std::string>() == "table";
  return node.IsMap() && node["type"] && node["type"].IsScalar() &&
         node["type"].as<std::string>() == "table";
}

}  // namespace

const char* FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kDate:
      return "date";
    case FieldType::kAmount:
      return "amount";
    case FieldType::kCurrency:
      return "currency";
    case FieldType::kId:
      return "id";
    case FieldType::kText:
      return "text";
    case FieldType::kOrganisation:
      return "organisation";
    case FieldType::kAddress:
      return "address";
  }
  return "text";
}

std::optional<FieldType> ParseFieldType(std::string_view name) {
  for (FieldType type : {FieldType::kDate, FieldType::kAmount, FieldType::kCurrency, FieldType::kId,
                         FieldType::kText, FieldType::kOrganisation, FieldType::kAddress}) {
    if (name == FieldTypeName(type)) return type;
  }
  if (name == "organization") return FieldType::kOrganisation;
  return std::nullopt;
}

bool IsTextType(FieldType type) {
  return type == FieldType::kText || type == FieldType::kOrganisation ||
         type == FieldType::kAddress;
}

std::optional<DateOrder> ParseDateOrder(std::string_view name) {
  if (name == "dmy") return DateOrder::kDmy;
  if (name == "mdy") return DateOrder::kMdy;
  if (name == "ymd") return DateOrder::kYmd;
  return std::nullopt;
}

const char* DateOrderName(DateOrder order) {
  switch (order) {
    case DateOrder::kDmy:
      return "dmy";
    case DateOrder::kMdy:
      return "mdy";
    case DateOrder::kYmd:
      return "ymd";
    case DateOrder::kUnknown:
      break;
  }
  return "";
}

Json FieldSpec::ToJson() const {
  return Json{
      {"name", name}, {"type", FieldTypeName(type)}, {"labels", labels}, {"patterns", patterns}};
}

Json FieldSpecsToJson(const std::vector<FieldSpec>& fields) {
  Json out = Json::array();
  for (const FieldSpec& field : fields) out.push_back(field.ToJson());
  return out;
}

absl::StatusOr<std::vector<FieldSpec>> ParseFieldSpecs(std::string_view text,
                                                       std::string_view what) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Bad(what, absl::StrCat("not valid YAML or JSON: ", e.what()));
  }
  std::vector<FieldSpec> fields;
  try {
    if (root.IsMap() && root["fields"]) root = root["fields"];
    if (root.IsMap()) {
      for (const auto& entry : root) {
        if (IsTableField(entry.second)) continue;
        auto field = ReadField(entry.first.as<std::string>(), entry.second, what);
        if (!field.ok()) return field.status();
        fields.push_back(std::move(*field));
      }
    } else if (root.IsSequence()) {
      for (const YAML::Node& item : root) {
        if (!item.IsMap() || !item["name"] || !item["name"].IsScalar()) {
          return Bad(what, "each listed field needs a name: {name, type, labels?, patterns?}");
        }
        if (IsTableField(item)) continue;
        auto field = ReadField(item["name"].as<std::string>(), item, what);
        if (!field.ok()) return field.status();
        fields.push_back(std::move(*field));
      }
    } else {
      return Bad(what, "write a mapping of field name to type (e.g. total_amount: amount)");
    }
  } catch (const YAML::Exception& e) {
    return Bad(what, e.what());
  }
  absl::Status names = CheckNames(fields, what);
  if (!names.ok()) return names;
  return fields;
}

absl::StatusOr<std::vector<FieldSpec>> ParseFieldList(std::string_view list) {
  std::vector<FieldSpec> fields;
  for (absl::string_view item : absl::StrSplit(Sv(list), ',', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(item, ':');
    const std::string name(absl::StripAsciiWhitespace(parts.first));
    const std::string type(absl::StripAsciiWhitespace(parts.second));
    std::optional<FieldType> parsed = ParseFieldType(type);
    if (!parsed) {
      return Bad("--fields",
                 absl::StrCat("\"", item, "\": write name:type with type one of ", kTypeList));
    }
    fields.push_back(FieldSpec{name, *parsed, {}, {}});
  }
  absl::Status names = CheckNames(fields, "--fields");
  if (!names.ok()) return names;
  return fields;
}

}  // namespace flowline::ai
