// GCC 12 reports a false -Wmaybe-uninitialized inside libstdc++'s <regex> when it builds with
// sanitizers (GCC bug 105562); valijson instantiates <regex>.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "engine/input_schema.h"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace flowline::engine {

struct InputSchema::Compiled {
  valijson::Schema schema;
};

InputSchema::InputSchema(std::unique_ptr<Compiled> compiled) : compiled_(std::move(compiled)) {}
InputSchema::~InputSchema() = default;

absl::StatusOr<std::unique_ptr<InputSchema>> InputSchema::Compile(const Json& schema) {
  auto compiled = std::make_unique<Compiled>();
  try {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(schema);
    parser.populateSchema(adapter, compiled->schema);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("the input schema is not a valid JSON Schema: ", e.what()));
  }
  return std::unique_ptr<InputSchema>(new InputSchema(std::move(compiled)));
}

absl::Status InputSchema::Validate(const Json& input) const {
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(input);
  if (validator.validate(compiled_->schema, adapter, &results)) return absl::OkStatus();
  std::vector<std::string> problems;
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
  return absl::InvalidArgumentError(
      absl::StrCat("the input does not match the workflow's input "
                   "schema:\n  ",
                   absl::StrJoin(problems, "\n  ")));
}

}  // namespace flowline::engine
