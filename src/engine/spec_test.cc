#include "engine/spec.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/ids.h"
#include "expr/expr.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// ---- A registry of fake step kinds, so these tests do not depend on the real ones. ----

class NoopStep : public steps::PreparedStep {
 public:
  steps::StepOutcome Execute(const steps::StepContext&) const override {
    return steps::StepOutcome::Completed(Json::object());
  }
};

class FakeKind : public steps::StepKind {
 public:
  using Check = std::function<void(const Json& with, std::vector<steps::ConfigError>*)>;
  FakeKind(steps::StepKindInfo info, Check check) : info_(std::move(info)), check_(check) {}

  const steps::StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<steps::PreparedStep> Prepare(
      std::string_view, const Json& with, std::vector<steps::ConfigError>* errors) const override {
    size_t before = errors->size();
    if (check_) check_(with, errors);
    if (errors->size() > before) return nullptr;
    return std::make_unique<NoopStep>();
  }

 private:
  steps::StepKindInfo info_;
  Check check_;
};

steps::ParamSpec Param(std::string name, steps::ParamType type, bool required = false,
                       bool literal = false, std::string description = "") {
  steps::ParamSpec param;
  param.name = std::move(name);
  param.type = type;
  param.required = required;
  param.literal = literal;
  param.description = std::move(description);
  return param;
}

const steps::StepKindRegistry& TestRegistry() {
  static const steps::StepKindRegistry* registry = [] {
    auto* r = new steps::StepKindRegistry;
    using steps::Actor;
    using steps::ParamType;
    r->Register(std::make_unique<FakeKind>(
        steps::StepKindInfo{
            "script",
            "Runs Lua",
            {Actor::kSystem},
            {Param("code", ParamType::kString, true, true, "the Lua function body")},
            false},
        [](const Json& with, std::vector<steps::ConfigError>* errors) {
          // Like the real script kind: compile once, report syntax errors as expr words them.
          auto compiled = expr::Program::CompileScript(with.value("code", ""), "script");
          if (!compiled.ok()) {
            errors->push_back({"code", std::string(compiled.status().message()), "fix the Lua"});
          } else if (with.value("code", "").find("return") == std::string::npos) {
            errors->push_back(
                {"code", "the script never returns a value", "end it with `return { ... }`"});
          }
        }));
    r->Register(std::make_unique<FakeKind>(
        steps::StepKindInfo{
            "http",
            "Calls an HTTP API",
            {Actor::kSystem},
            {Param("url", ParamType::kString, true), Param("method", ParamType::kString),
             Param("headers", ParamType::kObject), Param("timeout", ParamType::kDuration)},
            true},
        [](const Json& with, std::vector<steps::ConfigError>* errors) {
          std::string method = with.value("method", "GET");
          bool computed = method.find("${{") != std::string::npos;
          if (!computed && method != "GET" && method != "POST") {
            errors->push_back({"method", "'" + method + "' is not an HTTP method this kind sends",
                               "use GET or POST"});
          }
          if (with.contains("headers") && with["headers"].contains("Authorization") &&
              with["headers"]["Authorization"].get<std::string>().find("${{") ==
                  std::string::npos) {
            errors->push_back({"headers.Authorization", "a credential is written into the spec",
                               "read it from the environment: ${{ env.TOKEN }}"});
          }
        }));
    r->Register(std::make_unique<FakeKind>(
        steps::StepKindInfo{
            "review",
            "A person decides",
            {Actor::kHuman},
            {Param("queue", ParamType::kString), Param("priority", ParamType::kInteger),
             Param("sla", ParamType::kDuration)},
            false},
        nullptr));
    r->Register(std::make_unique<FakeKind>(
        steps::StepKindInfo{
            "classify",
            "Picks a label",
            {Actor::kAi, Actor::kHuman},
            {Param("labels", ParamType::kArray, true), Param("text", ParamType::kAny)},
            false},
        nullptr));
    return r;
  }();
  return *registry;
}

// ---- Test data ----

std::filesystem::path SpecsDir() {
  const char* root = std::getenv("FLOWLINE_SOURCE_DIR");
  std::filesystem::path base =
      root != nullptr ? std::filesystem::path(root)
                      : std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
  return base / "tests" / "specs";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::filesystem::path> SpecFiles(const std::string& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(SpecsDir() / folder)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The diagnostics of `text` as "line:column: error: message (hint: ...)", without the file.
std::vector<std::string> Diagnose(const std::string& text,
                                  const steps::StepKindRegistry& registry = TestRegistry()) {
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<WorkflowSpec> spec = ParseSpec(text, "spec.yaml", registry, &diagnostics);
  EXPECT_EQ(spec.ok(), diagnostics.empty());
  std::vector<std::string> out;
  for (const Diagnostic& diagnostic : diagnostics) {
    out.push_back(diagnostic.ToString().substr(std::string("spec.yaml:").size()));
  }
  return out;
}

// An invalid example lists what it must produce in comments: `# expect: 4:5: error: ...`.
std::vector<std::string> Expectations(const std::string& text) {
  constexpr absl::string_view kPrefix = "# expect: ";
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, kPrefix)) out.emplace_back(line.substr(kPrefix.size()));
  }
  return out;
}

absl::StatusOr<WorkflowSpec> ParseValid(const std::string& text) {
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<WorkflowSpec> spec = ParseSpec(text, "spec.yaml", TestRegistry(), &diagnostics);
  for (const Diagnostic& diagnostic : diagnostics) ADD_FAILURE() << diagnostic.ToString();
  return spec;
}

// ---- Valid specs ----

TEST(SpecTest, FullExampleParsesToTheExpectedSpec) {
  std::string text = ReadFile(SpecsDir() / "valid" / "invoice_approval.yaml");
  absl::StatusOr<WorkflowSpec> parsed = ParseValid(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const WorkflowSpec& spec = *parsed;

  EXPECT_EQ(spec.name, "invoice-approval");
  EXPECT_EQ(spec.description, "Check supplier invoices.");
  EXPECT_DOUBLE_EQ(spec.manual_minutes, 6.5);
  EXPECT_EQ(spec.key, "${{ input.id }}");
  EXPECT_EQ(spec.concurrency, 32);
  EXPECT_EQ(spec.input_schema, Json::parse(R"({
    "type": "object", "required": ["id", "lines", "total"],
    "properties": {"id": {"type": "string"}, "total": {"type": "number", "minimum": 0},
                   "lines": {"type": "array", "items": {"type": "object"}}}})"));
  EXPECT_EQ(spec.source, text);
  EXPECT_EQ(spec.file, "spec.yaml");
  EXPECT_EQ(spec.version, SpecVersion(text));

  ASSERT_THAT(spec.triggers, SizeIs(2));
  EXPECT_EQ(spec.triggers[0].type, "webhook");
  EXPECT_EQ(spec.triggers[0].path, "/hooks/invoices");
  EXPECT_EQ(spec.triggers[0].secret_env, "INVOICE_HOOK_SECRET");
  EXPECT_EQ(spec.triggers[0].signature_header, "X-Signature");
  EXPECT_EQ(spec.triggers[0].location.line, 16);
  EXPECT_EQ(spec.triggers[0].location.column, 5);
  EXPECT_EQ(spec.triggers[1].path, "/hooks/invoices-unsigned");
  EXPECT_EQ(spec.triggers[1].secret_env, "");
  EXPECT_EQ(spec.triggers[1].signature_header, "X-Flowline-Signature");
  EXPECT_EQ(spec.triggers[0].id, "webhook");  // ids default to the type, numbered on repeats
  EXPECT_EQ(spec.triggers[1].id, "webhook-2");
  EXPECT_EQ(spec.triggers[0].with["path"], "/hooks/invoices");

  ASSERT_THAT(spec.steps, SizeIs(5));
  const StepSpec& validate = spec.steps[0];
  EXPECT_EQ(validate.id, "validate");
  EXPECT_EQ(validate.uses, "script");
  EXPECT_EQ(validate.actor, steps::Actor::kSystem);  // script's only actor
  EXPECT_TRUE(validate.needs.empty());               // the first step
  EXPECT_EQ(validate.with["code"],
            "local sum = 0\n"
            "for _, l in ipairs(input.lines) do sum = sum + l.qty * l.price end\n"
            "return { ok = math.abs(sum - input.total) <= 0.01, sum = sum }\n");
  EXPECT_EQ(validate.when, "");
  EXPECT_EQ(validate.location.line, 20);
  EXPECT_EQ(validate.location.column, 5);
  EXPECT_EQ(validate.param_locations.at("with.code").line, 23);
  // Defaults.
  EXPECT_EQ(validate.retry.attempts, 3);
  EXPECT_EQ(validate.retry.initial_backoff, absl::Seconds(1));
  EXPECT_EQ(validate.retry.multiplier, 2.0);
  EXPECT_EQ(validate.retry.max_backoff, absl::Minutes(5));
  EXPECT_TRUE(validate.retry.jitter);
  EXPECT_THAT(validate.retry.on,
              ElementsAre(steps::ErrorClass::kTransient, steps::ErrorClass::kRateLimited,
                          steps::ErrorClass::kTimeout));
  EXPECT_EQ(validate.timeout, absl::Minutes(5));
  EXPECT_FALSE(validate.concurrency.has_value());

  const StepSpec& fetch = spec.steps[1];
  EXPECT_EQ(fetch.id, "fetch_supplier");
  EXPECT_TRUE(fetch.needs.empty());  // `needs: []` opts out of the default
  EXPECT_EQ(fetch.with, Json::parse(R"({
    "url": "https://erp.example.com/suppliers/${{ input.supplier_id }}", "method": "GET",
    "headers": {"Authorization": "Bearer ${{ env.ERP_TOKEN }}", "X-Count": "3"},
    "timeout": "10s"})"));
  EXPECT_EQ(fetch.param_locations.at("with.headers.Authorization").line, 34);
  EXPECT_EQ(fetch.param_locations.at("with.headers.Authorization").column, 24);
  EXPECT_EQ(fetch.retry.attempts, 5);
  EXPECT_EQ(fetch.retry.initial_backoff, absl::Seconds(2));
  EXPECT_EQ(fetch.retry.multiplier, 3.0);
  EXPECT_EQ(fetch.retry.max_backoff, absl::Minutes(1));
  EXPECT_FALSE(fetch.retry.jitter);
  EXPECT_THAT(fetch.retry.on,
              ElementsAre(steps::ErrorClass::kTransient, steps::ErrorClass::kRateLimited));
  EXPECT_EQ(fetch.timeout, absl::Seconds(30));
  EXPECT_EQ(fetch.concurrency, 4);

  const StepSpec& classify = spec.steps[2];
  EXPECT_THAT(classify.needs, ElementsAre("validate", "fetch_supplier"));
  EXPECT_EQ(classify.actor, steps::Actor::kAi);  // the kind's first allowed actor
  EXPECT_EQ(classify.with["labels"], Json::parse(R"(["approve", "review"])"));

  const StepSpec& approve = spec.steps[3];
  EXPECT_THAT(approve.needs, ElementsAre("classify"));  // the step written before
  EXPECT_EQ(approve.actor, steps::Actor::kHuman);
  EXPECT_EQ(approve.when, "${{ input.total > 1000 or not steps.validate.output.ok }}");
  EXPECT_EQ(approve.when_location.line, 48);
  EXPECT_EQ(approve.when_location.column, 11);
  EXPECT_EQ(approve.with, Json::parse(R"({"queue": "accounts-payable", "priority": 2,
                                          "sla": "4h"})"));
  EXPECT_TRUE(approve.with["priority"].is_number_integer());

  const StepSpec& route = spec.steps[4];
  EXPECT_THAT(route.needs, ElementsAre("approve"));  // a single name
  EXPECT_EQ(route.actor, steps::Actor::kSystem);

  EXPECT_EQ(spec.outputs, (std::map<std::string, std::string>{
                              {"outcome", "${{ steps.route.output.route }}"},
                              {"supplier", "${{ steps[\"fetch_supplier\"].output.name }}"},
                              {"fixed", "manual"}}));
}

TEST(SpecTest, EveryValidExampleParses) {
  for (const auto& path : SpecFiles("valid")) {
    SCOPED_TRACE(path.filename().string());
    EXPECT_TRUE(ParseValid(ReadFile(path)).ok());
  }
}

TEST(SpecTest, FolderAndScheduleTriggersKeepTheirBlocksWithIds) {
  absl::StatusOr<WorkflowSpec> spec = ParseSpec(R"(workflow: polls
triggers:
  - folder: { path: inbox, pattern: "*.pdf", settle: 2s }
  - schedule: { cron: "0 7 * * MON-FRI", timezone: Europe/Berlin, input: { report: daily } }
  - schedule: { id: hourly, cron: "0 * * * *", catch_up: skip }
  - schedule: { cron: "30 1 1 JAN *" }
steps:
  - id: a
    uses: script
    with: { code: "return {}" }
)",
                                                "spec.yaml", TestRegistry());
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_THAT(spec->triggers, SizeIs(4));
  EXPECT_EQ(spec->triggers[0].id, "folder");
  EXPECT_EQ(spec->triggers[0].with,
            Json::parse(R"({"path": "inbox", "pattern": "*.pdf", "settle": "2s"})"));
  EXPECT_EQ(spec->triggers[1].id, "schedule");
  EXPECT_EQ(spec->triggers[1].with["input"], Json::parse(R"({"report": "daily"})"));
  EXPECT_EQ(spec->triggers[2].id, "hourly");
  EXPECT_FALSE(spec->triggers[2].with.contains("id"));
  EXPECT_EQ(spec->triggers[3].id, "schedule-2");  // an explicit id does not count
  EXPECT_EQ(spec->triggers[3].location.line, 6);
}

TEST(SpecTest, ScalarsKeepTheirYamlTypes) {
  absl::StatusOr<WorkflowSpec> spec = ParseValid(R"(workflow: types
steps:
  - id: pick
    uses: classify
    with:
      labels: [1, "1", true, "true", 1.5, ~, null, 0x1F, -7, 'x', 1e3, yes, .5, +3, 0o17, 1.,
               1e, 12abc, "", 99999999999999999999]
      text: !!str 42
)");
  ASSERT_TRUE(spec.ok()) << spec.status();
  const Json& with = spec->steps[0].with;
  EXPECT_EQ(with["labels"], Json::parse(R"([1, "1", true, "true", 1.5, null, null, 31, -7,
                                           "x", 1000.0, "yes", 0.5, 3, 15, 1.0, "1e", "12abc",
                                           "", 1e20])"));
  EXPECT_TRUE(with["labels"][0].is_number_integer());
  EXPECT_TRUE(with["labels"][10].is_number_float());
  EXPECT_EQ(with["text"], "42");
}

TEST(SpecTest, VersionIgnoresTrailingWhiteSpaceOnly) {
  std::string text = ReadFile(SpecsDir() / "valid" / "minimal.yaml");
  std::string spaced = text;
  // Trailing spaces, tabs and CRs on lines, and extra blank lines at the end.
  size_t newline = spaced.find('\n');
  spaced.insert(newline, "  \t\r");
  spaced += "\n\n   \n";
  std::string unterminated = text.substr(0, text.size() - 1);

  absl::StatusOr<WorkflowSpec> a = ParseValid(text);
  absl::StatusOr<WorkflowSpec> b = ParseValid(spaced);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->version, b->version);
  EXPECT_EQ(SpecVersion(unterminated), a->version);
  EXPECT_EQ(a->version, common::Sha256Hex(text));  // already normalised: the plain hash
  EXPECT_THAT(a->version, SizeIs(64));

  std::string renamed = text;
  renamed.replace(renamed.find("minimal"), 7, "minimum");
  EXPECT_NE(SpecVersion(renamed), a->version);
  // Leading white space is indentation, which is meaning in YAML.
  EXPECT_NE(SpecVersion(" " + text), a->version);
}

// ---- Invalid specs ----

TEST(SpecTest, InvalidExamplesReportExactlyTheExpectedDiagnostics) {
  std::vector<std::filesystem::path> files = SpecFiles("invalid");
  ASSERT_GE(files.size(), 10u);
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    std::string text = ReadFile(path);
    std::vector<std::string> expected = Expectations(text);
    ASSERT_FALSE(expected.empty()) << "an invalid example must say what it expects";
    EXPECT_EQ(Diagnose(text), expected);
  }
}

TEST(SpecTest, SixDifferentMistakesAreAllReported) {
  std::vector<std::string> found = Diagnose(ReadFile(SpecsDir() / "invalid" / "six_mistakes.yaml"));
  ASSERT_THAT(found, SizeIs(6));
  EXPECT_THAT(found[0], HasSubstr("2:17: error: manual_minutes must not be negative"));
  EXPECT_THAT(found[1], HasSubstr("5:11: error: step 'fetch' uses unknown step kind 'htp' "
                                  "(hint: did you mean 'http'?)"));
  EXPECT_THAT(found[2], HasSubstr("10:20: error: dependency cycle: check -> approve -> check"));
  EXPECT_THAT(found[3], HasSubstr("13:39: error: step 'approve', when: invalid expression"));
  EXPECT_THAT(found[4], HasSubstr("14:23: error: step 'approve': parameter 'priority' must be an "
                                  "integer, not 'high'"));
  EXPECT_THAT(found[5], HasSubstr("15:24: error: step 'approve': retry.attempts must be at "
                                  "least 1, not 0"));
}

// A review kind with gates and an llm kind, for the checks between them.
std::vector<std::string> DiagnoseLlm(const std::string& text) {
  static const steps::StepKindRegistry* registry = [] {
    auto* r = new steps::StepKindRegistry;
    using steps::Actor;
    using steps::ParamType;
    r->Register(std::make_unique<FakeKind>(
        steps::StepKindInfo{
            "review", "A person decides", {Actor::kHuman}, {Param("gate", ParamType::kBoolean)}},
        nullptr));
    r->Register(std::make_unique<FakeKind>(
        steps::StepKindInfo{"llm",
                            "Asks a language model",
                            {Actor::kAi},
                            {Param("prompt", ParamType::kString, false, true),
                             Param("on_failure", ParamType::kString, false, true),
                             Param("mode", ParamType::kString, false, true)}},
        nullptr));
    return r;
  }();
  return Diagnose(text, *registry);
}

TEST(SpecTest, LlmRouteWithoutGateIsAnError) {
  const std::string hint =
      " (hint: add a review step with `gate: true` after it, or set `on_failure: fail`)";
  EXPECT_THAT(DiagnoseLlm(R"(workflow: claims
steps:
  - id: claim
    uses: llm
    with: { prompt: "Claim {{input.id}}" }
  - id: fail_fast
    uses: llm
    needs: []
    with: { prompt: "x", on_failure: route }
  - id: review
    uses: review
    needs: [fail_fast]
    with: { gate: true }
)"),
              ElementsAre("4:11: error: llm step 'claim' routes failures to a person, but the "
                          "workflow has no gate after it" +
                          hint));
  // A gate before the step does not count.
  EXPECT_THAT(DiagnoseLlm(R"(workflow: claims
steps:
  - id: review
    uses: review
    with: { gate: true }
  - id: claim
    uses: llm
    with: { prompt: "x", on_failure: route }
)"),
              ElementsAre("8:38: error: llm step 'claim' routes failures to a person, but the "
                          "workflow has no gate after it" +
                          hint));
  // Failing instead of routing, or never asking (mode: off), needs no gate.
  EXPECT_THAT(DiagnoseLlm(R"(workflow: claims
steps:
  - id: claim
    uses: llm
    with: { prompt: "x", on_failure: fail }
  - id: fields
    uses: llm
    with: { mode: "off" }
)"),
              ::testing::IsEmpty());
}

TEST(SpecTest, ExpressionErrorsPointIntoTheScalarThatHoldsThem) {
  // A literal block: the template's line N is N lines below the `|`, at the block's indentation.
  EXPECT_THAT(Diagnose(R"(workflow: block
steps:
  - id: call
    uses: http
    with:
      url: |
        https://example.com/${{
          input.id ..
          ..
        }}
)"),
              ElementsAre(HasSubstr("9:11: error: step 'call', with.url: invalid expression: "
                                    "unexpected symbol near '..'")));
  // A folded block: lines are joined with spaces, and the error is on the second line.
  EXPECT_THAT(Diagnose(R"(workflow: folded
steps:
  - id: route
    uses: review
    with:
      queue: >
        ${{ input.total > 1000
        and and 'big' or 'small' }}
)"),
              ElementsAre(HasSubstr("8:13: error: step 'route', with.queue: invalid expression: "
                                    "unexpected symbol near 'and'")));
  // Single- and double-quoted scalars: the column counts from after the quote.
  EXPECT_THAT(Diagnose(R"(workflow: quoted
steps:
  - id: call
    uses: http
    with: { url: 'https://x/${{ input.id ** 2 }}', method: "${{ 'GET' ~= }}" }
)"),
              ElementsAre(HasSubstr("5:43: error: step 'call', with.url: invalid expression"),
                          HasSubstr("5:73: error: step 'call', with.method: invalid expression")));
}

TEST(SpecTest, StatusListsEveryDiagnosticWithItsFile) {
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<WorkflowSpec> spec = ParseSpec(R"(workflow: Bad Name
manual_minutes: lots
steps:
  - id: a
    uses: scirpt
  - id: b
    uses: review
    actor: ai
    with: { priority: high, queu: x }
    needs: [a, c]
  - id: b
    uses: script
    with: { code: "return {}" }
)",
                                                "flows/bad.yaml", TestRegistry(), &diagnostics);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> lines = absl::StrSplit(spec.status().message(), '\n');
  ASSERT_THAT(diagnostics, SizeIs(8));
  ASSERT_THAT(lines, SizeIs(diagnostics.size()));
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i], diagnostics[i].ToString());
  EXPECT_EQ(
      lines,
      (std::vector<std::string>{
          "flows/bad.yaml:1:11: error: workflow name 'Bad Name' is not valid (hint: use lower-case "
          "letters, digits, '-' and '_', starting with a letter, e.g. `workflow: "
          "invoice-approval`)",
          "flows/bad.yaml:2:17: error: manual_minutes must be a number, not 'lots' (hint: write "
          "how "
          "many minutes a person takes per case by hand, e.g. `manual_minutes: 6`)",
          "flows/bad.yaml:5:11: error: step 'a' uses unknown step kind 'scirpt' (hint: did you "
          "mean "
          "'script'?)",
          "flows/bad.yaml:8:12: error: step 'b': kind 'review' cannot run as actor 'ai' (hint: "
          "write "
          "`actor: human` or leave `actor:` out)",
          "flows/bad.yaml:9:23: error: step 'b': parameter 'priority' must be an integer, not "
          "'high' "
          "(hint: write an integer, or compute it with a ${{ }} expression)",
          "flows/bad.yaml:9:29: error: step 'b': unknown parameter 'queu' for kind 'review' (hint: "
          "did you mean 'queue'?)",
          "flows/bad.yaml:10:16: error: step 'b' needs unknown step 'c' (hint: the steps are: a, "
          "b)",
          "flows/bad.yaml:11:5: error: duplicate step id 'b' (hint: the first step 'b' is on line "
          "6; "
          "give each step its own id)",
      }));
}

TEST(SpecTest, DiagnosticToStringLeavesOutWhatIsUnknown) {
  Diagnostic diagnostic{"a.yaml", 3, 7, "something is wrong", "fix it"};
  EXPECT_EQ(diagnostic.ToString(), "a.yaml:3:7: error: something is wrong (hint: fix it)");
  diagnostic.hint.clear();
  EXPECT_EQ(diagnostic.ToString(), "a.yaml:3:7: error: something is wrong");
  diagnostic.column = 0;
  EXPECT_EQ(diagnostic.ToString(), "a.yaml:3: error: something is wrong");
  diagnostic.line = 0;
  EXPECT_EQ(diagnostic.ToString(), "a.yaml: error: something is wrong");
}

TEST(SpecTest, YamlSyntaxErrorIsTheOnlyDiagnostic) {
  EXPECT_THAT(Diagnose("workflow: x\nsteps:\n  - id: a\n    with: { code: [1, 2 }\n"),
              ElementsAre(HasSubstr("4:25: error: invalid YAML: illegal flow end")));
}

TEST(SpecTest, AnEmptyFileSaysWhatASpecNeeds) {
  EXPECT_THAT(Diagnose(""), ElementsAre("1:1: error: a workflow spec must be a mapping with "
                                        "`workflow:` and `steps:`, not nothing (hint: start with "
                                        "`workflow: <name>` and list the steps under `steps:`)"));
}

TEST(SpecTest, OnlyOneYamlDocumentPerFile) {
  EXPECT_THAT(Diagnose(ReadFile(SpecsDir() / "valid" / "minimal.yaml") + "---\nworkflow: two\n"),
              ElementsAre(HasSubstr("7:1: error: the file holds more than one YAML document")));
}

TEST(SpecTest, BusinessKeyMustVaryByRun) {
  std::string text = ReadFile(SpecsDir() / "valid" / "minimal.yaml");
  EXPECT_THAT(Diagnose("key: invoice\n" + text),
              ElementsAre("1:6: error: the business key 'invoice' has no ${{ }} expression, so "
                          "every run would have the same key (hint: build it from the input, "
                          "e.g. `key: ${{ input.id }}`)"));
  EXPECT_THAT(Diagnose("key: ${{ input.id }}-${{ input.region }}\n" + text), SizeIs(0));
}

TEST(SpecTest, ColumnsCountCharactersNotBytes) {
  // "é" and "€" are 2 and 3 bytes in UTF-8 but one column each in an editor.
  EXPECT_THAT(Diagnose("workflow: x\nsteps:\n  - { id: a, uses: script, with: { code: 'return "
                       "\"é€\"' }, neds: [] }\n"),
              ElementsAre(HasSubstr("3:59: error: unknown field 'neds' in step 'a'")));
}

// ---- Drift monitoring ----

TEST(SpecTest, MonitorBlockIsReadWithItsDefaults) {
  absl::StatusOr<WorkflowSpec> parsed =
      ParseValid(ReadFile(SpecsDir() / "valid" / "monitored.yaml"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const monitor::MonitorSpec& m = parsed->monitor;
  EXPECT_TRUE(m.enabled);
  EXPECT_TRUE(m.defaults);
  EXPECT_EQ(m.reference_from, absl::FromCivil(absl::CivilDay(2026, 1, 1), absl::UTCTimeZone()));
  EXPECT_EQ(m.reference_until, absl::FromCivil(absl::CivilDay(2026, 1, 15), absl::UTCTimeZone()));
  EXPECT_EQ(m.recent, absl::Hours(72));
  EXPECT_EQ(m.thresholds.psi, 0.25);
  EXPECT_EQ(m.thresholds.p_value, 0.01);  // not written: the default
  EXPECT_EQ(m.thresholds.min_samples, 100);
  EXPECT_EQ(m.notify_url, "https://hooks.example/drift");
  EXPECT_THAT(m.ignore, ElementsAre("kind.confidence"));
  ASSERT_EQ(m.features.size(), 4u);
  EXPECT_EQ(m.features[0].name, "total");
  EXPECT_EQ(m.features[0].source, monitor::FeatureSource::kStepOutput);
  EXPECT_EQ(m.features[0].step, "figures");
  EXPECT_THAT(m.features[0].path, ElementsAre("total"));
  EXPECT_EQ(m.features[0].thresholds.psi, 0.25);  // the workflow's thresholds...
  EXPECT_EQ(m.features[1].type, monitor::FeatureType::kCategorical);
  EXPECT_EQ(m.features[1].thresholds.js, 0.05);  // ... with the feature's own over them
  EXPECT_EQ(m.features[1].thresholds.min_samples, 100);
  EXPECT_EQ(m.features[2].type, monitor::FeatureType::kRate);
  EXPECT_EQ(m.features[2].direction, monitor::Direction::kRise);
  EXPECT_EQ(m.features[3].type, monitor::FeatureType::kConfidence);  // a confidence needs no type

  // Without a block: every default.
  absl::StatusOr<WorkflowSpec> minimal =
      ParseValid(ReadFile(SpecsDir() / "valid" / "minimal.yaml"));
  ASSERT_TRUE(minimal.ok());
  EXPECT_TRUE(minimal->monitor.enabled);
  EXPECT_EQ(minimal->monitor.reference_days, absl::Hours(24 * 14));
  EXPECT_EQ(minimal->monitor.recent, absl::Hours(24 * 7));
  EXPECT_EQ(minimal->monitor.thresholds.psi, 0.2);
  EXPECT_TRUE(minimal->monitor.features.empty());
}

}  // namespace
}  // namespace flowline::engine

namespace flowline::engine {
namespace {

// ---- Release gate ----

TEST(SpecTest, ReleaseGateIsReadWithItsDefaults) {
  absl::StatusOr<WorkflowSpec> parsed =
      ParseValid(ReadFile(SpecsDir() / "valid" / "released.yaml"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_TRUE(parsed->release_gate.has_value());
  const quality::ReleaseGate& gate = *parsed->release_gate;
  EXPECT_EQ(gate.dataset, "invoices-gold");
  EXPECT_EQ(gate.split, "test");  // not written: the default
  EXPECT_EQ(gate.target_accuracy, 0.98);
  EXPECT_EQ(gate.margins.field_accuracy, 0.01);
  EXPECT_EQ(gate.margins.straight_through, 0.05);
  EXPECT_EQ(gate.margins.cost, 0.2);
  // Without a block: no gate.
  absl::StatusOr<WorkflowSpec> minimal =
      ParseValid(ReadFile(SpecsDir() / "valid" / "minimal.yaml"));
  ASSERT_TRUE(minimal.ok());
  EXPECT_FALSE(minimal->release_gate.has_value());
}

}  // namespace
}  // namespace flowline::engine
