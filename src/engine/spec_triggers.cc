// The spec's `triggers:`: each entry is `- <type>: { ... }`; the type's checker validates the
// block. Ids default to the type ("folder", then "folder-2", ...), so a spec with one trigger of a
// type never writes one, and ids stay stable as long as the order of same-type triggers does.
#include "engine/internal/spec_triggers.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::engine::internal {

const std::vector<TriggerType>& TriggerTypes() {
  static const std::vector<TriggerType> kTypes = {
      {"webhook", CheckWebhookTrigger},   {"folder", CheckFolderTrigger},
      {"schedule", CheckScheduleTrigger}, {"database", CheckDatabaseTrigger},
      {"queue", CheckQueueTrigger},       {"email", CheckEmailTrigger},
  };
  return kTypes;
}

std::optional<MappingFields> TriggerFields(const Field& block, std::string_view example,
                                           std::vector<std::string> allowed, DiagnosticSink& sink) {
  if (!block.value.IsMap()) {
    sink.Add(block.location,
             absl::StrCat(block.name, " trigger must be a mapping, not ", Describe(block.value)),
             std::string(example));
    return std::nullopt;
  }
  allowed.push_back("id");
  return MappingFields(block.value, block.name, allowed, sink);
}

std::optional<std::string> TriggerString(const MappingFields& fields, const Field& block,
                                         std::string_view name, std::string_view hint,
                                         bool required, DiagnosticSink& sink) {
  const Field* field = fields.Find(name);
  if (field == nullptr) {
    if (required) {
      sink.Add(block.location, absl::StrCat(block.name, " trigger has no `", Sv(name), ":`"),
               std::string(hint));
    }
    return std::nullopt;
  }
  auto text = ReadString(*field, absl::StrCat(block.name, " ", Sv(name)), hint, sink);
  if (!text) return std::nullopt;
  if (text->empty()) {
    sink.Add(field->location, absl::StrCat(block.name, " ", Sv(name), " is empty"),
             std::string(hint));
    return std::nullopt;
  }
  return text;
}

namespace {

// Reads `id:` (removing it from `with`); returns the location to report a duplicate at.
Location ReadTriggerId(const Field& block, TriggerSpec& trigger, std::map<std::string, int>& count,
                       DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "use lower-case letters, digits, '-' and '_', starting with a letter, e.g. `id: "
      "nightly-report`";
  if (block.value.IsMap()) {
    for (const auto& entry : block.value) {
      if (!entry.first.IsScalar() || entry.first.Scalar() != "id") continue;
      Field id{"id", entry.first, entry.second, LocationOf(entry.first), LocationOf(entry.second)};
      if (auto text = ReadString(id, absl::StrCat(block.name, " trigger id"), kHint, sink)) {
        if (!IsLowerName(*text, "-")) {
          sink.Add(id.location, absl::StrCat("trigger id '", *text, "' is not valid"),
                   std::string(kHint));
        } else {
          trigger.id = *text;
        }
      }
      if (trigger.with.is_object()) trigger.with.erase("id");
      return id.location;
    }
  }
  int n = ++count[block.name];
  trigger.id = n == 1 ? block.name : absl::StrCat(block.name, "-", n);
  return trigger.location;
}

}  // namespace

void ReadTriggers(const Field& field, ParsedSpec& parsed, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write a list of triggers, e.g. `triggers: [ { webhook: { path: /hooks/x } } ]`";
  if (field.value.IsNull()) return;
  if (!field.value.IsSequence()) {
    sink.Add(field.location, absl::StrCat("triggers must be a list, not ", Describe(field.value)),
             std::string(kHint));
    return;
  }
  std::vector<std::string> type_names;
  for (const TriggerType& type : TriggerTypes()) type_names.emplace_back(type.name);
  std::map<std::string, int> per_type;
  std::map<std::string, Location> ids;
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
    for (const Field& block : fields.fields()) {
      auto type = std::find_if(TriggerTypes().begin(), TriggerTypes().end(),
                               [&](const TriggerType& t) { return t.name == block.name; });
      if (type == TriggerTypes().end()) {
        sink.Add(block.key_location, absl::StrCat("unknown trigger type '", block.name, "'"),
                 SuggestName(block.name, type_names, "trigger types are"));
        continue;
      }
      TriggerSpec trigger;
      trigger.type = block.name;
      trigger.location = location;
      if (block.value.IsMap()) {
        DiagnosticSink ignored(sink.file());  // the checker reports the block's problems
        trigger.with = YamlToJson(block.value, block.name, nullptr, ignored);
      }
      Location id_location = ReadTriggerId(block, trigger, per_type, sink);
      type->check(block, trigger, sink);
      if (!trigger.id.empty()) {
        auto [it, inserted] = ids.emplace(trigger.id, id_location);
        if (!inserted) {
          sink.Add(id_location, absl::StrCat("two triggers have the id '", trigger.id, "'"),
                   absl::StrCat("give each its own `id:`; the first is on line ", it->second.line));
        }
      }
      if (!trigger.path.empty() && trigger.type == "webhook") {
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

}  // namespace flowline::engine::internal
