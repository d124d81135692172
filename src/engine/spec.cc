// ParseSpec(): runs the phases of spec reading (internal/spec_phases.h) over one file and turns
// what they found into diagnostics or a spec.
#include "engine/spec.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/ids.h"
#include "common/strings.h"
#include "engine/internal/spec_diagnostics.h"
#include "engine/internal/spec_phases.h"
#include "yaml-cpp/yaml.h"

namespace flowline::engine {

namespace {

// yaml-cpp counts columns in bytes; editors count characters. Convert the byte column of a
// diagnostic to a character column on its line.
int CharacterColumn(std::string_view text, int line, int byte_column) {
  if (line <= 0 || byte_column <= 1) return byte_column;
  size_t start = 0;
  for (int current = 1; current < line; ++current) {
    size_t newline = text.find('\n', start);
    if (newline == std::string_view::npos) return byte_column;
    start = newline + 1;
  }
  int column = 1;
  for (size_t i = start; i < start + byte_column - 1 && i < text.size() && text[i] != '\n'; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
  }
  return column;
}

std::optional<YAML::Node> LoadYaml(std::string_view text, internal::DiagnosticSink& sink) {
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(std::string(text));
    if (documents.empty()) return YAML::Node();
    if (documents.size() > 1) {
      Location location = internal::LocationOf(documents[1]);
      sink.Add(location.line > 0 ? location : Location{1, 1},
               "the file holds more than one YAML document; a second one starts here",
               "keep one workflow per file and remove the `---` line before this one");
    }
    return documents[0];
  } catch (const YAML::Exception& e) {
    // Parsing cannot go on past a syntax error, so this is the only diagnostic.
    Location location = internal::LocationOf(e.mark);
    if (location.line == 0) location = {1, 1};
    sink.Add(location, absl::StrCat("invalid YAML: ", e.msg),
             "check the indentation, quotes and brackets here and on the lines before; a value "
             "that contains ': ' or starts with '{', '[', '*', '&' or '!' must be quoted");
    return std::nullopt;
  }
}

}  // namespace

std::string Diagnostic::ToString() const {
  std::string out = file;
  if (line > 0) {
    absl::StrAppend(&out, ":", line);
    if (column > 0) absl::StrAppend(&out, ":", column);
  }
  absl::StrAppend(&out, ": error: ", message);
  if (!hint.empty()) absl::StrAppend(&out, " (hint: ", hint, ")");
  return out;
}

std::string SpecVersion(std::string_view text) {
  // Trailing white space is invisible in an editor and often changed by one: it must not make a
  // new version. Everything else, comments included, is part of what was reviewed and deployed.
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r' ||
                             line.back() == '\f' || line.back() == '\v')) {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    start = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string normalised;
  for (std::string_view line : lines) absl::StrAppend(&normalised, Sv(line), "\n");
  if (normalised.empty()) normalised = "\n";
  return common::Sha256Hex(normalised);
}

absl::StatusOr<WorkflowSpec> ParseSpec(std::string_view text, std::string_view file,
                                       const steps::StepKindRegistry& registry,
                                       std::vector<Diagnostic>* diagnostics) {
  internal::DiagnosticSink sink{std::string(file)};
  internal::ParsedSpec parsed;
  if (std::optional<YAML::Node> root = LoadYaml(text, sink)) {
    try {
      parsed = internal::ReadSpec(*root, sink);
      internal::CheckStepKinds(registry, text, parsed, sink);
      internal::CheckDependencies(parsed, sink);
      internal::CheckExpressions(registry, text, parsed, sink);
      internal::CheckInputSchema(parsed, sink);
      internal::CheckPersonal(parsed, sink);
    } catch (const YAML::Exception& e) {
      // The phases only read nodes whose shape they have checked, so this is a bug in them;
      // still, a spec's author gets a message, not a crash.
      sink.Add(internal::LocationOf(e.mark), absl::StrCat("could not read the spec: ", e.msg),
               "please report this as a bug in flowline, with the spec");
    }
  }

  std::vector<Diagnostic> found = sink.Sorted();
  for (Diagnostic& diagnostic : found) {
    diagnostic.column = CharacterColumn(text, diagnostic.line, diagnostic.column);
  }
  if (diagnostics != nullptr) *diagnostics = found;
  if (!found.empty()) {
    std::vector<std::string> lines;
    for (const Diagnostic& diagnostic : found) lines.push_back(diagnostic.ToString());
    return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
  }

  WorkflowSpec spec = std::move(parsed.spec);
  spec.source = std::string(text);
  spec.file = std::string(file);
  spec.version = SpecVersion(text);
  return spec;
}

}  // namespace flowline::engine
