// The run input's JSON Schema, compiled once per version (common::JsonSchema; the messages name
// the workflow's input).
#pragma once

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/json_schema.h"
#include "common/json_util.h"

namespace flowline::engine {

class InputSchema {
 public:
  ~InputSchema();
  // InvalidArgument if `schema` is not a usable JSON Schema.
  static absl::StatusOr<std::unique_ptr<InputSchema>> Compile(const Json& schema);
  // InvalidArgument listing every violation as "<json pointer>: <what>", one per line.
  absl::Status Validate(const Json& input) const;

 private:
  explicit InputSchema(std::unique_ptr<common::JsonSchema> schema);
  std::unique_ptr<common::JsonSchema> schema_;
};

}  // namespace flowline::engine
