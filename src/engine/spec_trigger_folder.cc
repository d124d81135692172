// The folder trigger's block: `- folder: { path: inbox, pattern: "*.pdf", settle: 2s, interval:
// 1s, processed: inbox/processed, failed: inbox/failed }` (src/triggers/folder_source.cc).
#include "absl/strings/str_cat.h"
#include "engine/internal/spec_triggers.h"

namespace flowline::engine::internal {
namespace {

// The file name patterns the folder source matches (fnmatch without flags): `*`, `?`, `[...]`
// sets. A pattern names files in the folder, never a path.
bool CheckPattern(const Field& field, const std::string& pattern, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write a file name pattern with * and ?, e.g. \"*.pdf\" or \"invoice-*.xml\"";
  if (pattern.find('/') != std::string::npos) {
    sink.Add(field.location, absl::StrCat("folder pattern '", pattern, "' contains '/'"),
             "a pattern matches file names in the folder; put the folder in `path:`");
    return false;
  }
  int depth = 0;
  for (char c : pattern) {
    if (c == '[') ++depth;
    if (c == ']' && depth > 0) --depth;
  }
  if (depth != 0) {
    sink.Add(field.location, absl::StrCat("folder pattern '", pattern, "' has an unclosed '['"),
             std::string(kHint));
    return false;
  }
  return true;
}

}  // namespace

void CheckFolderTrigger(const Field& block, TriggerSpec& /*trigger*/, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write `- folder: { path: inbox, pattern: \"*.pdf\" }` (path relative to where flowline "
      "serve runs)";
  auto fields = TriggerFields(
      block, kHint, {"path", "pattern", "settle", "interval", "processed", "failed"}, sink);
  if (!fields) return;
  auto path = TriggerString(*fields, block, "path", kHint, /*required=*/true, sink);
  if (auto pattern = TriggerString(*fields, block, "pattern", kHint, false, sink)) {
    CheckPattern(*fields->Find("pattern"), *pattern, sink);
  }
  for (const char* name : {"settle", "interval"}) {
    if (const Field* field = fields->Find(name)) {
      auto duration = ReadDuration(*field, absl::StrCat("folder ", name), sink);
      if (duration && std::string_view(name) == "interval" && *duration <= absl::ZeroDuration()) {
        sink.Add(field->location, "folder interval must be more than 0",
                 "write how often to look into the folder, e.g. `interval: 1s`");
      }
    }
  }
  auto processed = TriggerString(*fields, block, "processed", kHint, false, sink);
  auto failed = TriggerString(*fields, block, "failed", kHint, false, sink);
  if (path && processed && *processed == *path) {
    sink.Add(fields->Find("processed")->location,
             "folder processed must not be the watched folder itself",
             absl::StrCat("leave it out (default ", *path, "/processed) or name another folder"));
  }
  if (path && failed && *failed == *path) {
    sink.Add(fields->Find("failed")->location,
             "folder failed must not be the watched folder itself",
             absl::StrCat("leave it out (default ", *path, "/failed) or name another folder"));
  }
  if (processed && failed && *processed == *failed) {
    sink.Add(fields->Find("failed")->location,
             "folder failed must not be the same folder as processed",
             "keep failed files apart, e.g. `failed: inbox/failed`");
  }
}

}  // namespace flowline::engine::internal
