#include "engine/spec_edit.h"

#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"
#include "yaml-cpp/yaml.h"

namespace flowline::engine {
namespace {

// The text as lines (without their newlines), so that edits replace or insert whole lines.
struct Text {
  std::vector<std::string> lines;

  explicit Text(std::string_view text) {
    for (absl::string_view line : absl::StrSplit(Sv(text), '\n')) lines.emplace_back(line);
    if (!lines.empty() && lines.back().empty()) lines.pop_back();  // the final newline
  }
  std::string Joined() const {
    std::string out;
    for (const std::string& line : lines) absl::StrAppend(&out, line, "\n");
    return out;
  }
};

bool Blank(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }

int Indent(const std::string& line) {
  return static_cast<int>(line.find_first_not_of(' '));  // callers skip blank lines
}

// One past the last line of the block whose key is at (`line`, `column`): the lines after it up
// to the next non-blank line indented at most `column`, trailing blank lines left out.
size_t BlockEnd(const Text& text, size_t line, int column) {
  size_t end = line + 1;
  for (size_t i = line + 1; i < text.lines.size(); ++i) {
    if (Blank(text.lines[i])) continue;
    if (Indent(text.lines[i]) <= column) break;
    end = i + 1;
  }
  return end;
}

struct Entry {
  YAML::Node key;
  YAML::Node value;
};

std::optional<Entry> Find(const YAML::Node& map, std::string_view name) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == name) return Entry{it->first, it->second};
  }
  return std::nullopt;
}

absl::StatusOr<YAML::Node> Load(std::string_view text) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsMap()) {
      return absl::InvalidArgumentError("the spec is not a YAML mapping: nothing to edit");
    }
    return root;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("the spec is not valid YAML (line ", e.mark.line + 1, "): ", e.msg));
  }
}

bool IsFlow(const YAML::Node& node) { return node.Style() == YAML::EmitterStyle::Flow; }

std::string Scalar(std::string_view value) {
  const bool plain = !value.empty() && value.front() != ' ' && value.back() != ' ' &&
                     value.find_first_of(":#{}[],&*!|>'\"%@`\\") == std::string_view::npos;
  if (plain) return std::string(value);
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return quoted + "\"";
}

// The step whose id is `step_id`, if any.
std::optional<YAML::Node> FindStep(const YAML::Node& root, std::string_view step_id) {
  std::optional<Entry> steps = Find(root, "steps");
  if (!steps || !steps->value.IsSequence()) return std::nullopt;
  for (const YAML::Node& one : steps->value) {
    std::optional<Entry> id = one.IsMap() ? Find(one, "id") : std::nullopt;
    if (id && id->value.IsScalar() && id->value.Scalar() == step_id) return one;
  }
  return std::nullopt;
}

std::vector<std::string> ThresholdBlock(int indent, const std::vector<ThresholdLine>& lines,
                                        std::string_view comment) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  std::vector<std::string> block = {
      absl::StrCat(pad, "fields:", comment.empty() ? "" : absl::StrCat("  # ", Sv(comment)))};
  for (const ThresholdLine& line : lines) {
    block.push_back(absl::StrCat(pad, "  ", line.field, ": ", line.threshold,
                                 line.comment.empty() ? "" : absl::StrCat("  # ", line.comment)));
  }
  return block;
}

}  // namespace

absl::StatusOr<std::string> SetFieldThresholds(std::string_view text,
                                               const std::vector<ThresholdLine>& lines,
                                               std::string_view comment) {
  absl::StatusOr<YAML::Node> root = Load(text);
  if (!root.ok()) return root.status();
  Text edited(text);
  std::optional<Entry> exceptions = Find(*root, "exceptions");
  if (!exceptions) {
    edited.lines.push_back("exceptions:");
    for (std::string& line : ThresholdBlock(2, lines, comment)) {
      edited.lines.push_back(std::move(line));
    }
    return edited.Joined();
  }
  const size_t key_line = static_cast<size_t>(exceptions->key.Mark().line);
  const int key_column = exceptions->key.Mark().column;
  const YAML::Node& policy = exceptions->value;
  if (policy.IsNull()) {
    std::vector<std::string> block = ThresholdBlock(key_column + 2, lines, comment);
    edited.lines.insert(edited.lines.begin() + static_cast<long>(key_line) + 1, block.begin(),
                        block.end());
    return edited.Joined();
  }
  if (!policy.IsMap() || IsFlow(policy)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line ", key_line + 1,
        ": `exceptions:` is not a block mapping, so its thresholds cannot be edited in place; "
        "write it with one key per line"));
  }
  std::optional<Entry> fields = Find(policy, "fields");
  if (fields) {
    const size_t line = static_cast<size_t>(fields->key.Mark().line);
    const int column = fields->key.Mark().column;
    const size_t end = BlockEnd(edited, line, column);
    std::vector<std::string> block = ThresholdBlock(column, lines, comment);
    edited.lines.erase(edited.lines.begin() + static_cast<long>(line),
                       edited.lines.begin() + static_cast<long>(end));
    edited.lines.insert(edited.lines.begin() + static_cast<long>(line), block.begin(), block.end());
    return edited.Joined();
  }
  const YAML::Node first = policy.begin()->first;
  std::vector<std::string> block = ThresholdBlock(first.Mark().column, lines, comment);
  edited.lines.insert(edited.lines.begin() + first.Mark().line, block.begin(), block.end());
  return edited.Joined();
}

absl::StatusOr<std::string> SetStepParam(std::string_view text, std::string_view step_id,
                                         std::string_view param, std::string_view value) {
  absl::StatusOr<YAML::Node> root = Load(text);
  if (!root.ok()) return root.status();
  std::optional<YAML::Node> step = FindStep(*root, step_id);
  if (!step) return absl::NotFoundError(absl::StrCat("the spec has no step '", Sv(step_id), "'"));
  std::optional<Entry> with = Find(*step, "with");
  if (!with || !with->value.IsMap() || IsFlow(with->value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("step '", Sv(step_id), "' has no block `with:` mapping to set ", Sv(param),
                     " in; write its `with:` with one parameter per line"));
  }
  Text edited(text);
  std::optional<Entry> existing = Find(with->value, param);
  if (!existing) {
    const YAML::Mark first = with->value.begin()->first.Mark();
    edited.lines.insert(edited.lines.begin() + first.line,
                        absl::StrCat(std::string(static_cast<size_t>(first.column), ' '), Sv(param),
                                     ": ", Scalar(value)));
    return edited.Joined();
  }
  const YAML::Mark key = existing->key.Mark();
  const YAML::Mark at = existing->value.Mark();
  if (!existing->value.IsScalar() || at.line != key.line ||
      BlockEnd(edited, static_cast<size_t>(key.line), key.column) !=
          static_cast<size_t>(key.line) + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", key.line + 1, ": step '", Sv(step_id), "' has a ", Sv(param),
                     " that is not a one-line value; write it on the key's line"));
  }
  std::string& line = edited.lines[static_cast<size_t>(key.line)];
  size_t hash = line.find(" #", static_cast<size_t>(at.column));
  while (hash != std::string::npos && hash > static_cast<size_t>(at.column) &&
         line[hash - 1] == ' ') {
    --hash;  // the spaces before the comment are the comment's
  }
  std::string trailing = hash == std::string::npos ? "" : line.substr(hash);
  line = absl::StrCat(line.substr(0, static_cast<size_t>(at.column)), Scalar(value), trailing);
  return edited.Joined();
}

absl::StatusOr<std::string> FirstStepUsing(std::string_view text, std::string_view kind) {
  absl::StatusOr<YAML::Node> root = Load(text);
  if (!root.ok()) return root.status();
  std::optional<Entry> steps = Find(*root, "steps");
  if (steps && steps->value.IsSequence()) {
    for (const YAML::Node& one : steps->value) {
      std::optional<Entry> uses = one.IsMap() ? Find(one, "uses") : std::nullopt;
      std::optional<Entry> id = one.IsMap() ? Find(one, "id") : std::nullopt;
      if (uses && id && uses->value.IsScalar() && uses->value.Scalar() == kind &&
          id->value.IsScalar()) {
        return id->value.Scalar();
      }
    }
  }
  return absl::NotFoundError(absl::StrCat("the spec has no step that uses ", Sv(kind)));
}

absl::StatusOr<std::string> StepParam(std::string_view text, std::string_view step_id,
                                      std::string_view param) {
  absl::StatusOr<YAML::Node> root = Load(text);
  if (!root.ok()) return root.status();
  std::optional<YAML::Node> step = FindStep(*root, step_id);
  std::optional<Entry> with = step ? Find(*step, "with") : std::nullopt;
  std::optional<Entry> value =
      with && with->value.IsMap() ? Find(with->value, param) : std::nullopt;
  if (!value || !value->value.IsScalar()) {
    return absl::NotFoundError(
        absl::StrCat("step '", Sv(step_id), "' has no `with.", Sv(param), "` value"));
  }
  return value->value.Scalar();
}

absl::StatusOr<std::vector<ThresholdLine>> ThresholdFields(std::string_view text) {
  absl::StatusOr<YAML::Node> root = Load(text);
  if (!root.ok()) return root.status();
  std::vector<ThresholdLine> names;
  std::optional<Entry> exceptions = Find(*root, "exceptions");
  if (!exceptions || !exceptions->value.IsMap()) return names;
  std::optional<Entry> fields = Find(exceptions->value, "fields");
  if (!fields || !fields->value.IsMap()) return names;
  for (auto it = fields->value.begin(); it != fields->value.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    ThresholdLine line;
    line.field = it->first.Scalar();
    if (!it->second.IsScalar() || !absl::SimpleAtod(it->second.Scalar(), &line.threshold)) {
      return absl::InvalidArgumentError(absl::StrCat("line ", it->second.Mark().line + 1,
                                                     ": the threshold of ", line.field,
                                                     " is not a number"));
    }
    names.push_back(std::move(line));
  }
  return names;
}

}  // namespace flowline::engine
