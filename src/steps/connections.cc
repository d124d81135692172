#include "steps/connections.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"
#include "common/yaml_problems.h"
#include "steps/duration.h"
#include "yaml-cpp/yaml.h"

namespace flowline::steps {
namespace {

using common::YamlProblems;

// How a key of a connection block is written and checked.
enum class FieldKind {
  kText,          // a non-empty string
  kUrl,           // a URL with one of the rule's schemes
  kDuration,      // "10s"
  kHeaders,       // a mapping of header name -> single-line scalar
  kHttpAuth,      // the auth block of an http connection
  kPath,          // a file or folder path, relative to the connections file
  kChoice,        // one of the rule's choices
  kSecret,        // only as <name>_env or <name>_file
  kSecretOrText,  // as is, or as <name>_env / <name>_file (a user name, a URL)
};

struct FieldRule {
  FieldRule(std::string name, FieldKind kind, bool required = false,
            std::vector<std::string> choices = {})
      : name(std::move(name)), kind(kind), required(required), choices(std::move(choices)) {}
  std::string name;
  FieldKind kind;
  bool required;
  std::vector<std::string> choices;  // kUrl: schemes; kChoice: the values
};

struct TypeRule {
  std::string type;
  std::vector<FieldRule> fields;
};

const std::vector<TypeRule>& TypeRules() {
  static const std::vector<TypeRule> kRules = {
      {"http",
       {{"base_url", FieldKind::kUrl, true, {"http", "https"}},
        {"timeout", FieldKind::kDuration},
        {"headers", FieldKind::kHeaders},
        {"auth", FieldKind::kHttpAuth}}},
      {"webhook",
       {{"url", FieldKind::kUrl, true, {"http", "https"}},
        {"secret", FieldKind::kSecret, true},
        {"timeout", FieldKind::kDuration},
        {"headers", FieldKind::kHeaders}}},
      {"postgres", {{"url", FieldKind::kSecretOrText, true}}},
      {"sqlite", {{"path", FieldKind::kPath, true}}},
      {"folder", {{"path", FieldKind::kPath, true}}},
      {"smtp",
       {{"url", FieldKind::kUrl, true, {"smtp", "smtps"}},
        {"username", FieldKind::kSecretOrText},
        {"password", FieldKind::kSecret},
        {"from", FieldKind::kText},
        {"tls", FieldKind::kChoice, false, {"starttls", "required", "none"}},
        {"ca_file", FieldKind::kPath},
        {"timeout", FieldKind::kDuration}}},
      {"imap",
       {{"url", FieldKind::kUrl, true, {"imap", "imaps"}},
        {"username", FieldKind::kSecretOrText},
        {"password", FieldKind::kSecret},
        {"tls", FieldKind::kChoice, false, {"starttls", "required", "none"}},
        {"ca_file", FieldKind::kPath},
        {"timeout", FieldKind::kDuration}}},
      {"amqp", {{"url", FieldKind::kSecretOrText, true}, {"timeout", FieldKind::kDuration}}},
  };
  return kRules;
}

const std::vector<std::pair<std::string, std::vector<FieldRule>>>& AuthRules() {
  static const std::vector<std::pair<std::string, std::vector<FieldRule>>> kRules = {
      {"bearer", {{"token", FieldKind::kSecret, true}}},
      {"basic",
       {{"username", FieldKind::kSecretOrText, true}, {"password", FieldKind::kSecret, true}}},
      {"header", {{"name", FieldKind::kText, true}, {"value", FieldKind::kSecret, true}}},
      {"oauth2",
       {{"token_url", FieldKind::kUrl, true, {"http", "https"}},
        {"client_id", FieldKind::kSecretOrText, true},
        {"client_secret", FieldKind::kSecret, true},
        {"scope", FieldKind::kText},
        {"client_auth", FieldKind::kChoice, false, {"basic", "form"}}}},
  };
  return kRules;
}

std::string TypeNames() {
  std::vector<std::string> names;
  for (const TypeRule& rule : TypeRules()) names.push_back(rule.type);
  return absl::StrJoin(names, ", ");
}

bool IsConnectionName(std::string_view name) {
  if (name.empty() || name.size() > 64 || !absl::ascii_islower(static_cast<unsigned char>(name[0])))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_islower(static_cast<unsigned char>(c)) ||
           absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

bool IsEnvName(std::string_view name) {
  if (name.empty() || absl::ascii_isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool IsHeaderName(std::string_view name) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
           kExtra.find(c) != std::string_view::npos;
  });
}

std::string Place(std::string_view file, const YAML::Mark& mark) {
  return absl::StrCat(Sv(file), ":", mark.line + 1, ":", mark.column + 1);
}

// A scalar as JSON: plain scalars resolved (null, booleans, numbers), quoted ones strings.
Json ScalarJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() != "?") return text;  // quoted or explicitly tagged
  if (text.empty() || text == "~" || text == "null") return nullptr;
  if (text == "true") return true;
  if (text == "false") return false;
  int64_t integer = 0;
  if (absl::SimpleAtoi(text, &integer)) return integer;
  double number = 0;
  if (absl::SimpleAtod(text, &number) && text.find_first_of("0123456789") != std::string::npos &&
      text.find_first_not_of("0123456789+-.eE") == std::string::npos) {
    return number;
  }
  return text;
}

Json NodeJson(const YAML::Node& node) {
  if (node.IsMap()) {
    Json object = Json::object();
    for (const auto& entry : node) object[entry.first.Scalar()] = NodeJson(entry.second);
    return object;
  }
  if (node.IsSequence()) {
    Json array = Json::array();
    for (const auto& item : node) array.push_back(NodeJson(item));
    return array;
  }
  if (node.IsScalar()) return ScalarJson(node);
  return nullptr;
}

std::optional<std::string> NonEmptyText(const YAML::Node& node, std::string_view key,
                                        YamlProblems& problems) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    problems.Add(node.Mark(), absl::StrCat(Sv(key), " must be a text"));
    return std::nullopt;
  }
  return node.Scalar();
}

// Checks one way of giving a secret field (<name>_env or <name>_file).
void CheckSecretReference(const YAML::Node& value, const std::string& key, YamlProblems& problems) {
  std::optional<std::string> text = NonEmptyText(value, key, problems);
  if (!text) return;
  if (absl::EndsWith(key, "_env") && !IsEnvName(*text)) {
    problems.Add(value.Mark(),
                 absl::StrCat(key,
                              " must name an environment variable (letters, digits and _), "
                              "e.g. ",
                              key, ": CRM_TOKEN"));
  }
}

bool CheckUrl(const YAML::Node& value, const FieldRule& rule, YamlProblems& problems) {
  std::optional<std::string> url = NonEmptyText(value, rule.name, problems);
  if (!url) return false;
  for (const std::string& scheme : rule.choices) {
    if (absl::StartsWithIgnoreCase(*url, absl::StrCat(scheme, "://")) &&
        url->find_first_of(" \t\r\n") == std::string::npos) {
      if (url->find('@') != std::string::npos) {
        problems.Add(value.Mark(),
                     absl::StrCat(rule.name,
                                  " must not hold credentials (user:password@); give them "
                                  "with username_env / password_env or an auth block"));
        return false;
      }
      return true;
    }
  }
  problems.Add(value.Mark(),
               absl::StrCat(rule.name, " must be a ", absl::StrJoin(rule.choices, "/"),
                            " URL, e.g. ", rule.name, ": ", rule.choices.front(),
                            "://127.0.0.1:8080", rule.choices.front() == "http" ? "/api" : ""));
  return false;
}

void CheckHeaders(const YAML::Node& value, YamlProblems& problems) {
  if (!value.IsMap()) {
    problems.Add(value.Mark(),
                 "headers must be a mapping of header name to value, e.g. "
                 "headers: { X-Tenant: acme }");
    return;
  }
  for (const auto& entry : value) {
    const std::string name = entry.first.Scalar();
    if (!IsHeaderName(name)) {
      problems.Add(entry.first.Mark(), absl::StrCat("\"", name, "\" is not a valid header name"));
    } else if (absl::EqualsIgnoreCase(name, "authorization") ||
               absl::EqualsIgnoreCase(name, "idempotency-key")) {
      const bool auth = absl::EqualsIgnoreCase(name, "authorization");
      problems.Add(entry.first.Mark(),
                   absl::StrCat(name, " is set by flowline (",
                                auth ? "write an auth block: its secret is read from the "
                                       "environment or a file"
                                     : "stable across the retries of a step",
                                "); remove it from headers"));
    } else if (!entry.second.IsScalar() ||
               entry.second.Scalar().find_first_of("\r\n") != std::string::npos) {
      problems.Add(entry.second.Mark(), "a header value must be a single-line text");
    }
  }
}

void CheckFields(const YAML::Node& block, const std::vector<FieldRule>& rules,
                 std::string_view what, YamlProblems& problems);

void CheckHttpAuth(const YAML::Node& auth, YamlProblems& problems) {
  std::vector<std::string> types;
  for (const auto& [type, rules] : AuthRules()) types.push_back(type);
  if (!auth.IsMap()) {
    problems.Add(auth.Mark(),
                 absl::StrCat("auth must be a mapping with type: ", absl::StrJoin(types, ", "),
                              ", e.g. auth: { type: bearer, token_env: CRM_TOKEN }"));
    return;
  }
  const YAML::Node type = auth["type"];
  for (const auto& [name, rules] : AuthRules()) {
    if (type && type.IsScalar() && type.Scalar() == name) {
      CheckFields(auth, rules, absl::StrCat("auth type ", name), problems);
      if (name == "header") {
        if (const YAML::Node header = auth["name"];
            header && header.IsScalar() && !IsHeaderName(header.Scalar())) {
          problems.Add(header.Mark(), absl::StrCat("\"", header.Scalar(),
                                                   "\" is not a valid header name, e.g. "
                                                   "name: X-Api-Key"));
        }
      }
      return;
    }
  }
  problems.Add(type ? type.Mark() : auth.Mark(),
               absl::StrCat("auth needs type: ", absl::StrJoin(types, ", ")));
}

void CheckFields(const YAML::Node& block, const std::vector<FieldRule>& rules,
                 std::string_view what, YamlProblems& problems) {
  std::set<std::string> allowed = {"type"};
  for (const FieldRule& rule : rules) {
    if (rule.kind == FieldKind::kSecret || rule.kind == FieldKind::kSecretOrText) {
      allowed.insert(rule.name + "_env");
      allowed.insert(rule.name + "_file");
    }
    if (rule.kind != FieldKind::kSecret) allowed.insert(rule.name);
  }
  for (const auto& entry : block) {
    const std::string key = entry.first.Scalar();
    if (allowed.contains(key)) continue;
    const auto secret = std::find_if(rules.begin(), rules.end(), [&](const FieldRule& rule) {
      return rule.kind == FieldKind::kSecret && rule.name == key;
    });
    if (secret != rules.end()) {
      problems.Add(entry.first.Mark(),
                   absl::StrCat(key,
                                " is a secret and is never written in the connections "
                                "file; write ",
                                key, "_env: VARIABLE or ", key, "_file: PATH instead"));
    } else {
      problems.Add(entry.first.Mark(),
                   absl::StrCat("unknown key '", key, "' in ", Sv(what),
                                "; it may have: ", absl::StrJoin(allowed, ", ")));
    }
  }
  for (const FieldRule& rule : rules) {
    const bool secret_like =
        rule.kind == FieldKind::kSecret || rule.kind == FieldKind::kSecretOrText;
    int given = 0;
    if (secret_like) {
      for (const char* suffix : {"_env", "_file"}) {
        const std::string key = rule.name + suffix;
        if (const YAML::Node value = block[key]) {
          ++given;
          CheckSecretReference(value, key, problems);
        }
      }
    }
    const bool written_as_is = rule.kind != FieldKind::kSecret && block[rule.name];
    if (written_as_is) ++given;
    if (given > 1) {
      problems.Add(
          block.Mark(),
          absl::StrCat(Sv(what), " gives ", rule.name, " more than once; write one of ", rule.name,
                       "_env, ", rule.name, "_file", rule.kind == FieldKind::kSecret ? "" : " or ",
                       rule.kind == FieldKind::kSecret ? "" : rule.name));
    }
    if (given == 0 && rule.required) {
      problems.Add(block.Mark(),
                   absl::StrCat(Sv(what), " needs ", rule.name,
                                secret_like ? absl::StrCat(" (as ", rule.name, "_env: VARIABLE or ",
                                                           rule.name, "_file: PATH)")
                                            : ""));
    }
    if (!written_as_is) continue;
    const YAML::Node value = block[rule.name];
    switch (rule.kind) {
      case FieldKind::kText:
      case FieldKind::kPath:
      case FieldKind::kSecretOrText:
        NonEmptyText(value, rule.name, problems);
        break;
      case FieldKind::kUrl:
        CheckUrl(value, rule, problems);
        break;
      case FieldKind::kDuration: {
        absl::StatusOr<absl::Duration> duration = value.IsScalar()
                                                      ? ParseDuration(value.Scalar())
                                                      : absl::InvalidArgumentError("not a scalar");
        if (!duration.ok() || *duration <= absl::ZeroDuration()) {
          problems.Add(
              value.Mark(),
              absl::StrCat(rule.name, " must be a duration above zero, e.g. ", rule.name, ": 10s"));
        }
        break;
      }
      case FieldKind::kHeaders:
        CheckHeaders(value, problems);
        break;
      case FieldKind::kHttpAuth:
        CheckHttpAuth(value, problems);
        break;
      case FieldKind::kChoice:
        if (!value.IsScalar() || std::find(rule.choices.begin(), rule.choices.end(),
                                           value.Scalar()) == rule.choices.end()) {
          problems.Add(value.Mark(), absl::StrCat(rule.name, " must be one of ",
                                                  absl::StrJoin(rule.choices, ", ")));
        }
        break;
      case FieldKind::kSecret:
        break;
    }
  }
}

std::optional<Connection> ParseConnection(const std::string& name, const YAML::Node& key,
                                          const YAML::Node& block, std::string_view file,
                                          const std::string& base_dir, YamlProblems& problems) {
  if (!IsConnectionName(name)) {
    problems.Add(key.Mark(),
                 absl::StrCat("connection name \"", name,
                              "\" must be a lower-case letter followed by lower-case letters, "
                              "digits, _ and -, e.g. crm or accounts_db"));
  }
  if (!block.IsMap()) {
    problems.Add(block.Mark(), absl::StrCat("connection ", name,
                                            " must be a mapping with a type: ", TypeNames()));
    return std::nullopt;
  }
  const YAML::Node type = block["type"];
  const auto rule = std::find_if(TypeRules().begin(), TypeRules().end(), [&](const TypeRule& r) {
    return type && type.IsScalar() && type.Scalar() == r.type;
  });
  if (rule == TypeRules().end()) {
    problems.Add(type ? type.Mark() : block.Mark(),
                 absl::StrCat("connection ", name, " needs type: one of ", TypeNames()));
    return std::nullopt;
  }
  CheckFields(block, rule->fields, absl::StrCat("connection ", name, " (type ", rule->type, ")"),
              problems);
  Connection connection;
  connection.name = name;
  connection.type = rule->type;
  connection.settings = NodeJson(block);
  connection.where = Place(file, key.Mark());
  connection.base_dir = base_dir;
  return connection;
}

}  // namespace

std::string Connection::Describe() const {
  return absl::StrCat("connection ", name, " (", where, ")");
}

absl::StatusOr<std::string> Connection::Secret(std::string_view field) const {
  return ResolveSecret(settings, field, Describe(), base_dir);
}

std::string Connection::Path(std::string_view field) const {
  auto it = settings.find(std::string(field));
  if (it == settings.end() || !it->is_string()) return "";
  std::filesystem::path path(it->get<std::string>());
  if (path.is_relative()) path = std::filesystem::path(base_dir) / path;
  return path.lexically_normal().string();
}

absl::StatusOr<Connections> Connections::Load(const std::string& path) {
  if (path.empty()) return Connections();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the connections file ", path,
                     " (--connections / $FLOWLINE_CONNECTIONS; docs/connectors.md): no such file"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

absl::StatusOr<Connections> Connections::Parse(std::string_view yaml, std::string_view file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& error) {
    return common::YamlSyntaxError(file, error);
  }
  std::error_code error;
  std::filesystem::path folder = std::filesystem::path(std::string(file)).parent_path();
  if (folder.empty()) folder = ".";
  const std::string base_dir = std::filesystem::absolute(folder, error).lexically_normal().string();

  Connections result;
  result.file_ = std::string(file);
  if (!root || root.IsNull()) return result;
  YamlProblems problems(file);
  if (!common::CheckYamlMapping(root, "the connections file", {"connections"}, problems)) {
    return problems.ToStatus();
  }
  const YAML::Node list = root["connections"];
  if (list && !list.IsNull() && !list.IsMap()) {
    problems.Add(list.Mark(),
                 "connections must be a mapping of name to connection, e.g. "
                 "connections: { ledger: { type: sqlite, path: ledger.db } }");
  } else if (list) {
    for (const auto& entry : list) {
      const std::string name = entry.first.Scalar();
      if (result.connections_.contains(name)) {
        problems.Add(entry.first.Mark(), absl::StrCat("connection ", name, " is named twice"));
        continue;
      }
      std::optional<Connection> connection =
          ParseConnection(name, entry.first, entry.second, file, base_dir, problems);
      if (connection) result.connections_.emplace(name, *std::move(connection));
    }
  }
  if (!problems.empty()) return problems.ToStatus();
  return result;
}

Connections Connections::Unusable(absl::Status error) {
  Connections result;
  result.error_ = std::move(error);
  return result;
}

absl::StatusOr<const Connection*> Connections::Get(std::string_view name,
                                                   std::string_view type) const {
  return GetAny(name, {std::string(type)});
}

absl::StatusOr<const Connection*> Connections::GetAny(std::string_view name,
                                                      const std::vector<std::string>& types) const {
  if (!error_.ok()) return error_;
  auto it = connections_.find(name);
  if (it == connections_.end()) {
    std::vector<std::string> known;
    for (const auto& [known_name, connection] : connections_) known.push_back(known_name);
    if (file_.empty()) {
      return absl::NotFoundError(absl::StrCat(
          "no connection named ", Sv(name),
          ": there is no connections file (write connections.yaml, or pass --connections FILE; "
          "docs/connectors.md)"));
    }
    return absl::NotFoundError(
        absl::StrCat("no connection named ", Sv(name), " in ", file_,
                     known.empty() ? " (it names none)"
                                   : absl::StrCat(" (known: ", absl::StrJoin(known, ", "), ")")));
  }
  if (std::find(types.begin(), types.end(), it->second.type) == types.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("connection ", Sv(name), " (", it->second.where, ") is of type ",
                     it->second.type, ", not ", absl::StrJoin(types, " or ")));
  }
  return &it->second;
}

}  // namespace flowline::steps
