// Files of model artifact directories (`flowline train classify`, `flowline train score`): read
// a file whole, write one, and publish a finished directory in place of an earlier one.
//
// A trainer writes its model into a staging directory beside the target and publishes it with
// ReplaceDirectory, so a failed training never leaves half a model behind. Thread-safe (no shared
// state); two processes publishing the same directory at once are not supported.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace flowline::common {

// The bytes of `path`. NotFound "<path>: cannot be read".
absl::StatusOr<std::string> ReadFileBytes(const std::filesystem::path& path);

// Writes `bytes` to `path`, replacing it. Internal "<path>: cannot be written".
absl::Status WriteFileBytes(const std::filesystem::path& path, std::string_view bytes);

// FailedPrecondition "<out> exists and is not a model directory; choose another --out" when
// `out` exists, is not empty and holds no model.json (a trainer replaces models, nothing else).
absl::Status CheckModelDirectory(const std::filesystem::path& out);

// Creates an empty staging directory beside `out` ("<out>.tmp-<pid>") for a trainer to write
// into. Internal naming it on failure.
absl::StatusOr<std::filesystem::path> MakeStagingDirectory(const std::filesystem::path& out);

// Moves the finished directory `staging` to `out`, replacing a directory there (the old one is
// renamed aside first and restored if the move fails). Internal naming `out` on failure.
absl::Status ReplaceDirectory(const std::filesystem::path& staging,
                              const std::filesystem::path& out);

}  // namespace flowline::common
