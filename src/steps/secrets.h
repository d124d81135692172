// Secrets of connections and steps: where they are read from and how they are kept out of what
// flowline writes down.
//
// A secret (a token, a password, a signing key, a database URL with a password) is never written
// in a spec or a connections file: the file names an environment variable (`<field>_env`) or a
// file (`<field>_file`, e.g. a mounted Kubernetes/Docker secret), and the value is read at use
// time, so rotating it needs no new version and no restart. Errors name the variable or the file,
// never the value. Whatever a remote system sends back is passed through Redact() before it
// reaches an output, an error, a record or a log.
//
// Thread-safe (reads the environment and files only).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_util.h"

namespace flowline::steps {

// The value of `field` in `block`, read now: from the environment variable `<field>_env` names,
// or from the file `<field>_file` names (relative to `base_dir` when not absolute; trailing line
// breaks removed), or — for fields that may be written as is (a user name, a URL without a
// password; Connections::Parse rejects a secret written as is) — the string `field` itself.
// `where` ("connections.yaml:12:5", "connection crm") is named in errors.
// FailedPrecondition naming the variable or file (never a value) when it is unset, empty or
// unreadable; NotFound when the block names none of the three.
absl::StatusOr<std::string> ResolveSecret(const Json& block, std::string_view field,
                                          std::string_view where, std::string_view base_dir = "");

// `text` with every occurrence of every secret replaced by "[redacted]", longest secret first (so
// that a secret containing another is replaced whole). Empty secrets are ignored.
std::string Redact(std::string text, const std::vector<std::string>& secrets);

}  // namespace flowline::steps
