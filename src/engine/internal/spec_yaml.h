// Reading YAML nodes for the spec parser: mappings with known fields, typed scalars, and YAML to
// JSON conversion that keeps types (private to engine/).
//
// yaml-cpp hands every scalar over as text. Plain scalars are resolved as YAML 1.2's core schema
// does (true/false, integers, floats, null/~); quoted and block scalars stay strings, so that
// `"123"` is the string "123". yaml-cpp tags plain scalars "?" and all others "!".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "common/json_util.h"
#include "engine/internal/spec_diagnostics.h"
#include "engine/spec.h"
#include "yaml-cpp/yaml.h"

namespace flowline::engine::internal {

// One `key: value` of a mapping, as written.
struct Field {
  std::string name;
  YAML::Node key;
  YAML::Node value;
  Location key_location;
  // Where the value is written; the key's location when the value is empty (yaml-cpp marks an
  // empty value at the start of whatever follows it).
  Location location;
};

// The fields of a YAML mapping, in the order written. The constructor reports repeated keys,
// keys that are not plain scalars and, when `allowed` is non-empty, keys not in `allowed` (with
// a did-you-mean hint). `where` names the mapping in messages: "the workflow", "step 'fetch'".
class MappingFields {
 public:
  MappingFields(const YAML::Node& map, std::string_view where,
                const std::vector<std::string>& allowed, DiagnosticSink& sink);

  // The field named `name`, or null. With repeated keys, the first.
  const Field* Find(std::string_view name) const;
  const std::vector<Field>& fields() const { return fields_; }

 private:
  std::vector<Field> fields_;
};

// The node's shape for messages: "a mapping", "a list", "nothing" or the scalar, quoted.
std::string Describe(const YAML::Node& node);

// True if `text` is a lower-case letter followed by lower-case letters, digits, '_' and the
// characters in `extra`: the form of workflow names and step ids.
bool IsLowerName(std::string_view text, std::string_view extra = "");

// True if the node is a plain (unquoted, non-block) scalar.
bool IsPlainScalar(const YAML::Node& node);

// A scalar's JSON value: plain scalars resolved by the core schema, others strings.
Json ScalarToJson(const YAML::Node& node);
// What `text` would mean written as a plain scalar: null, a boolean, a number or a string.
Json ResolvePlainScalar(const std::string& text);

// The node as JSON. Records where every member is written in `locations` (if not null), keyed
// by `path` + ".member" / ".index" ("with.headers.Authorization", "with.items.0"), and reports
// repeated or non-scalar mapping keys.
Json YamlToJson(const YAML::Node& node, const std::string& path,
                std::map<std::string, Location>* locations, DiagnosticSink& sink);

// Typed readers for the spec's own fields. `name` is how the field is shown in messages
// ("manual_minutes", "step 'fetch': retry.attempts"). On a wrong shape or type they report it at
// the value (with `hint`) and return nullopt. Numbers are read from the scalar's text whether or
// not it is quoted.
std::optional<std::string> ReadString(const Field& field, std::string_view name,
                                      std::string_view hint, DiagnosticSink& sink);
std::optional<double> ReadNumber(const Field& field, std::string_view name, std::string_view hint,
                                 DiagnosticSink& sink);
std::optional<int64_t> ReadInteger(const Field& field, std::string_view name, std::string_view hint,
                                   DiagnosticSink& sink);
std::optional<bool> ReadBool(const Field& field, std::string_view name, std::string_view hint,
                             DiagnosticSink& sink);
inline constexpr std::string_view kDurationHint =
    "write a number and a unit (ms, s, m, h, d), e.g. 30s, 5m or 1h30m";
// A duration as steps::ParseDuration reads it ("30s", "5m", "1h30m", "14d").
std::optional<absl::Duration> ReadDuration(const Field& field, const std::string& name,
                                           DiagnosticSink& sink);
// A string or a list of strings, as the list.
std::optional<std::vector<std::pair<std::string, Location>>> ReadNameList(const Field& field,
                                                                          std::string_view name,
                                                                          std::string_view hint,
                                                                          DiagnosticSink& sink);

}  // namespace flowline::engine::internal
