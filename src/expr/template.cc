// Template: `${{ expression }}` placeholders in spec strings.

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "expr/expr.h"
#include "expr/syntax_error.h"

namespace flowline::expr {

namespace {

constexpr std::string_view kOpen = "${{";
constexpr std::string_view kClose = "}}";

// If text[i] opens a Lua long bracket ("[[", "[==["), its level (the number of '='), else -1.
int LongBracketLevel(std::string_view text, size_t i) {
  if (text[i] != '[') return -1;
  size_t j = i + 1;
  while (j < text.size() && text[j] == '=') ++j;
  return j < text.size() && text[j] == '[' ? static_cast<int>(j - i - 1) : -1;
}

// Offset of the "}}" that closes the placeholder whose expression starts at `begin`: the first
// one outside a Lua string literal ('…', "…", [[…]], [==[…]==], which also covers --[[…]]
// comments). npos if there is none.
size_t FindPlaceholderEnd(std::string_view text, size_t begin) {
  size_t i = begin;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"' || c == '\'') {
      ++i;
      while (i < text.size() && text[i] != c && text[i] != '\n') {
        i += text[i] == '\\' ? 2 : 1;
      }
      ++i;  // past the closing quote (or the newline that ends an unfinished string)
    } else if (int level = LongBracketLevel(text, i); level >= 0) {
      std::string closing = absl::StrCat("]", std::string(level, '='), "]");
      size_t end = text.find(closing, i + level + 2);
      if (end == std::string_view::npos) return std::string_view::npos;
      i = end + closing.size();
    } else if (text.substr(i, kClose.size()) == kClose) {
      return i;
    } else {
      ++i;
    }
  }
  return std::string_view::npos;
}

// A position inside a placeholder's expression → the same position in the whole template.
SourcePosition ToTemplatePosition(SourcePosition in_expression, SourcePosition expression_start) {
  if (in_expression.line <= 1) {
    return {expression_start.line, expression_start.column + in_expression.column - 1};
  }
  return {expression_start.line + in_expression.line - 1, in_expression.column};
}

void AppendRendered(const Json& value, std::string& out) {
  switch (value.type()) {
    case Json::value_t::null:
      return;
    case Json::value_t::string:
      out += value.get_ref<const std::string&>();
      return;
    case Json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::number_integer:
      absl::StrAppend(&out, value.get<int64_t>());
      return;
    case Json::value_t::number_unsigned:
      absl::StrAppend(&out, value.get<uint64_t>());
      return;
    case Json::value_t::number_float: {
      // %g drops trailing zeros; 15 significant digits hide binary noise (0.1 + 0.2 → 0.3).
      char buffer[32];
      int size = std::snprintf(buffer, sizeof buffer, "%.15g", value.get<double>());
      out.append(buffer, static_cast<size_t>(size > 0 ? size : 0));
      return;
    }
    default:
      out += value.dump(-1, ' ', false, Json::error_handler_t::replace);
      return;
  }
}

}  // namespace

absl::StatusOr<Template> Template::Compile(std::string_view text, std::string_view name) {
  Template compiled;
  std::string subject = absl::StrCat("template ", Sv(name));
  size_t done = 0;
  while (done < text.size()) {
    size_t open = text.find(kOpen, done);
    if (open == std::string_view::npos) {
      compiled.parts_.push_back({std::string(text.substr(done)), nullptr});
      break;
    }
    if (open > done)
      compiled.parts_.push_back({std::string(text.substr(done, open - done)), nullptr});
    size_t begin = open + kOpen.size();
    size_t end = FindPlaceholderEnd(text, begin);
    if (end == std::string_view::npos) {
      return internal::SyntaxErrorStatus(subject, internal::PositionAt(text, open),
                                         "unterminated '${{' (close the expression with '}}')");
    }
    absl::StatusOr<std::shared_ptr<const Program>> program =
        Program::CompileExpression(text.substr(begin, end - begin), name);
    if (!program.ok()) {
      SourcePosition position = SyntaxErrorPosition(program.status());
      if (position.line == 0) return program.status();
      return internal::SyntaxErrorStatus(
          subject, ToTemplatePosition(position, internal::PositionAt(text, begin)),
          internal::SyntaxErrorDetail(program.status()));
    }
    compiled.parts_.push_back({std::string(), *std::move(program)});
    done = end + kClose.size();
  }
  compiled.single_expression_ = compiled.parts_.size() == 1 && compiled.parts_[0].program;
  return compiled;
}

absl::StatusOr<Json> Template::Evaluate(Evaluator& evaluator) const {
  if (single_expression_) return evaluator.Evaluate(*parts_[0].program);
  if (parts_.empty()) return Json(std::string());
  if (parts_.size() == 1) return Json(parts_[0].text);
  std::string out;
  for (const Part& part : parts_) {
    if (part.program == nullptr) {
      out += part.text;
      continue;
    }
    ASSIGN_OR_RETURN(Json value, evaluator.Evaluate(*part.program));
    AppendRendered(value, out);
  }
  return Json(std::move(out));
}

bool HasPlaceholder(std::string_view text) { return text.find(kOpen) != std::string_view::npos; }

}  // namespace flowline::expr
