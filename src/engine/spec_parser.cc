// Reads the top level of a workflow spec: name, description, business key, input, triggers and
// outputs. Steps are read in spec_step_parser.cc.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "engine/internal/spec_phases.h"
#include "engine/internal/spec_triggers.h"
#include "engine/internal/spec_yaml.h"
#include "expr/expr.h"

namespace flowline::engine::internal {

namespace {

const std::vector<std::string> kTopLevelFields = {
    "workflow", "description", "manual_minutes", "key",      "concurrency", "input",  "triggers",
    "steps",    "outputs",     "exceptions",     "personal", "monitor",     "release"};
const std::vector<std::string> kInputFields = {"schema"};

void ReadName(const MappingFields& fields, WorkflowSpec& spec, DiagnosticSink& sink) {
  constexpr std::string_view kNameHint =
      "use lower-case letters, digits, '-' and '_', starting with a letter, e.g. "
      "`workflow: invoice-approval`";
  const Field* field = fields.Find("workflow");
  if (field == nullptr) {
    sink.Add({1, 1}, "the spec has no `workflow:` name", std::string(kNameHint));
    return;
  }
  auto name = ReadString(*field, "workflow", kNameHint, sink);
  if (!name) return;
  if (!IsLowerName(*name, "-")) {
    sink.Add(field->location, absl::StrCat("workflow name '", *name, "' is not valid"),
             std::string(kNameHint));
  }
  spec.name = *name;
}

void ReadInput(const Field& field, ParsedSpec& parsed, DiagnosticSink& sink) {
  constexpr std::string_view kHint = "write `input: { schema: { type: object, required: [...] } }`";
  if (field.value.IsNull()) return;
  if (!field.value.IsMap()) {
    sink.Add(field.location, absl::StrCat("input must be a mapping, not ", Describe(field.value)),
             std::string(kHint));
    return;
  }
  MappingFields fields(field.value, "input", kInputFields, sink);
  if (const Field* schema = fields.Find("schema")) {
    parsed.input_schema = schema->value;
    parsed.input_schema_location = schema->location;
    if (schema->value.IsMap()) {
      parsed.spec.input_schema = YamlToJson(schema->value, "input.schema", nullptr, sink);
    }
  }
}

void ReadOutputs(const Field& field, ParsedSpec& parsed, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write a mapping of names to values, e.g. `outputs: { outcome: ${{ "
      "steps.route.output.route }} }`";
  if (field.value.IsNull()) return;
  if (!field.value.IsMap()) {
    sink.Add(field.location, absl::StrCat("outputs must be a mapping, not ", Describe(field.value)),
             std::string(kHint));
    return;
  }
  MappingFields fields(field.value, "outputs", {}, sink);
  for (const Field& output : fields.fields()) {
    auto text = ReadString(output, absl::StrCat("output '", output.name, "'"), kHint, sink);
    if (!text) continue;
    parsed.spec.outputs[output.name] = *text;
    parsed.outputs.emplace_back(output.name, output.value);
  }
}

}  // namespace

ParsedSpec ReadSpec(const YAML::Node& root, DiagnosticSink& sink) {
  ParsedSpec parsed;
  WorkflowSpec& spec = parsed.spec;
  if (!root.IsMap()) {
    Location location = root.IsNull() ? Location{1, 1} : LocationOf(root);
    sink.Add(location,
             absl::StrCat("a workflow spec must be a mapping with `workflow:` and `steps:`, not ",
                          Describe(root)),
             "start with `workflow: <name>` and list the steps under `steps:`");
    return parsed;
  }
  MappingFields fields(root, "the workflow", kTopLevelFields, sink);
  ReadName(fields, spec, sink);
  if (const Field* field = fields.Find("description")) {
    if (auto text =
            ReadString(*field, "description", "describe the workflow in a sentence", sink)) {
      spec.description = *text;
    }
  }
  if (const Field* field = fields.Find("manual_minutes")) {
    constexpr std::string_view kHint =
        "write how many minutes a person takes per case by hand, e.g. `manual_minutes: 6`";
    if (auto minutes = ReadNumber(*field, "manual_minutes", kHint, sink)) {
      if (*minutes < 0) {
        sink.Add(field->location, "manual_minutes must not be negative", std::string(kHint));
      } else {
        spec.manual_minutes = *minutes;
      }
    }
  }
  if (const Field* field = fields.Find("key")) {
    constexpr std::string_view kHint = "build it from the input, e.g. `key: ${{ input.id }}`";
    if (auto text = ReadString(*field, "key", kHint, sink)) {
      spec.key = *text;
      parsed.key = field->value;
      // Runs with equal keys are one run: a key without an expression would make every trigger
      // after the first a duplicate.
      if (!expr::HasPlaceholder(*text)) {
        sink.Add(field->location,
                 absl::StrCat("the business key '", *text,
                              "' has no ${{ }} expression, so every run would have the same key"),
                 std::string(kHint));
      }
    }
  }
  if (const Field* field = fields.Find("concurrency")) {
    constexpr std::string_view kHint = "write the most steps of one run in flight, e.g. 32";
    if (auto limit = ReadInteger(*field, "concurrency", kHint, sink)) {
      if (*limit < 1 || *limit > INT32_MAX) {
        sink.Add(field->location, "concurrency must be at least 1", std::string(kHint));
      } else {
        spec.concurrency = static_cast<int>(*limit);
      }
    }
  }
  if (const Field* field = fields.Find("input")) ReadInput(*field, parsed, sink);
  if (const Field* field = fields.Find("triggers")) ReadTriggers(*field, parsed, sink);
  if (const Field* field = fields.Find("steps")) {
    ReadSteps(field->value, parsed, sink);
    if (field->value.IsNull() || (field->value.IsSequence() && field->value.size() == 0)) {
      sink.Add(field->location, "the workflow has no steps",
               "list at least one step under `steps:`, e.g. `- id: check` with `uses: script`");
    }
  } else {
    sink.Add({1, 1}, "the spec has no `steps:`",
             "list the workflow's steps under `steps:`, each with an `id:` and `uses:`");
  }
  if (const Field* field = fields.Find("outputs")) ReadOutputs(*field, parsed, sink);
  if (const Field* field = fields.Find("exceptions")) ReadExceptions(*field, parsed, sink);
  if (const Field* field = fields.Find("personal")) {
    constexpr std::string_view kHint =
        "list where personal data appears, e.g. `personal: [input.customer.email, "
        "steps.extract.output.fields.iban]`";
    if (auto paths = ReadNameList(*field, "personal", kHint, sink)) parsed.personal = *paths;
  }
  if (const Field* field = fields.Find("monitor")) ReadMonitor(*field, parsed, sink);
  if (const Field* field = fields.Find("release")) ReadRelease(*field, parsed, sink);
  return parsed;
}

}  // namespace flowline::engine::internal
