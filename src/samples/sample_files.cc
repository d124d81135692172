#include "samples/sample_files.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/strings.h"

namespace flowline::samples {

absl::Status CheckCountAndOut(int count, const std::string& out_dir) {
  if (count < 1 || count > 100000) {
    return absl::InvalidArgumentError(
        absl::StrCat("--count must be between 1 and 100000, got ", count));
  }
  if (out_dir.empty()) {
    return absl::InvalidArgumentError("--out is required: the folder to write the samples to");
  }
  return absl::OkStatus();
}

absl::Status MakeSampleFolder(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create the output folder ", Sv(dir.string()), ": ",
                     Sv(ec ? ec.message() : std::string("a file of that name exists")),
                     "; pass --out a folder path that is writable"));
  }
  return absl::OkStatus();
}

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
