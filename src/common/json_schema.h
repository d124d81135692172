// JSON Schema validation (valijson behind a small interface), for every part that checks data
// against a schema written in a spec: a workflow's input schema (engine/input_schema.h), an llm
// step's output schema (ai/llm/llm_step.h).
//
// Thread-safety: a compiled JsonSchema is immutable; Validate/Violations may be called from many
// threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/json_util.h"

namespace flowline::common {

class JsonSchema {
 public:
  ~JsonSchema();
  JsonSchema(const JsonSchema&) = delete;
  JsonSchema& operator=(const JsonSchema&) = delete;

  // InvalidArgument "not a valid JSON Schema: <why>" if `schema` is not a usable JSON Schema.
  static absl::StatusOr<std::unique_ptr<JsonSchema>> Compile(const Json& schema);

  // Every way `value` violates the schema, each as "<json pointer>: <what>" ("/amount: Value
  // type not permitted by 'type' constraint."; "/" for the root). Empty when it matches.
  std::vector<std::string> Violations(const Json& value) const;

  // OK if `value` matches; else InvalidArgument "<what> does not match <schema>:" followed by
  // the violations, one per line indented by two spaces.
  absl::Status Validate(const Json& value, std::string_view what, std::string_view schema) const;

 private:
  struct Compiled;
  explicit JsonSchema(std::unique_ptr<Compiled> compiled);
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace flowline::common
