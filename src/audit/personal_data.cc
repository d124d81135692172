#include "audit/personal_data.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/ids.h"
#include "common/strings.h"

namespace flowline::audit {
namespace {

constexpr char kPathHint[] =
    "write a dotted path from input, steps.<step>.output, outputs or key, e.g. "
    "input.customer.email or steps.extract.output.fields.iban (* for any member or element)";

bool IsSegment(std::string_view segment) {
  if (segment == "*") return true;
  return !segment.empty() && std::all_of(segment.begin(), segment.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// Splits a path into its root and the segments after it; nullopt if it has no known root.
std::optional<std::pair<std::string, std::vector<std::string>>> SplitPath(std::string_view path) {
  std::vector<std::string> parts = absl::StrSplit(Sv(path), '.');
  if (parts.empty()) return std::nullopt;
  if (parts[0] == "input" || parts[0] == "outputs" || parts[0] == "key") {
    std::string root = parts[0];
    parts.erase(parts.begin());
    return std::make_pair(std::move(root), std::move(parts));
  }
  if (parts[0] == "steps" && parts.size() >= 3 && parts[2] == "output") {
    std::string root = absl::StrCat("steps.", parts[1], ".output");
    parts.erase(parts.begin(), parts.begin() + 3);
    return std::make_pair(std::move(root), std::move(parts));
  }
  return std::nullopt;
}

bool SegmentMatches(std::string_view pattern, std::string_view name) {
  return pattern == "*" || pattern == name;
}

void RedactAt(Json& value, const std::vector<std::string>& segments, size_t depth,
              const PersonalDigest& digest) {
  if (value.is_null()) return;
  if (depth == segments.size()) {
    value = digest(value);
    return;
  }
  const std::string& segment = segments[depth];
  if (value.is_object()) {
    for (auto& [name, member] : value.items()) {
      if (SegmentMatches(segment, name)) RedactAt(member, segments, depth + 1, digest);
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      if (SegmentMatches(segment, std::to_string(i))) {
        RedactAt(value[i], segments, depth + 1, digest);
      }
    }
  }
}

}  // namespace

std::optional<PathProblem> CheckPersonalPath(std::string_view path,
                                             const std::vector<std::string>& step_ids) {
  auto split = SplitPath(path);
  if (!split.has_value()) {
    return PathProblem{absl::StrCat("personal path '", Sv(path),
                                    "' does not start at input, steps.<step>.output, outputs or "
                                    "key"),
                       kPathHint};
  }
  const auto& [root, segments] = *split;
  if (root.rfind("steps.", 0) == 0) {
    const std::string step = root.substr(6, root.size() - 6 - 7);
    if (std::find(step_ids.begin(), step_ids.end(), step) == step_ids.end()) {
      return PathProblem{absl::StrCat("personal path '", Sv(path), "' names step '", step,
                                      "', which this workflow does not have"),
                         absl::StrCat("the steps are: ", absl::StrJoin(step_ids, ", "))};
    }
  }
  if (root == "key" && !segments.empty()) {
    return PathProblem{absl::StrCat("personal path '", Sv(path), "': key has no members"),
                       "write just `key` to keep the business key as a digest"};
  }
  if ((root == "input" || root == "outputs") && segments.empty()) {
    return PathProblem{absl::StrCat("personal path '", Sv(path), "' names all of ", root),
                       absl::StrCat("name the fields that hold personal data, e.g. ", root,
                                    ".email (or ", root, ".* for every top-level field)")};
  }
  for (const std::string& segment : segments) {
    if (!IsSegment(segment)) {
      return PathProblem{absl::StrCat("personal path '", Sv(path),
                                      "' has an empty or invalid "
                                      "part '",
                                      segment, "'"),
                         kPathHint};
    }
  }
  return std::nullopt;
}

std::string PersonalDigest::operator()(const Json& value) const {
  return absl::StrCat("hmac-sha256:", common::HmacSha256Hex(key_, common::CanonicalJson(value)));
}

PersonalFields::PersonalFields(const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    auto split = SplitPath(path);
    if (!split.has_value()) continue;
    paths_.push_back(Path{std::move(split->first), std::move(split->second)});
    written_.push_back(path);
  }
}

bool PersonalFields::Covers(std::string_view root) const {
  return std::any_of(paths_.begin(), paths_.end(),
                     [root](const Path& path) { return path.root == root; });
}

Json PersonalFields::Redact(std::string_view root, Json value, const PersonalDigest& digest) const {
  for (const Path& path : paths_) {
    if (path.root == root) RedactAt(value, path.segments, 0, digest);
  }
  return value;
}

bool PersonalFields::Touches(std::string_view root,
                             const std::vector<std::string>& relative) const {
  for (const Path& path : paths_) {
    if (path.root != root) continue;
    const size_t common = std::min(path.segments.size(), relative.size());
    bool matches = true;
    for (size_t i = 0; i < common && matches; ++i) {
      matches = SegmentMatches(path.segments[i], relative[i]);
    }
    if (matches) return true;
  }
  return false;
}

Json PersonalFields::RedactDecision(const std::string& fields_step, Json data,
                                    const PersonalDigest& digest) const {
  if (fields_step.empty() || !data.is_object()) return data;
  const std::string root = absl::StrCat("steps.", fields_step, ".output");
  if (!Covers(root)) return data;
  auto fields = data.find("fields");
  if (fields == data.end() || !fields->is_object()) return data;
  for (auto& [name, value] : fields->items()) {
    if (!value.is_null() && Touches(root, {"fields", name})) value = digest(value);
  }
  return data;
}

}  // namespace flowline::audit
