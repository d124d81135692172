#include "ai/extract/table_spec.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"
#include "yaml-cpp/yaml.h"

namespace flowline::ai {
namespace {

absl::Status Bad(std::string_view what, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(Sv(what), ": ", Sv(message)));
}

bool IsTable(const YAML::Node& node) {
  if (node.IsScalar()) return node.as<std::string>() == "table";
  return node.IsMap() && node["type"] && node["type"].IsScalar() &&
         node["type"].as<std::string>() == "table";
}

absl::StatusOr<TableSpec> ReadTable(const std::string& name, const YAML::Node& node,
                                    std::string_view what) {
  TableSpec table;
  table.name = name;
  for (const char* reserved : {"fields", "values", "confidence", "model", "tables"}) {
    if (name == reserved) {
      return Bad(what, absl::StrCat("table field ", name,
                                    ": the name is taken by the step's output; choose another "
                                    "(e.g. line_items)"));
    }
  }
  if (node.IsMap()) {
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      if (key != "type" && key != "columns" && key != "name") {
        return Bad(what,
                   absl::StrCat("table field ", name, ": unknown key \"", key, "\" (use columns)"));
      }
    }
    if (const YAML::Node columns = node["columns"]; columns) {
      if (!columns.IsSequence()) {
        return Bad(what, absl::StrCat("table field ", name, ": columns must be a list"));
      }
      for (const YAML::Node& column : columns) {
        const std::string c = column.IsScalar() ? column.as<std::string>() : "";
        const auto& known = TableColumns();
        if (std::find(known.begin(), known.end(), c) == known.end()) {
          return Bad(what, absl::StrCat("table field ", name, ": unknown column \"", c, "\" (use ",
                                        absl::StrJoin(known, ", "), ")"));
        }
        if (std::find(table.columns.begin(), table.columns.end(), c) == table.columns.end()) {
          table.columns.push_back(c);
        }
      }
    }
  }
  if (table.columns.empty()) table.columns = TableColumns();
  if (std::find(table.columns.begin(), table.columns.end(), "amount") == table.columns.end()) {
    table.columns.push_back("amount");
  }
  return table;
}

}  // namespace

const std::vector<std::string>& TableColumns() {
  static const auto* const kColumns =
      new std::vector<std::string>{"description", "quantity", "unit_price", "amount"};
  return *kColumns;
}

Json TableSpec::ToJson() const {
  return Json{{"name", name}, {"type", "table"}, {"columns", columns}};
}

Json TableSpecsToJson(const std::vector<TableSpec>& tables) {
  Json out = Json::array();
  for (const TableSpec& table : tables) out.push_back(table.ToJson());
  return out;
}

absl::StatusOr<std::vector<TableSpec>> ParseTableSpecs(std::string_view text,
                                                       std::string_view what) {
  std::vector<TableSpec> tables;
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (root.IsMap() && root["fields"]) root = root["fields"];
    if (root.IsMap()) {
      for (const auto& entry : root) {
        if (!IsTable(entry.second)) continue;
        auto table = ReadTable(entry.first.as<std::string>(), entry.second, what);
        if (!table.ok()) return table.status();
        tables.push_back(*std::move(table));
      }
    } else if (root.IsSequence()) {
      for (const YAML::Node& item : root) {
        if (!IsTable(item) || !item["name"] || !item["name"].IsScalar()) continue;
        auto table = ReadTable(item["name"].as<std::string>(), item, what);
        if (!table.ok()) return table.status();
        tables.push_back(*std::move(table));
      }
    }
  } catch (const YAML::Exception& e) {
    return Bad(what, absl::StrCat("not valid YAML or JSON: ", e.what()));
  }
  return tables;
}

}  // namespace flowline::ai
