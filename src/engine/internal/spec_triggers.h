// The spec's `triggers:` (private to engine/): the generic reading of each entry and one checker
// per trigger type, in a table in spec_triggers.cc (docs/triggers.md).
//
// Adding a trigger type: write `void Check<Type>Trigger(const Field&, TriggerSpec&,
// DiagnosticSink&)` in its own spec_trigger_<type>.cc, declare it here and add one line to the
// table. A checker validates the block only (shapes, values, patterns; no I/O, no connections:
// those are checked when the trigger starts). The generic code has already read `id:` and put
// the block as JSON (without `id`) into `trigger.with`; a checker may fill typed fields of
// TriggerSpec (the webhook's path) and reports each problem at its file:line:column with a hint.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/internal/spec_diagnostics.h"
#include "engine/internal/spec_phases.h"
#include "engine/internal/spec_yaml.h"
#include "engine/spec.h"

namespace flowline::engine::internal {

using TriggerCheck = void (*)(const Field& block, TriggerSpec& trigger, DiagnosticSink& sink);

struct TriggerType {
  std::string_view name;
  TriggerCheck check;
};

// Every trigger type, in the order docs/triggers.md lists them.
const std::vector<TriggerType>& TriggerTypes();

// The fields of a trigger's block, reporting a block that is not a mapping (with `example`,
// e.g. "`- folder: { path: inbox }`") and keys outside `allowed` (`id` is always allowed).
// nullopt when the block is not a mapping.
std::optional<MappingFields> TriggerFields(const Field& block, std::string_view example,
                                           std::vector<std::string> allowed, DiagnosticSink& sink);

// `name` of the block as a non-empty string, reporting a wrong type or an empty value; nullopt
// when absent or wrong. `required` also reports its absence at the block.
std::optional<std::string> TriggerString(const MappingFields& fields, const Field& block,
                                         std::string_view name, std::string_view hint,
                                         bool required, DiagnosticSink& sink);

// spec_triggers.cc: the `triggers:` list.
void ReadTriggers(const Field& field, ParsedSpec& parsed, DiagnosticSink& sink);

// One per type (spec_trigger_<type>.cc).
void CheckWebhookTrigger(const Field& block, TriggerSpec& trigger, DiagnosticSink& sink);
void CheckFolderTrigger(const Field& block, TriggerSpec& trigger, DiagnosticSink& sink);
void CheckScheduleTrigger(const Field& block, TriggerSpec& trigger, DiagnosticSink& sink);
void CheckDatabaseTrigger(const Field& block, TriggerSpec& trigger, DiagnosticSink& sink);
void CheckQueueTrigger(const Field& block, TriggerSpec& trigger, DiagnosticSink& sink);
void CheckEmailTrigger(const Field& block, TriggerSpec& trigger, DiagnosticSink& sink);

}  // namespace flowline::engine::internal
