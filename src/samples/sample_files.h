// What the sample generators (`flowline samples invoices`, `claims`) share: checking a share
// option and writing a file of the batch. Thread-safe (no state).
#pragma once

#include <filesystem>
#include <string>

#include "absl/status/status.h"

namespace flowline::samples {

// OK when 1 <= count <= 100000 and out_dir is set; else InvalidArgument naming --count or --out.
absl::Status CheckCountAndOut(int count, const std::string& out_dir);

// Creates `dir` (and its parents) unless it exists; InvalidArgument naming it when it cannot.
absl::Status MakeSampleFolder(const std::filesystem::path& dir);

// OK when 0 <= value <= 1; else InvalidArgument naming `flag` and the value.
absl::Status CheckShare(const char* flag, double value);

// Writes `bytes` to `path` (replacing it). Unavailable naming the path when it cannot.
absl::Status WriteSampleFile(const std::filesystem::path& path, const std::string& bytes);

}  // namespace flowline::samples
