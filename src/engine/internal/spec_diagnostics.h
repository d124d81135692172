// Collecting spec diagnostics, and the "did you mean" suggestions that go into their hints
// (private to engine/).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/spec.h"
#include "yaml-cpp/yaml.h"

namespace flowline::engine::internal {

// The 1-based location of a YAML mark (yaml-cpp counts from 0); {0, 0} for a null mark.
Location LocationOf(const YAML::Mark& mark);
Location LocationOf(const YAML::Node& node);

// Accumulates the diagnostics of one spec file. Not thread-safe.
class DiagnosticSink {
 public:
  explicit DiagnosticSink(std::string file) : file_(std::move(file)) {}

  void Add(Location location, std::string message, std::string hint = "");
  void Add(const YAML::Node& node, std::string message, std::string hint = "") {
    Add(LocationOf(node), std::move(message), std::move(hint));
  }

  bool empty() const { return diagnostics_.empty(); }
  size_t size() const { return diagnostics_.size(); }
  const std::string& file() const { return file_; }
  // The diagnostics in file order (line, then column; ties keep the order they were added).
  std::vector<Diagnostic> Sorted() const;

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
};

// The candidate closest to `name` by edit distance (a transposition counts as one edit), if it
// is close enough to be a likely typo; empty otherwise.
std::string ClosestName(std::string_view name, const std::vector<std::string>& candidates);

// "did you mean 'x'?" when a candidate is close, else "<list_intro>: a, b, c".
std::string SuggestName(std::string_view name, const std::vector<std::string>& candidates,
                        std::string_view list_intro);

// "a, b, c", each quoted as 'a' when `quote` is set.
std::string JoinNames(const std::vector<std::string>& names, bool quote = false);

}  // namespace flowline::engine::internal
