// Reads the top level of a workflow spec: name, description, business key, input, triggers and
// outputs. Steps are read in spec_step_parser.cc.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "engine/internal/spec_phases.h"
#include "engine/internal/spec_yaml.h"
#include "expr/expr.h"

namespace flowline::engine::internal {

namespace {

const std::vector<std::string> kTopLevelFields = {
    "workflow", "description", "manual_minutes", "key",      "concurrency", "input",  "triggers",
    "steps",    "outputs",     "exceptions",     "personal", "monitor",     "release"};
const std::vector<std::string> kInputFields = {"schema"};
const std::vector<std::string> kTriggerTypes = {"webhook"};
const std::vector<std::string> kWebhookFields = {"path", "secret_env", "signature_header"};

bool IsEnvironmentName(std::string_view text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

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

void ReadWebhook(const Field& field, Location location, TriggerSpec& trigger,
                 DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write `- webhook: { path: /hooks/<name>, secret_env: <ENV_VAR> }`";
  if (!field.value.IsMap()) {
    sink.Add(field.location,
             absl::StrCat("webhook must be a mapping with a `path:`, not ", Describe(field.value)),
             std::string(kHint));
    return;
  }
  MappingFields fields(field.value, "webhook", kWebhookFields, sink);
  if (const Field* path = fields.Find("path")) {
    if (auto text = ReadString(*path, "webhook path", kHint, sink)) {
      trigger.path = *text;
      if (trigger.path.empty() || trigger.path[0] != '/') {
        sink.Add(path->location,
                 absl::StrCat("webhook path '", trigger.path, "' must start with '/'"),
                 absl::StrCat("write `path: /", trigger.path, "`"));
      }
    }
  } else {
    sink.Add(location, "webhook has no `path:`",
             "add the URL path it listens on, e.g. `path: /hooks/invoices`");
  }
  if (const Field* secret = fields.Find("secret_env")) {
    if (auto text = ReadString(*secret, "webhook secret_env", kHint, sink)) {
      if (!IsEnvironmentName(*text)) {
        sink.Add(
            secret->location,
            absl::StrCat("webhook secret_env '", *text, "' is not an environment variable name"),
            "name the variable that holds the signing key, e.g. INVOICE_HOOK_SECRET; "
            "never the secret itself");
      } else {
        trigger.secret_env = *text;
      }
    }
  }
  if (const Field* header = fields.Find("signature_header")) {
    if (auto text = ReadString(*header, "webhook signature_header", kHint, sink)) {
      if (text->empty()) {
        sink.Add(header->location, "webhook signature_header is empty",
                 "name the HTTP header that carries the signature, e.g. X-Signature");
      } else {
        trigger.signature_header = *text;
      }
    }
  }
}

void ReadTriggers(const Field& field, ParsedSpec& parsed, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write a list of triggers, e.g. `triggers: [ { webhook: { path: /hooks/x } } ]`";
  if (field.value.IsNull()) return;
  if (!field.value.IsSequence()) {
    sink.Add(field.location, absl::StrCat("triggers must be a list, not ", Describe(field.value)),
             std::string(kHint));
    return;
  }
  std::map<std::string, Location> webhook_paths;
  for (const YAML::Node& item : field.value) {
    Location location = LocationOf(item);
    if (!item.IsMap() || item.size() == 0) {
      sink.Add(location,
               absl::StrCat("a trigger must be a mapping with its type as the key, not ",
                            Describe(item)),
               std::string(kHint));
      continue;
    }
    MappingFields fields(item, "trigger", {}, sink);
    if (fields.fields().size() > 1) {
      sink.Add(location, "a trigger has more than one type", "write each trigger as its own item");
      continue;
    }
    for (const Field& type : fields.fields()) {
      if (std::find(kTriggerTypes.begin(), kTriggerTypes.end(), type.name) == kTriggerTypes.end()) {
        sink.Add(type.key_location, absl::StrCat("unknown trigger type '", type.name, "'"),
                 SuggestName(type.name, kTriggerTypes, "trigger types are"));
        continue;
      }
      TriggerSpec trigger;
      trigger.type = type.name;
      trigger.location = location;
      ReadWebhook(type, location, trigger, sink);
      if (!trigger.path.empty()) {
        auto [it, inserted] = webhook_paths.emplace(trigger.path, location);
        if (!inserted) {
          sink.Add(location,
                   absl::StrCat("webhook path '", trigger.path, "' is used by two triggers"),
                   absl::StrCat("give each webhook its own path; the first is on line ",
                                it->second.line));
        }
      }
      parsed.spec.triggers.push_back(std::move(trigger));
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
