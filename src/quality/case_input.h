// The run input of a labelled case: what a workflow is started with when it is evaluated on a
// dataset, and what `flowline run` starts it with for the same file.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/json_util.h"

namespace flowline::quality {

// True for the document files a workflow reads with document.read (.pdf .png .jpg .jpeg .tif
// .tiff, any case).
bool IsDocumentFile(const std::string& path);

// A document file becomes {"file": its absolute path, "name": its file name, "sha256": its
// content hash} (the input of a workflow whose first step is document.read); a .json file is
// its JSON value. NotFound if the file cannot be read; InvalidArgument (file, line, column) for
// JSON that does not parse.
absl::StatusOr<Json> CaseInput(const std::string& path);

}  // namespace flowline::quality
