// Reading files and run inputs for the CLI.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_util.h"

namespace flowline::cli {

absl::StatusOr<std::string> ReadFile(const std::string& path);

// One run input and where it came from ("invoices.jsonl:12", "in/a.json").
struct RunInput {
  std::string source;
  Json input;
};

// Inputs from a .json file (one input), a .jsonl file (one per non-empty line), a document
// (.pdf .png .jpg .jpeg .tif .tiff: the input {"file": its absolute path, "name": its file name,
// "sha256": its content hash}), a directory (its documents if it holds any — an inbox — else its
// JSON and JSONL files; sorted by name), or "-" (JSON Lines on stdin). A line or file
// that is not valid JSON is an InvalidArgument naming the file, line and column; nothing is
// returned then, so no run starts from half-read input.
absl::StatusOr<std::vector<RunInput>> LoadInputs(const std::string& path);

}  // namespace flowline::cli
