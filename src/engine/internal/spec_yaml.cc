#include "engine/internal/spec_yaml.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "steps/duration.h"

namespace flowline::engine::internal {

namespace {

constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";
constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";

bool IsNullText(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::optional<bool> BoolFromText(std::string_view s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

// Scanners for the core schema's number forms. Hand-written rather than std::regex: they run
// on every scalar, and libstdc++'s regex trips GCC's -Wmaybe-uninitialized under sanitizers.
size_t Digits(std::string_view s, size_t i, int base) {
  auto is_digit = [base](char c) {
    if (base == 8) return c >= '0' && c <= '7';
    if (base == 16) return std::isxdigit(static_cast<unsigned char>(c)) != 0;
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  };
  while (i < s.size() && is_digit(s[i])) ++i;
  return i;
}

size_t Sign(std::string_view s, size_t i) {
  return i < s.size() && (s[i] == '-' || s[i] == '+') ? i + 1 : i;
}

// [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
bool IsIntegerText(std::string_view s, int* base, size_t* skip) {
  *skip = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
    *base = s[1] == 'o' ? 8 : 16;
    *skip = 2;
    return Digits(s, 2, *base) == s.size();
  }
  *base = 10;
  size_t digits = Sign(s, 0);
  size_t end = Digits(s, digits, 10);
  return end > digits && end == s.size();
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool IsFloatText(std::string_view s) {
  size_t i = Sign(s, 0);
  size_t whole_end = Digits(s, i, 10);
  bool whole = whole_end > i;
  i = whole_end;
  if (i < s.size() && s[i] == '.') {
    size_t fraction_end = Digits(s, i + 1, 10);
    if (!whole && fraction_end == i + 1) return false;
    i = fraction_end;
  } else if (!whole) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t exponent = Sign(s, i + 1);
    size_t exponent_end = Digits(s, exponent, 10);
    if (exponent_end == exponent) return false;
    i = exponent_end;
  }
  return i == s.size();
}

// Integers as the core schema writes them: decimal, 0o octal, 0x hex. Values beyond int64 are
// returned as doubles by NumberFromText.
std::optional<int64_t> IntegerFromText(std::string_view s) {
  int base = 10;
  size_t skip = 0;
  if (!IsIntegerText(s, &base, &skip)) return std::nullopt;
  std::string text(s.substr(skip));
  errno = 0;
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, base);
  if (errno == ERANGE) return std::nullopt;
  return static_cast<int64_t>(value);
}

std::optional<double> NumberFromText(std::string_view s) {
  if (!IsFloatText(s)) {
    if (auto integer = IntegerFromText(s)) return static_cast<double>(*integer);
    return std::nullopt;
  }
  std::string text(s);
  double value = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

// Whether a scalar's text is resolved by the core schema (plain, or explicitly tagged with a
// core type other than str) rather than kept as a string.
bool ResolvesType(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  if (tag == "?") return true;
  return tag.rfind(kCoreTagPrefix, 0) == 0 && tag != kStrTag;
}

std::string TypeMismatch(std::string_view name, std::string_view expected, const YAML::Node& node) {
  return absl::StrCat(Sv(name), " must be ", Sv(expected), ", not ", Describe(node));
}

}  // namespace

MappingFields::MappingFields(const YAML::Node& map, std::string_view where,
                             const std::vector<std::string>& allowed, DiagnosticSink& sink) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    Field field;
    field.key = it->first;
    field.value = it->second;
    field.key_location = LocationOf(field.key);
    field.location = field.value.IsNull() ? field.key_location : LocationOf(field.value);
    if (!field.key.IsScalar()) {
      sink.Add(field.key, absl::StrCat("a key in ", Sv(where), " is ", Describe(field.key)),
               "keys must be plain names such as `id:`");
      continue;
    }
    field.name = field.key.Scalar();
    if (const Field* first = Find(field.name)) {
      sink.Add(field.key_location, absl::StrCat("'", field.name, "' is given twice in ", Sv(where)),
               absl::StrCat("remove one of them; the first is on line ", first->key_location.line));
      continue;
    }
    if (!allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), field.name) == allowed.end()) {
      sink.Add(field.key_location, absl::StrCat("unknown field '", field.name, "' in ", Sv(where)),
               SuggestName(field.name, allowed, "allowed fields are"));
      continue;
    }
    fields_.push_back(std::move(field));
  }
}

const Field* MappingFields::Find(std::string_view name) const {
  for (const Field& field : fields_) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar: {
      constexpr size_t kMaxShown = 40;
      const std::string& text = node.Scalar();
      if (text.size() <= kMaxShown && text.find('\n') == std::string::npos) {
        return absl::StrCat("'", text, "'");
      }
      std::string shown = text.substr(0, std::min(kMaxShown, text.find('\n')));
      return absl::StrCat("'", shown, "...'");
    }
    default:
      return "nothing";
  }
}

bool IsLowerName(std::string_view text, std::string_view extra) {
  if (text.empty() || text[0] < 'a' || text[0] > 'z') return false;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              extra.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool IsPlainScalar(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "?"; }

Json ScalarToJson(const YAML::Node& node) {
  if (!node.IsScalar()) return nullptr;
  const std::string& text = node.Scalar();
  if (!ResolvesType(node)) return text;
  return ResolvePlainScalar(text);
}

Json ResolvePlainScalar(const std::string& text) {
  if (IsNullText(text)) return nullptr;
  if (auto b = BoolFromText(text)) return *b;
  if (auto integer = IntegerFromText(text)) return *integer;
  if (auto number = NumberFromText(text)) return *number;
  return text;
}

Json YamlToJson(const YAML::Node& node, const std::string& path,
                std::map<std::string, Location>* locations, DiagnosticSink& sink) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    case YAML::NodeType::Sequence: {
      Json array = Json::array();
      size_t index = 0;
      for (const YAML::Node& item : node) {
        std::string item_path = absl::StrCat(path, ".", index++);
        if (locations != nullptr) (*locations)[item_path] = LocationOf(item);
        array.push_back(YamlToJson(item, item_path, locations, sink));
      }
      return array;
    }
    case YAML::NodeType::Map: {
      Json object = Json::object();
      MappingFields fields(node, path, {}, sink);
      for (const Field& field : fields.fields()) {
        std::string member_path = absl::StrCat(path, ".", field.name);
        if (locations != nullptr) (*locations)[member_path] = field.location;
        object[field.name] = YamlToJson(field.value, member_path, locations, sink);
      }
      return object;
    }
    default:
      return nullptr;
  }
}

std::optional<std::string> ReadString(const Field& field, std::string_view name,
                                      std::string_view hint, DiagnosticSink& sink) {
  if (!field.value.IsScalar()) {
    sink.Add(field.location, TypeMismatch(name, "a string", field.value), std::string(hint));
    return std::nullopt;
  }
  return field.value.Scalar();
}

std::optional<double> ReadNumber(const Field& field, std::string_view name, std::string_view hint,
                                 DiagnosticSink& sink) {
  std::optional<double> number;
  if (field.value.IsScalar()) number = NumberFromText(field.value.Scalar());
  if (!number)
    sink.Add(field.location, TypeMismatch(name, "a number", field.value), std::string(hint));
  return number;
}

std::optional<int64_t> ReadInteger(const Field& field, std::string_view name, std::string_view hint,
                                   DiagnosticSink& sink) {
  std::optional<int64_t> integer;
  if (field.value.IsScalar()) integer = IntegerFromText(field.value.Scalar());
  if (!integer) {
    sink.Add(field.location, TypeMismatch(name, "a whole number", field.value), std::string(hint));
  }
  return integer;
}

std::optional<bool> ReadBool(const Field& field, std::string_view name, std::string_view hint,
                             DiagnosticSink& sink) {
  std::optional<bool> b;
  if (field.value.IsScalar()) b = BoolFromText(field.value.Scalar());
  if (!b)
    sink.Add(field.location, TypeMismatch(name, "true or false", field.value), std::string(hint));
  return b;
}

std::optional<absl::Duration> ReadDuration(const Field& field, const std::string& name,
                                           DiagnosticSink& sink) {
  if (field.value.IsScalar()) {
    auto duration = steps::ParseDuration(field.value.Scalar());
    if (duration.ok()) return *duration;
  }
  std::string hint(kDurationHint);
  if (IsPlainScalar(field.value) && ResolvePlainScalar(field.value.Scalar()).is_number()) {
    hint = absl::StrCat("add a unit, e.g. `", field.value.Scalar(), "s` for seconds or `",
                        field.value.Scalar(), "m` for minutes");
  }
  sink.Add(field.location, absl::StrCat(name, " must be a duration, not ", Describe(field.value)),
           hint);
  return std::nullopt;
}

std::optional<std::vector<std::pair<std::string, Location>>> ReadNameList(const Field& field,
                                                                          std::string_view name,
                                                                          std::string_view hint,
                                                                          DiagnosticSink& sink) {
  std::vector<std::pair<std::string, Location>> names;
  if (field.value.IsScalar()) {
    names.emplace_back(field.value.Scalar(), field.location);
    return names;
  }
  if (!field.value.IsSequence()) {
    sink.Add(field.location, TypeMismatch(name, "a name or a list of names", field.value),
             std::string(hint));
    return std::nullopt;
  }
  bool ok = true;
  for (const YAML::Node& item : field.value) {
    if (!item.IsScalar()) {
      sink.Add(item, TypeMismatch(absl::StrCat(Sv(name), " entries"), "names", item),
               std::string(hint));
      ok = false;
      continue;
    }
    names.emplace_back(item.Scalar(), LocationOf(item));
  }
  if (!ok) return std::nullopt;
  return names;
}

}  // namespace flowline::engine::internal
