// Checks every `${{ }}` expression of a spec when it is read: it must compile, and every
// `steps.<id>` it reads must name a step whose result is there when the expression runs, i.e.
// one the expression's step depends on (directly or through others). Errors are placed at their
// line and column in the file, inside the scalar that holds the expression.
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"
#include "engine/internal/scalar_position.h"
#include "engine/internal/spec_phases.h"
#include "engine/internal/spec_yaml.h"
#include "expr/expr.h"

namespace flowline::engine::internal {

namespace {

// A `steps.<id>` or `steps["<id>"]` read in an expression, at byte `offset` of its template.
struct StepReference {
  std::string id;
  size_t offset = 0;
};

bool IsIdentifierStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentifierChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// A light Lua lexer over one placeholder's expression: enough to skip strings and comments and
// to see `steps` as a global name (not `x.steps`) followed by a constant index.
class ReferenceScanner {
 public:
  ReferenceScanner(std::string_view text, size_t begin, size_t end)
      : text_(text), pos_(begin), end_(end) {}

  void Scan(std::vector<StepReference>& out) {
    char previous = '\0';  // the last significant character, to tell `a.steps` from `steps`
    while (pos_ < end_) {
      char c = text_[pos_];
      if (c == '-' && Peek(1) == '-') {
        SkipComment();
      } else if (c == '"' || c == '\'') {
        ReadQuoted();
        previous = c;
      } else if (c == '[' && (Peek(1) == '[' || Peek(1) == '=')) {
        if (!SkipLongBracket()) ++pos_;
        previous = ']';
      } else if (IsIdentifierStart(c)) {
        size_t start = pos_;
        while (pos_ < end_ && IsIdentifierChar(text_[pos_])) ++pos_;
        std::string_view word = text_.substr(start, pos_ - start);
        if (word == "steps" && previous != '.' && previous != ':') ReadIndex(start, out);
        previous = 'a';
      } else {
        if (!std::isspace(static_cast<unsigned char>(c))) previous = c;
        ++pos_;
      }
    }
  }

 private:
  char Peek(size_t ahead) const { return pos_ + ahead < end_ ? text_[pos_ + ahead] : '\0'; }

  void SkipSpace() {
    while (pos_ < end_ && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  void SkipComment() {
    pos_ += 2;
    if (pos_ < end_ && text_[pos_] == '[' && SkipLongBracket()) return;
    while (pos_ < end_ && text_[pos_] != '\n') ++pos_;
  }

  // [[ ... ]] or [==[ ... ]==] starting at pos_; false if pos_ does not open one.
  bool SkipLongBracket() {
    size_t p = pos_ + 1;
    size_t level = 0;
    while (p < end_ && text_[p] == '=') ++p, ++level;
    if (p >= end_ || text_[p] != '[') return false;
    std::string close = absl::StrCat("]", std::string(level, '='), "]");
    size_t found = text_.substr(0, end_).find(close, p + 1);
    pos_ = found == std::string_view::npos ? end_ : found + close.size();
    return true;
  }

  // A quoted string at pos_; returns its content (escapes other than \" \' \\ kept as written).
  std::string ReadQuoted() {
    char quote = text_[pos_++];
    std::string content;
    while (pos_ < end_ && text_[pos_] != quote && text_[pos_] != '\n') {
      if (text_[pos_] == '\\' && pos_ + 1 < end_) ++pos_;
      content += text_[pos_++];
    }
    if (pos_ < end_ && text_[pos_] == quote) ++pos_;
    return content;
  }

  // After `steps`: `.id` or `["id"]`; anything else (a computed index) cannot be checked.
  void ReadIndex(size_t start, std::vector<StepReference>& out) {
    size_t resume = pos_;
    SkipSpace();
    if (pos_ < end_ && text_[pos_] == '.' && Peek(1) != '.') {
      ++pos_;
      SkipSpace();
      size_t id_start = pos_;
      while (pos_ < end_ && IsIdentifierChar(text_[pos_])) ++pos_;
      if (pos_ > id_start) {
        out.push_back({std::string(text_.substr(id_start, pos_ - id_start)), start});
        return;
      }
    } else if (pos_ < end_ && text_[pos_] == '[') {
      ++pos_;
      SkipSpace();
      if (pos_ < end_ && (text_[pos_] == '"' || text_[pos_] == '\'')) {
        std::string id = ReadQuoted();
        SkipSpace();
        if (pos_ < end_ && text_[pos_] == ']') {
          out.push_back({std::move(id), start});
          return;
        }
      }
    }
    pos_ = resume;
  }

  std::string_view text_;
  size_t pos_;
  size_t end_;
};

// Every constant `steps` index inside the template's placeholders.
std::vector<StepReference> FindStepReferences(std::string_view text) {
  std::vector<StepReference> references;
  size_t pos = 0;
  while ((pos = text.find("${{", pos)) != std::string_view::npos) {
    size_t begin = pos + 3;
    size_t end = text.find("}}", begin);
    if (end == std::string_view::npos) end = text.size();
    ReferenceScanner(text, begin, end).Scan(references);
    pos = end;
  }
  return references;
}

// The detail of an expr syntax error "<name>: syntax error at line L, column C: <detail>".
std::string SyntaxErrorDetail(const absl::Status& status) {
  std::string message(status.message());
  constexpr std::string_view kMarker = ": syntax error at line ";
  size_t marker = message.find(kMarker);
  if (marker == std::string::npos) return message;
  size_t detail = message.find(": ", marker + kMarker.size());
  return detail == std::string::npos ? message : message.substr(detail + 2);
}

// Where an expression appears, and so which steps it may read.
struct Site {
  enum class Scope { kStep, kKey, kOutput };
  Scope scope = Scope::kStep;
  std::string owner;  // "step 'fetch'", "the business key", "output 'outcome'"
  std::string what;   // "when", "with.url" (empty for the key and outputs)
  std::string name;   // for expr messages: "steps.fetch.when"
  const StepSpec* step = nullptr;
  const StepSource* source = nullptr;
};

class ExpressionChecker {
 public:
  ExpressionChecker(const steps::StepKindRegistry& registry, std::string_view source,
                    const ParsedSpec& parsed, DiagnosticSink& sink)
      : registry_(registry),
        source_(source),
        parsed_(parsed),
        sink_(sink),
        needs_(TransitiveNeeds(parsed.spec)) {
    for (const StepSpec& step : parsed.spec.steps) {
      if (!step.id.empty() && ids_.insert(step.id).second) id_list_.push_back(step.id);
    }
  }

  void Run() {
    for (size_t i = 0; i < parsed_.spec.steps.size(); ++i) {
      const StepSpec& step = parsed_.spec.steps[i];
      const StepSource& source = parsed_.sources[i];
      Site site;
      site.owner =
          step.id.empty() ? absl::StrCat("step #", i + 1) : absl::StrCat("step '", step.id, "'");
      site.step = &step;
      site.source = &source;
      if (source.with.IsDefined()) CheckWith(site, source.with);
      if (source.when.IsDefined()) {
        site.what = "when";
        site.name = absl::StrCat("steps.", step.id, ".when");
        Check(site, source.when);
      }
    }
    if (parsed_.key.IsDefined()) {
      Site site;
      site.scope = Site::Scope::kKey;
      site.owner = "the business key";
      site.name = "key";
      Check(site, parsed_.key);
    }
    for (const auto& [name, node] : parsed_.outputs) {
      Site site;
      site.scope = Site::Scope::kOutput;
      site.owner = absl::StrCat("output '", name, "'");
      site.name = absl::StrCat("outputs.", name);
      Check(site, node);
    }
    for (const auto& [name, node] : parsed_.exception_rules) {
      Site site;
      site.scope = Site::Scope::kOutput;  // may name any step: it is evaluated at the gate
      site.owner = absl::StrCat("exception rule '", name, "'");
      site.name = absl::StrCat("exceptions.rules.", name);
      Check(site, node);
    }
    for (const auto& [field, node] : parsed_.confirmed_by) {
      Site site;
      site.scope = Site::Scope::kOutput;  // evaluated at the gate, like the rules
      site.owner = absl::StrCat("exceptions.confirmed_by.", field);
      site.name = site.owner;
      Check(site, node);
    }
  }

 private:
  // Every string in `with:` that holds a placeholder, except literal parameters, which are used
  // as written (and reported by spec_kinds.cc if they hold one).
  void CheckWith(Site site, const YAML::Node& with) {
    std::set<std::string> literal;
    if (const steps::StepKind* kind = registry_.Find(site.step->uses)) {
      for (const steps::ParamSpec& param : kind->Info().params) {
        if (param.literal) literal.insert(param.name);
      }
    }
    for (auto it = with.begin(); it != with.end(); ++it) {
      if (!it->first.IsScalar() || literal.contains(it->first.Scalar())) continue;
      CheckValue(site, absl::StrCat("with.", it->first.Scalar()), it->second);
    }
  }

  void CheckValue(Site site, const std::string& path, const YAML::Node& node) {
    if (node.IsScalar()) {
      site.what = path;
      site.name = absl::StrCat("steps.", site.step->id, ".", path);
      Check(site, node);
    } else if (node.IsSequence()) {
      size_t index = 0;
      for (const YAML::Node& item : node) CheckValue(site, absl::StrCat(path, ".", index++), item);
    } else if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (it->first.IsScalar()) {
          CheckValue(site, absl::StrCat(path, ".", it->first.Scalar()), it->second);
        }
      }
    }
  }

  std::string Where(const Site& site) const {
    return site.what.empty() ? site.owner : absl::StrCat(site.owner, ", ", site.what);
  }

  void Check(const Site& site, const YAML::Node& node) {
    if (!node.IsScalar()) return;
    const std::string& text = node.Scalar();
    if (!expr::HasPlaceholder(text)) return;
    absl::StatusOr<expr::Template> compiled = expr::Template::Compile(text, site.name);
    if (!compiled.ok()) {
      expr::SourcePosition position = expr::SyntaxErrorPosition(compiled.status());
      Location location =
          position.line > 0
              ? LocateInScalar(source_, node, OffsetOf(text, position.line, position.column))
              : LocationOf(node);
      sink_.Add(
          location,
          absl::StrCat(Where(site), ": invalid expression: ", SyntaxErrorDetail(compiled.status())),
          "expressions are Lua, e.g. ${{ input.total > 1000 and steps.check.output.ok }}");
    }
    for (const StepReference& reference : FindStepReferences(text)) {
      CheckReference(site, node, reference);
    }
  }

  void CheckReference(const Site& site, const YAML::Node& node, const StepReference& ref) {
    Location location = LocateInScalar(source_, node, ref.offset);
    std::string read = absl::StrCat("steps.", ref.id);
    if (!ids_.contains(ref.id)) {
      sink_.Add(location, absl::StrCat(Where(site), ": ", read, " is not a step of this workflow"),
                SuggestName(ref.id, id_list_, "the steps are"));
      return;
    }
    switch (site.scope) {
      case Site::Scope::kOutput:
        return;  // outputs are computed when the run has finished
      case Site::Scope::kKey:
        sink_.Add(location,
                  absl::StrCat("the business key uses ", read,
                               ", but the key is computed when a run starts, before any step"),
                  "build the key from the input, e.g. `key: ${{ input.id }}`");
        return;
      case Site::Scope::kStep:
        break;
    }
    const StepSpec& step = *site.step;
    if (step.id.empty()) return;  // reported when reading
    if (ref.id == step.id) {
      sink_.Add(location,
                absl::StrCat(Where(site), ": uses ", read,
                             ", its own result, which does not exist while it runs"),
                absl::StrCat("read the result of '", step.id, "' in a step that needs it"));
      return;
    }
    auto it = needs_.find(step.id);
    if (it != needs_.end() && it->second.contains(ref.id)) return;
    std::vector<std::string> needs = step.needs;
    needs.push_back(ref.id);
    sink_.Add(
        location,
        absl::StrCat(site.owner, " uses ", read,
                     " but does not depend on it, so its output may not be there yet"),
        absl::StrCat("add `needs: [", absl::StrJoin(needs, ", "), "]` to step '", step.id, "'"));
  }

  const steps::StepKindRegistry& registry_;
  std::string_view source_;
  const ParsedSpec& parsed_;
  DiagnosticSink& sink_;
  const std::map<std::string, std::set<std::string>> needs_;
  std::set<std::string> ids_;
  std::vector<std::string> id_list_;
};

}  // namespace

void CheckExpressions(const steps::StepKindRegistry& registry, std::string_view source,
                      const ParsedSpec& parsed, DiagnosticSink& sink) {
  ExpressionChecker(registry, source, parsed, sink).Run();
}

}  // namespace flowline::engine::internal
