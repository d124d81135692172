#include "engine/internal/spec_diagnostics.h"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::engine::internal {

Location LocationOf(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

Location LocationOf(const YAML::Node& node) { return LocationOf(node.Mark()); }

void DiagnosticSink::Add(Location location, std::string message, std::string hint) {
  Diagnostic diagnostic;
  diagnostic.file = file_;
  diagnostic.line = location.line;
  diagnostic.column = location.column;
  diagnostic.message = std::move(message);
  diagnostic.hint = std::move(hint);
  diagnostics_.push_back(std::move(diagnostic));
}

std::vector<Diagnostic> DiagnosticSink::Sorted() const {
  std::vector<Diagnostic> sorted = diagnostics_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return sorted;
}

namespace {

// Optimal string alignment distance, case-insensitive: "stpes" is one edit from "steps".
size_t EditDistance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

}  // namespace

std::string ClosestName(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = 0;
  for (const std::string& candidate : candidates) {
    size_t distance = EditDistance(name, candidate);
    // Allow about one typo per three letters, so short names only match near misses.
    // and never a name that shares nothing with it ('c' is not a typo of 'a').
    size_t longest = std::max(name.size(), candidate.size());
    size_t limit = std::max<size_t>(1, longest / 3);
    if (distance > limit || distance >= longest) continue;
    if (best.empty() || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string JoinNames(const std::vector<std::string>& names, bool quote) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ", ";
    absl::StrAppend(&out, quote ? "'" : "", name, quote ? "'" : "");
  }
  return out;
}

std::string SuggestName(std::string_view name, const std::vector<std::string>& candidates,
                        std::string_view list_intro) {
  std::string closest = ClosestName(name, candidates);
  if (!closest.empty()) return absl::StrCat("did you mean '", closest, "'?");
  if (candidates.empty()) return "";
  return absl::StrCat(Sv(list_intro), ": ", JoinNames(candidates));
}

}  // namespace flowline::engine::internal
