// GCC 12 reports a false -Wmaybe-uninitialized inside libstdc++'s <regex> when it builds with
// sanitizers (GCC bug 105562); valijson instantiates <regex>.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "common/json_schema.h"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"

namespace flowline::common {

struct JsonSchema::Compiled {
  valijson::Schema schema;
};

JsonSchema::JsonSchema(std::unique_ptr<Compiled> compiled) : compiled_(std::move(compiled)) {}
JsonSchema::~JsonSchema() = default;

absl::StatusOr<std::unique_ptr<JsonSchema>> JsonSchema::Compile(const Json& schema) {
  auto compiled = std::make_unique<Compiled>();
  try {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(schema);
    parser.populateSchema(adapter, compiled->schema);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not a valid JSON Schema: ", e.what()));
  }
  return std::unique_ptr<JsonSchema>(new JsonSchema(std::move(compiled)));
}

std::vector<std::string> JsonSchema::Violations(const Json& value) const {
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(value);
  std::vector<std::string> problems;
  if (validator.validate(compiled_->schema, adapter, &results)) return problems;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    // context is like ["<root>", "[lines]", "[0]"]; turn it into a JSON pointer.
    std::string pointer;
    for (size_t i = 1; i < error.context.size(); ++i) {
      std::string part = error.context[i];
      if (part.size() >= 2 && part.front() == '[' && part.back() == ']') {
        part = part.substr(1, part.size() - 2);
      }
      if (part.size() >= 2 && part.front() == '"' && part.back() == '"') {
        part = part.substr(1, part.size() - 2);
      }
      absl::StrAppend(&pointer, "/", part);
    }
    problems.push_back(absl::StrCat(pointer.empty() ? "/" : pointer, ": ", error.description));
  }
  return problems;
}

absl::Status JsonSchema::Validate(const Json& value, std::string_view what,
                                  std::string_view schema) const {
  std::vector<std::string> problems = Violations(value);
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(Sv(what), " does not match ", Sv(schema), ":\n  ",
                                                 absl::StrJoin(problems, "\n  ")));
}

}  // namespace flowline::common
