// Connections: the business's systems, named once per environment in connections.yaml.
//
//   connections:
//     crm:                              # a name: [a-z][a-z0-9_-]*
//       type: http
//       base_url: https://crm.example.com/api
//       auth: { type: oauth2, token_url: https://crm.example.com/oauth/token,
//               client_id_env: CRM_CLIENT_ID, client_secret_env: CRM_CLIENT_SECRET }
//     accounts_db: { type: postgres, url_env: ACCOUNTS_DB_URL }
//     ledger: { type: sqlite, path: ledger.db }       # relative to the connections file
//
// Specs and triggers name a connection (`connection: crm`); they never hold URLs with credentials
// or secrets. Secrets are named as `<field>_env` / `<field>_file` and read at use time
// (steps/secrets.h). Types and their keys are listed in docs/connectors.md; Parse() checks every
// block against them once, so a typo is a file:line:column error when a command starts rather
// than a failed step later.
//
// Thread-safety: immutable after Load/Parse; share it freely (std::shared_ptr<const Connections>).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/json_util.h"
#include "steps/secrets.h"

namespace flowline::steps {

struct Connection {
  std::string name;
  std::string type;      // http | webhook | postgres | sqlite | folder | smtp | imap | amqp
  Json settings;         // the block as written (secret *_env / *_file names only, never values)
  std::string where;     // "connections.yaml:12:5", for messages
  std::string base_dir;  // absolute folder of the connections file (for relative paths)

  // "connection crm (connections.yaml:12:5)", for messages.
  std::string Describe() const;
  // ResolveSecret(settings, field, Describe(), base_dir).
  absl::StatusOr<std::string> Secret(std::string_view field) const;
  // The path under `field` made absolute against base_dir ("" when the block has none).
  std::string Path(std::string_view field) const;
};

class Connections {
 public:
  Connections() = default;  // no connections

  // Reads and checks the connections file at `path`; "" → no connections. InvalidArgument with
  // one "file:line:column: error: …" line per problem; NotFound when the file does not exist.
  static absl::StatusOr<Connections> Load(const std::string& path);
  // The same for `yaml` read from `file` (named in messages; relative paths resolve against its
  // folder).
  static absl::StatusOr<Connections> Parse(std::string_view yaml, std::string_view file);
  // Connections that could not be loaded: every Get() returns `error`, so a step naming a
  // connection reports the file's problems (the file is checked again where a command opens the
  // store, which stops there).
  static Connections Unusable(absl::Status error);

  // The connection `name` of `type`: NotFound "no connection named X in FILE (known: a, b)",
  // FailedPrecondition "connection X (FILE:L:C) is of type postgres, not smtp".
  absl::StatusOr<const Connection*> Get(std::string_view name, std::string_view type) const;
  // The same where any of `types` will do (a sql step: postgres or sqlite).
  absl::StatusOr<const Connection*> GetAny(std::string_view name,
                                           const std::vector<std::string>& types) const;

  const std::map<std::string, Connection, std::less<>>& all() const { return connections_; }
  // The file they were read from ("" for none).
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::map<std::string, Connection, std::less<>> connections_;
  absl::Status error_;
};

// `text` with every secret replaced by "[redacted]" (longest first): see steps/secrets.h, which
// also declares ResolveSecret.

}  // namespace flowline::steps
