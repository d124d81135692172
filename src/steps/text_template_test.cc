#include "steps/text_template.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::steps {
namespace {

using ::testing::HasSubstr;

const Json kRun = Json::parse(R"({
  "input": {"id": "C-000017", "from": "ann@example.com", "amount": 1250.5, "count": 3,
            "urgent": true, "note": null,
            "attachments": [{"name": "estimate.txt", "text": "Bumper: 900"},
                            {"name": "police.txt", "text": "Report 42"}],
            "tags": ["motor", "rear"]},
  "steps": {"figures": {"output": {"limit": 5000, "covered": true}}}
})");

TextTemplate MustCompile(const std::string& text) {
  absl::StatusOr<TextTemplate> compiled = TextTemplate::Compile(text);
  EXPECT_TRUE(compiled.ok()) << compiled.status();
  return *compiled;
}

TEST(TextTemplateTest, RendersDottedNamesListsAndJson) {
  EXPECT_EQ(MustCompile("Claim {{input.id}} from {{input.from}}: {{input.amount}} x"
                        "{{input.count}}{{#input.urgent}} URGENT{{/input.urgent}}")
                .Render(kRun),
            "Claim C-000017 from ann@example.com: 1250.5 x3 URGENT");
  EXPECT_EQ(MustCompile("{{#input.attachments}}--- {{name}} ---\n{{text}}\n{{/input.attachments}}")
                .Render(kRun),
            "--- estimate.txt ---\nBumper: 900\n--- police.txt ---\nReport 42\n");
  EXPECT_EQ(MustCompile("{{#input.tags}}[{{.}}]{{/input.tags}}").Render(kRun), "[motor][rear]");
  EXPECT_EQ(MustCompile("{{steps.figures.output._json}}").Render(kRun),
            R"({"covered":true,"limit":5000})");
  // null is false; a missing name renders as nothing.
  EXPECT_EQ(MustCompile("{{^input.note}}no note{{/input.note}}|{{input.missing}}|").Render(kRun),
            "no note||");
}

TEST(TextTemplateTest, NoHtmlEscaping) {
  const Json data = {{"input", {{"body", "<b>Total & \"tax\"</b> 'x'"}}}};
  EXPECT_EQ(MustCompile("{{input.body}}").Render(data), "<b>Total & \"tax\"</b> 'x'");
  EXPECT_EQ(MustCompile("{{{input.body}}}").Render(data), "<b>Total & \"tax\"</b> 'x'");
}

TEST(TextTemplateTest, RenderHtmlEscapesDoubleBracesOnly) {
  const Json data = {{"input", {{"name", "<b>Ann & \"Bob\"</b>"}}}};
  EXPECT_EQ(MustCompile("<p>{{input.name}}</p>").RenderHtml(data),
            "<p>&lt;b&gt;Ann &amp; &quot;Bob&quot;&lt;/b&gt;</p>");
  EXPECT_EQ(MustCompile("{{{input.name}}}").RenderHtml(data), "<b>Ann & \"Bob\"</b>");
}

TEST(TextTemplateTest, SyntaxErrorSaysWhatIsWrong) {
  absl::StatusOr<TextTemplate> compiled = TextTemplate::Compile("Claim {{#input.id}} text");
  EXPECT_EQ(compiled.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(compiled.status().message()), HasSubstr("input.id"));
}

}  // namespace
}  // namespace flowline::steps
