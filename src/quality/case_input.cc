#include "quality/case_input.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/ids.h"

namespace flowline::quality {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path, ": no such file"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

bool IsDocumentFile(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".pdf" || ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".tif" ||
         ext == ".tiff";
}

absl::StatusOr<Json> CaseInput(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadBytes(path);
  if (!bytes.ok()) return bytes.status();
  if (!IsDocumentFile(path)) return common::ParseJson(*bytes, path);
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  return Json{{"file", absolute.lexically_normal().string()},
              {"name", fs::path(path).filename().string()},
              {"sha256", common::Sha256Hex(*bytes)}};
}

}  // namespace flowline::quality
