#include "ai/llm/strict_schema.h"

#include <algorithm>
#include <array>
#include <set>
#include <string_view>

#include "absl/strings/match.h"

namespace flowline::ai::llm {
namespace {

// Keywords OpenAI's strict mode rejects (its "supported schemas" list, 2025): validated locally
// against the schema as written instead.
constexpr std::array<std::string_view, 16> kStrictUnsupported = {
    "default",       "examples",      "minLength",         "maxLength",
    "$schema",       "$id",           "patternProperties", "unevaluatedProperties",
    "propertyNames", "minProperties", "maxProperties",     "unevaluatedItems",
    "contains",      "minContains",   "maxContains",       "uniqueItems"};

// Keywords whose value is a map of names to schemas (the names are data, not keywords).
bool IsSchemaMap(std::string_view keyword) {
  return keyword == "properties" || keyword == "$defs" || keyword == "definitions" ||
         keyword == "patternProperties" || keyword == "dependentSchemas";
}
// Keywords whose value is a schema or a list of schemas.
bool IsSubschema(std::string_view keyword) {
  return keyword == "items" || keyword == "additionalProperties" || keyword == "not" ||
         keyword == "anyOf" || keyword == "allOf" || keyword == "oneOf" ||
         keyword == "prefixItems" || keyword == "if" || keyword == "then" || keyword == "else" ||
         keyword == "contains" || keyword == "propertyNames" || keyword == "unevaluatedItems" ||
         keyword == "unevaluatedProperties";
}

bool IsObjectSchema(const Json& schema) {
  if (!schema.is_object()) return false;
  if (schema.contains("properties")) return true;
  const auto type = schema.find("type");
  if (type == schema.end()) return false;
  if (type->is_string()) return *type == "object";
  return type->is_array() && std::find(type->begin(), type->end(), "object") != type->end();
}

std::set<std::string> RequiredOf(const Json& schema) {
  std::set<std::string> required;
  if (schema.contains("required") && schema["required"].is_array()) {
    for (const Json& name : schema["required"]) {
      if (name.is_string()) required.insert(name.get<std::string>());
    }
  }
  return required;
}

Json Nullable(Json schema) {
  if (!schema.is_object()) return schema;
  if (schema.contains("enum") && schema["enum"].is_array()) {
    Json& values = schema["enum"];
    if (std::find(values.begin(), values.end(), nullptr) == values.end()) values.push_back(nullptr);
  }
  if (const auto type = schema.find("type"); type != schema.end()) {
    if (type->is_string()) {
      if (*type != "null") *type = Json::array({*type, "null"});
    } else if (type->is_array()) {
      if (std::find(type->begin(), type->end(), "null") == type->end()) type->push_back("null");
    }
    return schema;
  }
  if (schema.contains("enum")) return schema;  // the enum now lists null
  return Json{{"anyOf", Json::array({std::move(schema), {{"type", "null"}}})}};
}

Json Strict(const Json& schema) {
  if (schema.is_array()) {
    Json out = Json::array();
    for (const Json& item : schema) out.push_back(Strict(item));
    return out;
  }
  if (!schema.is_object()) return schema;
  Json out = Json::object();
  for (const auto& [keyword, value] : schema.items()) {
    if (std::find(kStrictUnsupported.begin(), kStrictUnsupported.end(), keyword) !=
        kStrictUnsupported.end()) {
      continue;
    }
    if (keyword == "properties" || keyword == "required" || keyword == "additionalProperties") {
      continue;  // rewritten below
    }
    if (IsSchemaMap(keyword) && value.is_object()) {
      Json map = Json::object();
      for (const auto& [name, sub] : value.items()) map[name] = Strict(sub);
      out[keyword] = std::move(map);
    } else if (IsSubschema(keyword)) {
      out[keyword] = Strict(value);
    } else {
      out[keyword] = value;
    }
  }
  if (IsObjectSchema(schema)) {
    const std::set<std::string> required = RequiredOf(schema);
    Json properties = Json::object();
    // required: the schema's own list as written, then the other properties.
    Json all = Json::array();
    const bool has_properties = schema.contains("properties") && schema["properties"].is_object();
    if (has_properties && schema.contains("required") && schema["required"].is_array()) {
      for (const Json& name : schema["required"]) {
        if (name.is_string() && schema["properties"].contains(name.get<std::string>())) {
          all.push_back(name);
        }
      }
    }
    if (has_properties) {
      for (const auto& [name, sub] : schema["properties"].items()) {
        Json strict = Strict(sub);
        if (required.contains(name)) {
          properties[name] = std::move(strict);
        } else {
          properties[name] = Nullable(std::move(strict));
          all.push_back(name);
        }
      }
    }
    out["properties"] = std::move(properties);
    out["required"] = std::move(all);
    out["additionalProperties"] = false;
  }
  return out;
}

const Json* PropertySchema(const Json& schema, const std::string& name) {
  if (!schema.is_object() || !schema.contains("properties")) return nullptr;
  const Json& properties = schema["properties"];
  if (!properties.is_object() || !properties.contains(name)) return nullptr;
  return &properties[name];
}

}  // namespace

Json WireSchema(const Json& schema) {
  if (schema.is_array()) {
    Json out = Json::array();
    for (const Json& item : schema) out.push_back(WireSchema(item));
    return out;
  }
  if (!schema.is_object()) return schema;
  Json out = Json::object();
  for (const auto& [keyword, value] : schema.items()) {
    if (absl::StartsWith(keyword, "x-")) continue;
    if (IsSchemaMap(keyword) && value.is_object()) {
      Json map = Json::object();
      for (const auto& [name, sub] : value.items()) map[name] = WireSchema(sub);
      out[keyword] = std::move(map);
    } else if (IsSubschema(keyword)) {
      out[keyword] = WireSchema(value);
    } else {
      out[keyword] = value;
    }
  }
  return out;
}

Json StrictSchema(const Json& schema) { return Strict(schema); }

Json StripAddedNulls(const Json& original_schema, Json answer) {
  if (answer.is_array() && original_schema.is_object() && original_schema.contains("items")) {
    for (Json& item : answer) item = StripAddedNulls(original_schema["items"], std::move(item));
    return answer;
  }
  if (!answer.is_object() || !original_schema.is_object()) return answer;
  const std::set<std::string> required = RequiredOf(original_schema);
  Json out = Json::object();
  for (auto& [name, value] : answer.items()) {
    if (value.is_null() && !required.contains(name)) continue;
    const Json* sub = PropertySchema(original_schema, name);
    out[name] = sub == nullptr ? std::move(value) : StripAddedNulls(*sub, std::move(value));
  }
  return out;
}

absl::Status CheckObjectRoot(const Json& schema) {
  if (schema.is_object() && schema.contains("type") && schema["type"] == "object") {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      "the output schema's root must be type: object (wrap a single value in an object with "
      "one property)");
}

}  // namespace flowline::ai::llm
