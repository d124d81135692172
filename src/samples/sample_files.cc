#include "samples/sample_files.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/strings.h"

namespace flowline::samples {

absl::Status CheckShare(const char* flag, double value) {
  if (!(value >= 0.0 && value <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s must be a share between 0 and 1 (e.g. 0.25), got %g", flag, value));
  }
  return absl::OkStatus();
}

absl::Status WriteSampleFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (out) out.close();
  if (!out) {
    return absl::UnavailableError(absl::StrCat("cannot write ", Sv(path.string()),
                                               ": check that the folder is writable and the "
                                               "disk is not full"));
  }
  return absl::OkStatus();
}

}  // namespace flowline::samples
