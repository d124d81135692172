#include "common/model_files.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace flowline::common {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadFileBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path.string(), ": cannot be read"));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

absl::Status WriteFileBytes(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat(path.string(), ": cannot be written"));
  return absl::OkStatus();
}

absl::Status CheckModelDirectory(const fs::path& out) {
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::exists(out / "model.json", ec) && !fs::is_empty(out, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat(out.string(), " exists and is not a model directory; choose another --out"));
  }
  return absl::OkStatus();
}

absl::StatusOr<fs::path> MakeStagingDirectory(const fs::path& out) {
  fs::path staging = out;
  staging += absl::StrCat(".tmp-", getpid());
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create ", staging.string(), ": ", ec.message()));
  }
  return staging;
}

absl::Status ReplaceDirectory(const fs::path& staging, const fs::path& out) {
  std::error_code ec;
  fs::path old;
  if (fs::exists(out, ec)) {
    old = out;
    old += absl::StrCat(".old-", getpid());
    fs::rename(out, old, ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("cannot replace ", out.string(), ": ", ec.message()));
    }
  }
  fs::rename(staging, out, ec);
  if (ec) {
    if (!old.empty()) fs::rename(old, out, ec);
    return absl::InternalError(absl::StrCat("cannot write ", out.string(), ": ", ec.message()));
  }
  if (!old.empty()) fs::remove_all(old, ec);
  return absl::OkStatus();
}

}  // namespace flowline::common
