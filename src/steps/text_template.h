// Templates of steps' texts (the `llm` step's prompts, the `email` step's subject and bodies):
// mustache (kainjow) over the run's data.
//
// The data is the run as the step sees it (`input`, `steps`, `run`). JSON maps onto mustache
// values so that a template reads like an expression: `{{input.subject}}` (dotted names),
// `{{#input.attachments}}{{name}}{{/input.attachments}}` (a section over a list),
// `{{#steps.read.output.text}}...{{/steps.read.output.text}}` (a section on a present value).
//   object → object, plus a member `_json` holding the object as compact JSON text
//            (`{{steps.figures.output._json}}` embeds it whole)
//   array  → list      string → as is      number → its JSON text (1250.5, 3)
//   bool   → bool      null   → false (so `{{^x}}` renders when x is null)
// Render() escapes nothing: a prompt or a plain-text mail is not HTML (`{{x}}` and `{{{x}}}` are
// the same). RenderHtml() escapes `{{x}}` for HTML (& < > " ') and leaves `{{{x}}}` as is.
//
// Thread-safety: a TextTemplate is immutable; Render may be called from many threads.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/json_util.h"

namespace flowline::steps {

class TextTemplate {
 public:
  // InvalidArgument with kainjow's description ("Unclosed section \"x\" at 12") when `text` is
  // not a valid mustache template.
  static absl::StatusOr<TextTemplate> Compile(std::string text);

  // The text with every tag filled from `data` (a JSON object). A name that `data` lacks
  // renders as nothing, as mustache specifies.
  std::string Render(const Json& data) const;
  // Like Render, with `{{x}}` HTML-escaped (mustache's default), for an HTML body.
  std::string RenderHtml(const Json& data) const;

  const std::string& text() const { return text_; }

 private:
  explicit TextTemplate(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace flowline::steps
