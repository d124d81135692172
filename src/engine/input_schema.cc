#include "engine/input_schema.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace flowline::engine {

InputSchema::InputSchema(std::unique_ptr<common::JsonSchema> schema) : schema_(std::move(schema)) {}
InputSchema::~InputSchema() = default;

absl::StatusOr<std::unique_ptr<InputSchema>> InputSchema::Compile(const Json& schema) {
  absl::StatusOr<std::unique_ptr<common::JsonSchema>> compiled =
      common::JsonSchema::Compile(schema);
  if (!compiled.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the input schema is ", compiled.status().message()));
  }
  return std::unique_ptr<InputSchema>(new InputSchema(*std::move(compiled)));
}

absl::Status InputSchema::Validate(const Json& input) const {
  return schema_->Validate(input, "the input", "the workflow's input schema");
}

}  // namespace flowline::engine
