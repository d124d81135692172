// Checks the run input's JSON Schema (draft 7) when the spec is read, so that a broken schema is
// a deploy-time error at its line rather than a failure of every run.
//
// valijson's parser finds whatever makes a schema unusable but says neither where nor what was
// meant, so the common mistakes (a wrong type name, a bad regular expression) are first checked
// on the YAML, where each has a line and a did-you-mean.

// GCC 12 reports a false -Wmaybe-uninitialized inside libstdc++'s <regex> when it builds with
// sanitizers (GCC bug 105562); valijson and the pattern check below both instantiate <regex>.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <exception>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "engine/internal/spec_phases.h"
#include "engine/internal/spec_yaml.h"
#include "valijson/adapters/nlohmann_json_adapter.hpp"
#include "valijson/schema.hpp"
#include "valijson/schema_parser.hpp"

namespace flowline::engine::internal {

namespace {

const std::vector<std::string> kTypeNames = {"string", "number", "integer", "boolean",
                                             "object", "array",  "null"};
// Keywords whose value is a schema, a mapping of names to schemas, or a list of schemas.
const std::vector<std::string> kSchemaKeywords = {"additionalItems",
                                                  "additionalProperties",
                                                  "contains",
                                                  "not",
                                                  "if",
                                                  "then",
                                                  "else",
                                                  "propertyNames",
                                                  "items"};
const std::vector<std::string> kSchemaMapKeywords = {"properties", "patternProperties",
                                                     "definitions", "$defs", "dependencies"};
const std::vector<std::string> kSchemaListKeywords = {"allOf", "anyOf", "oneOf", "items"};

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

class SchemaWalker {
 public:
  explicit SchemaWalker(DiagnosticSink& sink) : sink_(sink) {}

  // Returns false if it reported anything.
  bool Walk(const YAML::Node& schema, const std::string& path) {
    if (!schema.IsMap()) return ok_;  // booleans and the like are left to valijson
    for (auto it = schema.begin(); it != schema.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string keyword = it->first.Scalar();
      // Copies: yaml-cpp iterators hand out a temporary pair.
      const YAML::Node value = it->second;
      std::string here = absl::StrCat(path, ".", keyword);
      if (keyword == "type") {
        CheckType(value, path);
      } else if (keyword == "required") {
        CheckRequired(value, here);
      } else if (keyword == "pattern" && value.IsScalar()) {
        CheckPattern(value, value.Scalar(), here);
      } else if (Contains(kSchemaKeywords, keyword) && value.IsMap()) {
        Walk(value, here);
      } else if (Contains(kSchemaListKeywords, keyword) && value.IsSequence()) {
        size_t index = 0;
        for (const YAML::Node& item : value) Walk(item, absl::StrCat(here, ".", index++));
      } else if (Contains(kSchemaMapKeywords, keyword) && value.IsMap()) {
        for (auto member = value.begin(); member != value.end(); ++member) {
          if (!member->first.IsScalar()) continue;
          if (keyword == "patternProperties") {
            CheckPattern(member->first, member->first.Scalar(), here);
          }
          Walk(member->second, absl::StrCat(here, ".", member->first.Scalar()));
        }
      }
    }
    return ok_;
  }

 private:
  void CheckType(const YAML::Node& value, const std::string& path) {
    std::vector<YAML::Node> names;
    if (value.IsSequence()) {
      for (const YAML::Node& item : value) names.push_back(item);
    } else {
      names.push_back(value);
    }
    for (const YAML::Node& name : names) {
      if (name.IsScalar() && Contains(kTypeNames, name.Scalar())) continue;
      std::string shown = name.IsScalar() ? name.Scalar() : Describe(name);
      Report(name, absl::StrCat(path, ".type: '", shown, "' is not a JSON Schema type"),
             SuggestName(shown, kTypeNames, "the types are"));
    }
  }

  // valijson says only "JSON value is not an array" for the common `required: id`.
  void CheckRequired(const YAML::Node& value, const std::string& path) {
    bool names = value.IsSequence();
    if (names) {
      for (const YAML::Node& item : value) names = names && item.IsScalar();
    }
    if (names) return;
    std::string hint = "write a list, e.g. `required: [id, total]`";
    if (value.IsScalar()) hint = absl::StrCat("write `required: [", value.Scalar(), "]`");
    Report(value, absl::StrCat(path, " must be a list of property names, not ", Describe(value)),
           hint);
  }

  void CheckPattern(const YAML::Node& node, const std::string& pattern, const std::string& path) {
    try {
      std::regex compiled(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      Report(node,
             absl::StrCat(path, ": '", pattern, "' is not a valid regular expression (", e.what(),
                          ")"),
             "write an ECMAScript regular expression; quote it in YAML ('...') so that "
             "backslashes are kept");
    }
  }

  void Report(const YAML::Node& node, std::string message, std::string hint) {
    sink_.Add(node, std::move(message), std::move(hint));
    ok_ = false;
  }

  DiagnosticSink& sink_;
  bool ok_ = true;
};

}  // namespace

void CheckInputSchema(const ParsedSpec& parsed, DiagnosticSink& sink) {
  const YAML::Node& schema = parsed.input_schema;
  if (!schema.IsDefined() || schema.IsNull()) return;
  constexpr std::string_view kHint =
      "write a JSON Schema (draft 7) as YAML, e.g. `schema: { type: object, required: [id] }`";
  if (!schema.IsMap()) {
    sink.Add(parsed.input_schema_location,
             absl::StrCat("input.schema must be a mapping (a JSON Schema), not ", Describe(schema)),
             std::string(kHint));
    return;
  }
  if (!SchemaWalker(sink).Walk(schema, "input.schema")) return;
  try {
    valijson::Schema compiled;
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(parsed.spec.input_schema);
    parser.populateSchema(adapter, compiled);
  } catch (const std::exception& e) {
    sink.Add(parsed.input_schema_location,
             absl::StrCat("input.schema is not a valid JSON Schema: ", e.what()),
             std::string(kHint));
  }
}

}  // namespace flowline::engine::internal
