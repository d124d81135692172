// Reads the `steps:` list: ids, kinds, actors, parameters, dependencies, conditions, retry
// policies, timeouts and concurrency limits. Whether kinds, parameters and dependencies exist is
// checked later (spec_kinds.cc, spec_dependencies.cc), once every step has been read.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/strings.h"
#include "engine/internal/spec_phases.h"
#include "engine/internal/spec_yaml.h"
#include "steps/duration.h"

namespace flowline::engine::internal {

namespace {

const std::vector<std::string> kStepFields = {"id",          "uses",      "actor", "with",
                                              "needs",       "when",      "retry", "timeout",
                                              "concurrency", "exceptions"};
const std::vector<std::string> kRetryFields = {"attempts", "backoff", "jitter", "on"};
const std::vector<std::string> kBackoffFields = {"initial", "multiplier", "max"};
const std::vector<std::string> kActorNames = {"ai", "system", "human"};
const std::vector<std::string> kErrorClassNames = {"permanent", "transient", "rate_limited",
                                                   "timeout"};

constexpr std::string_view kIdHint =
    "use lower-case letters, digits and '_', starting with a letter, e.g. `id: check_total`";

void ReadBackoff(const Field& field, const std::string& step, RetryPolicy& retry,
                 DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write e.g. `backoff: { initial: 2s, multiplier: 2, max: 1m }`";
  if (!field.value.IsMap()) {
    sink.Add(field.location,
             absl::StrCat(step, ": retry.backoff must be a mapping, not ", Describe(field.value)),
             std::string(kHint));
    return;
  }
  MappingFields fields(field.value, absl::StrCat("the retry backoff of ", step), kBackoffFields,
                       sink);
  if (const Field* initial = fields.Find("initial")) {
    if (auto d = ReadDuration(*initial, absl::StrCat(step, ": retry.backoff.initial"), sink)) {
      retry.initial_backoff = *d;
    }
  }
  if (const Field* multiplier = fields.Find("multiplier")) {
    std::string name = absl::StrCat(step, ": retry.backoff.multiplier");
    if (auto m = ReadNumber(*multiplier, name, "write e.g. `multiplier: 2`", sink)) {
      if (*m < 1) {
        sink.Add(multiplier->location, absl::StrCat(name, " must be at least 1"),
                 "1 keeps the delay constant; 2 doubles it after each attempt");
      } else {
        retry.multiplier = *m;
      }
    }
  }
  const Field* max = fields.Find("max");
  if (max != nullptr) {
    if (auto d = ReadDuration(*max, absl::StrCat(step, ": retry.backoff.max"), sink)) {
      retry.max_backoff = *d;
    }
  }
  if (retry.max_backoff < retry.initial_backoff) {
    sink.Add(max != nullptr ? max->location : field.location,
             absl::StrCat(step, ": retry.backoff.max (", absl::FormatDuration(retry.max_backoff),
                          ") is shorter than retry.backoff.initial (",
                          absl::FormatDuration(retry.initial_backoff), ")"),
             "make max at least as long as initial");
  }
}

void ReadRetry(const Field& field, const std::string& step, RetryPolicy& retry,
               DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write e.g. `retry: { attempts: 5, backoff: { initial: 2s }, on: [transient, timeout] }`";
  if (!field.value.IsMap()) {
    sink.Add(field.location,
             absl::StrCat(step, ": retry must be a mapping, not ", Describe(field.value)),
             std::string(kHint));
    return;
  }
  MappingFields fields(field.value, absl::StrCat("the retry of ", step), kRetryFields, sink);
  if (const Field* attempts = fields.Find("attempts")) {
    std::string name = absl::StrCat(step, ": retry.attempts");
    if (auto n = ReadInteger(*attempts, name, "write e.g. `attempts: 3`", sink)) {
      if (*n < 1 || *n > INT32_MAX) {
        sink.Add(attempts->location, absl::StrCat(name, " must be at least 1, not ", *n),
                 "attempts counts the first try too: 1 means no retries");
      } else {
        retry.attempts = static_cast<int>(*n);
      }
    }
  }
  if (const Field* backoff = fields.Find("backoff")) ReadBackoff(*backoff, step, retry, sink);
  if (const Field* jitter = fields.Find("jitter")) {
    if (auto b = ReadBool(*jitter, absl::StrCat(step, ": retry.jitter"),
                          "write `jitter: true` or `jitter: false`", sink)) {
      retry.jitter = *b;
    }
  }
  if (const Field* on = fields.Find("on")) {
    std::string name = absl::StrCat(step, ": retry.on");
    std::string list_hint = absl::StrCat("error classes are ", JoinNames(kErrorClassNames));
    if (auto names = ReadNameList(*on, name, list_hint, sink)) {
      retry.on.clear();
      for (const auto& [class_name, location] : *names) {
        auto error_class = steps::ParseErrorClass(class_name);
        if (!error_class) {
          sink.Add(location,
                   absl::StrCat(step, ": unknown error class '", class_name, "' in retry.on"),
                   SuggestName(class_name, kErrorClassNames, "error classes are"));
        } else if (std::find(retry.on.begin(), retry.on.end(), *error_class) == retry.on.end()) {
          retry.on.push_back(*error_class);
        }
      }
    }
  }
}

// `when:` holds exactly one placeholder and nothing around it: a condition is a value, not text.
bool IsSingleExpression(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text.size() >= 5 && text.substr(0, 3) == "${{" && text.substr(text.size() - 2) == "}}" &&
         text.find("${{", 3) == std::string_view::npos;
}

void ReadWhen(const Field& field, const std::string& step, StepSpec& spec, StepSource& source,
              DiagnosticSink& sink) {
  auto text = ReadString(field, absl::StrCat(step, ": when"),
                         "write one expression, e.g. `when: ${{ input.total > 1000 }}`", sink);
  if (!text) return;
  spec.when_location = field.location;
  if (!IsSingleExpression(*text)) {
    std::string hint =
        text->find("${{") == std::string::npos
            ? absl::StrCat("write `when: ${{ ", *text, " }}`")
            : "put the whole condition inside one ${{ }}, e.g. `when: ${{ a and b }}`";
    sink.Add(field.location,
             absl::StrCat(step, ": when must be a single ${{ }} expression, not '", *text, "'"),
             hint);
    return;
  }
  spec.when = *text;
  source.when = field.value;
}

void ReadStep(const YAML::Node& node, size_t index, ParsedSpec& parsed, DiagnosticSink& sink) {
  StepSpec spec;
  StepSource source;
  source.node = node;
  spec.location = LocationOf(node);
  source.with_location = spec.location;
  source.uses_location = spec.location;
  // Name the step in messages by its id when it has a usable one, else by its position.
  std::string step = absl::StrCat("step #", index + 1);
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == "id" && it->second.IsScalar()) {
        step = absl::StrCat("step '", it->second.Scalar(), "'");
        break;
      }
    }
  }
  if (!node.IsMap()) {
    sink.Add(spec.location,
             absl::StrCat(step, " must be a mapping with `id:` and `uses:`, not ", Describe(node)),
             "write e.g. `- id: check_total` and, indented below it, `uses: script`");
    return;
  }
  MappingFields fields(node, step, kStepFields, sink);

  if (const Field* id = fields.Find("id")) {
    if (auto text = ReadString(*id, absl::StrCat(step, ": id"), kIdHint, sink)) {
      if (!IsLowerName(*text)) {
        sink.Add(id->location, absl::StrCat("step id '", *text, "' is not valid"),
                 std::string(kIdHint));
      }
      spec.id = *text;
    }
  } else {
    sink.Add(spec.location, absl::StrCat(step, " has no `id:`"), std::string(kIdHint));
  }

  if (const Field* uses = fields.Find("uses")) {
    source.uses_location = uses->location;
    if (auto text = ReadString(*uses, absl::StrCat(step, ": uses"),
                               "name a step kind, e.g. `uses: script`", sink)) {
      spec.uses = *text;
    }
  } else {
    sink.Add(spec.location, absl::StrCat(step, " has no `uses:`"),
             "name the kind of step it runs, e.g. `uses: script`");
  }

  if (const Field* actor = fields.Find("actor")) {
    source.actor_location = actor->location;
    std::string hint = absl::StrCat("actors are ", JoinNames(kActorNames));
    if (auto text = ReadString(*actor, absl::StrCat(step, ": actor"), hint, sink)) {
      if (auto parsed_actor = steps::ParseActor(*text)) {
        spec.actor = *parsed_actor;
        source.actor_written = true;
      } else {
        sink.Add(actor->location, absl::StrCat(step, ": unknown actor '", *text, "'"),
                 SuggestName(*text, kActorNames, "actors are"));
      }
    }
  }

  if (const Field* with = fields.Find("with")) {
    source.with_location = with->key_location;
    if (with->value.IsMap()) {
      source.with = with->value;
      spec.with = YamlToJson(with->value, "with", &spec.param_locations, sink);
    } else if (!with->value.IsNull()) {
      sink.Add(
          with->location,
          absl::StrCat(step, ": with must be a mapping of parameters, not ", Describe(with->value)),
          "write the parameters indented below `with:`, e.g. `url: https://...`");
    }
  }

  if (const Field* needs = fields.Find("needs")) {
    source.needs_written = true;
    if (auto names =
            ReadNameList(*needs, absl::StrCat(step, ": needs"),
                         "write a step id or a list, e.g. `needs: [fetch, check]`", sink)) {
      for (auto& [name, location] : *names) {
        spec.needs.push_back(name);
        source.need_locations.push_back(location);
      }
    }
  }

  if (const Field* when = fields.Find("when")) ReadWhen(*when, step, spec, source, sink);
  if (const Field* retry = fields.Find("retry")) ReadRetry(*retry, step, spec.retry, sink);
  if (const Field* exceptions = fields.Find("exceptions")) {
    ReadStepExceptions(*exceptions, step, spec.id, parsed, sink);
  }

  if (const Field* timeout = fields.Find("timeout")) {
    if (auto d = ReadDuration(*timeout, absl::StrCat(step, ": timeout"), sink)) {
      if (*d <= absl::ZeroDuration()) {
        sink.Add(timeout->location, absl::StrCat(step, ": timeout must be longer than 0"),
                 std::string(kDurationHint));
      } else {
        spec.timeout = *d;
      }
    }
  }

  if (const Field* concurrency = fields.Find("concurrency")) {
    std::string name = absl::StrCat(step, ": concurrency");
    constexpr std::string_view kHint = "write the most attempts of this step at once, e.g. 4";
    if (auto n = ReadInteger(*concurrency, name, kHint, sink)) {
      if (*n < 1 || *n > INT32_MAX) {
        sink.Add(concurrency->location, absl::StrCat(name, " must be at least 1"),
                 std::string(kHint));
      } else {
        spec.concurrency = static_cast<int>(*n);
      }
    }
  }

  parsed.spec.steps.push_back(std::move(spec));
  parsed.sources.push_back(std::move(source));
}

}  // namespace

void ReadSteps(const YAML::Node& steps, ParsedSpec& parsed, DiagnosticSink& sink) {
  if (steps.IsNull()) return;
  if (!steps.IsSequence()) {
    sink.Add(steps, absl::StrCat("steps must be a list, not ", Describe(steps)),
             "write each step as a list item starting with `- id: <name>`");
    return;
  }
  size_t index = 0;
  for (const YAML::Node& node : steps) ReadStep(node, index++, parsed, sink);

  // A step without `needs:` runs after the step written before it, so a list of steps reads as
  // a sequence; `needs: []` opts out.
  std::string previous;
  for (size_t i = 0; i < parsed.spec.steps.size(); ++i) {
    StepSpec& spec = parsed.spec.steps[i];
    // (A repeated id would make a step follow itself: the duplicate is reported instead.)
    if (!parsed.sources[i].needs_written && !previous.empty() && previous != spec.id) {
      spec.needs.push_back(previous);
    }
    if (!spec.id.empty()) previous = spec.id;
  }
}

}  // namespace flowline::engine::internal
