#include "steps/secrets.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::steps {
namespace {

std::string TextAt(const Json& block, const std::string& key) {
  if (!block.is_object()) return "";
  auto it = block.find(key);
  return it != block.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

absl::StatusOr<std::string> ResolveSecret(const Json& block, std::string_view field,
                                          std::string_view where, std::string_view base_dir) {
  const std::string name(field);
  if (const std::string var = TextAt(block, name + "_env"); !var.empty()) {
    const char* value = std::getenv(var.c_str());
    if (value == nullptr || *value == '\0') {
      return absl::FailedPreconditionError(
          absl::StrCat("environment variable ", var, " (", name, "_env of ", Sv(where),
                       ") is not set or is empty; set it in the environment of the flowline "
                       "process"));
    }
    return std::string(value);
  }
  if (const std::string file = TextAt(block, name + "_file"); !file.empty()) {
    std::filesystem::path path(file);
    if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    if (in) text << in.rdbuf();
    if (!in || in.bad()) {
      return absl::FailedPreconditionError(absl::StrCat("cannot read the secret file ",
                                                        path.string(), " (", name, "_file of ",
                                                        Sv(where), "): ", std::strerror(errno)));
    }
    std::string value = text.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the secret file ", path.string(), " (", name, "_file of ", Sv(where), ") is empty"));
    }
    return value;
  }
  if (std::string literal = TextAt(block, name); !literal.empty()) return literal;
  return absl::NotFoundError(
      absl::StrCat(Sv(where), " names no ", name, "_env or ", name, "_file"));
}

std::string Redact(std::string text, const std::vector<std::string>& secrets) {
  std::vector<const std::string*> ordered;
  for (const std::string& secret : secrets) {
    if (!secret.empty()) ordered.push_back(&secret);
  }
  std::stable_sort(ordered.begin(), ordered.end(), [](const std::string* a, const std::string* b) {
    return a->size() > b->size();
  });
  for (const std::string* secret : ordered) {
    size_t pos = 0;
    while ((pos = text.find(*secret, pos)) != std::string::npos) {
      text.replace(pos, secret->size(), "[redacted]");
      pos += 10;
    }
  }
  return text;
}

}  // namespace flowline::steps
