#include "steps/params.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"
#include "expr/expr.h"
#include "steps/duration.h"

namespace flowline::steps {
namespace {

bool ContainsPlaceholder(const Json& value) {
  if (value.is_string()) return expr::HasPlaceholder(value.get_ref<const std::string&>());
  if (value.is_structured()) {
    for (const auto& item : value) {
      if (ContainsPlaceholder(item)) return true;
    }
  }
  return false;
}

}  // namespace

bool HasParamType(const Json& value, ParamType type) {
  switch (type) {
    case ParamType::kAny:
      return true;
    case ParamType::kString:
      return value.is_string();
    case ParamType::kNumber:
      return value.is_number();
    case ParamType::kInteger:
      // Lua and YAML may hand over an integral float (3.0): it is still an integer.
      return value.is_number_integer() ||
             (value.is_number_float() && std::trunc(value.get<double>()) == value.get<double>());
    case ParamType::kBoolean:
      return value.is_boolean();
    case ParamType::kObject:
      return value.is_object();
    case ParamType::kArray:
      // Lua cannot tell an empty list from an empty table, and hands it over as {}.
      return value.is_array() || (value.is_object() && value.empty());
    case ParamType::kDuration:
      return value.is_string() && ParseDuration(value.get_ref<const std::string&>()).ok();
  }
  return false;
}

std::string Truncate(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  // Back off over UTF-8 continuation bytes (10xxxxxx) so a character is never split.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(Sv(text.substr(0, end)), "…");
}

std::string DescribeValue(const Json& value) {
  if (value.is_array()) return "a list";
  if (value.is_object()) return "a mapping";
  if (value.is_null()) return "null";
  return Truncate(value.dump(-1, ' ', false, Json::error_handler_t::replace), 60);
}

ParamReader::ParamReader(const StepKindInfo& info, const Json& with, Stage stage)
    : info_(info), with_(with), stage_(stage) {
  if (!with_.is_null() && !with_.is_object()) {
    Error("", absl::StrCat("`with:` must be a mapping of parameters, got ", DescribeValue(with_)));
    return;
  }
  if (with_.is_object()) {
    for (const auto& [name, value] : with_.items()) {
      const ParamSpec* spec = Spec(name);
      if (spec == nullptr) {
        std::vector<std::string> known;
        for (const ParamSpec& p : info_.params) known.push_back(p.name);
        Error(name, absl::StrCat("unknown parameter \"", name, "\" for ", info_.name),
              known.empty() ? "this kind takes no parameters"
                            : absl::StrCat("known parameters: ", absl::StrJoin(known, ", ")));
        continue;
      }
      CheckValue(*spec, value);
    }
  }
  for (const ParamSpec& spec : info_.params) {
    if (spec.required && !Has(spec.name)) {
      Error(spec.name, absl::StrCat("missing required parameter \"", spec.name, "\""),
            absl::StrCat("add `", spec.name, ":` under `with:` (", spec.description, ")"));
    }
  }
}

const ParamSpec* ParamReader::Spec(std::string_view name) const {
  for (const ParamSpec& spec : info_.params) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

void ParamReader::CheckValue(const ParamSpec& spec, const Json& value) {
  if (value.is_null()) return;  // same as absent
  if (spec.literal && stage_ == Stage::kPrepare && ContainsPlaceholder(value)) {
    Error(spec.name, absl::StrCat("\"", spec.name, "\" is used as written and cannot hold ${{ }}"),
          spec.type == ParamType::kString && spec.name == "code"
              ? "read run data directly in the script: input, steps, run"
              : "write the value itself");
    return;
  }
  if (Deferred(value) || HasParamType(value, spec.type)) return;
  if (spec.type == ParamType::kDuration && value.is_string()) {
    Error(spec.name,
          std::string(ParseDuration(value.get_ref<const std::string&>()).status().message()));
    return;
  }
  Error(spec.name, absl::StrCat("\"", spec.name, "\" must be ", ParamTypeName(spec.type), ", got ",
                                DescribeValue(value)));
}

bool ParamReader::Has(std::string_view name) const {
  if (!with_.is_object()) return false;
  auto it = with_.find(name);
  return it != with_.end() && !it->is_null();
}

bool ParamReader::Deferred(const Json& value) const {
  return stage_ == Stage::kPrepare && value.is_string() &&
         expr::HasPlaceholder(value.get_ref<const std::string&>());
}

const Json* ParamReader::Get(std::string_view name) const {
  if (!Has(name) || bad_.count(name) > 0) return nullptr;
  const Json& value = *with_.find(name);
  if (Deferred(value)) return nullptr;
  return &value;
}

std::optional<std::string> ParamReader::String(std::string_view name) const {
  const Json* value = Get(name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

std::optional<absl::Duration> ParamReader::Duration(std::string_view name) const {
  const Json* value = Get(name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  absl::StatusOr<absl::Duration> d = ParseDuration(value->get_ref<const std::string&>());
  if (!d.ok()) return std::nullopt;
  return *d;
}

std::optional<bool> ParamReader::Bool(std::string_view name) const {
  const Json* value = Get(name);
  if (value == nullptr || !value->is_boolean()) return std::nullopt;
  return value->get<bool>();
}

void ParamReader::Error(std::string param, std::string message, std::string hint) {
  // A problem in a parameter (or inside it) makes the parameter unusable to the kind.
  bad_.insert(param.substr(0, param.find_first_of(".[")));
  errors_.push_back(ConfigError{std::move(param), std::move(message), std::move(hint)});
}

bool ParamReader::Report(std::vector<ConfigError>* out) const {
  if (out != nullptr) out->insert(out->end(), errors_.begin(), errors_.end());
  return ok();
}

std::string ParamReader::Summary() const {
  std::vector<std::string> parts;
  for (const ConfigError& e : errors_) {
    parts.push_back(e.param.empty() ? e.message : absl::StrCat(e.param, ": ", e.message));
  }
  return absl::StrCat("invalid parameters: ", absl::StrJoin(parts, "; "));
}

}  // namespace flowline::steps
