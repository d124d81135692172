#include "ai/llm/response_cache.h"

#include <sqlite3.h>

#include <map>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/json_util.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "spdlog/spdlog.h"

namespace flowline::ai::llm {
namespace {

const char* RoleKey(ChatMessage::Role role) {
  return role == ChatMessage::Role::kAssistant ? "assistant" : "user";
}

class MemoryResponseCache final : public ResponseCache {
 public:
  absl::StatusOr<std::optional<ModelResponse>> Get(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    ++it->second.hits;
    return it->second.response;
  }
  absl::Status Put(std::string_view key, std::string_view /*provider*/, std::string_view /*model*/,
                   const ModelResponse& response, absl::Time /*now*/) override {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.try_emplace(std::string(key), Entry{response, 0});
    return absl::OkStatus();
  }

 private:
  struct Entry {
    ModelResponse response;
    int64_t hits;
  };
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;
};

// One connection, serialised by a mutex: a cache call is one short statement, and SQLite
// serialises writers anyway. WAL and a busy timeout let several programs (serve and an eval)
// share the file.
class SqliteResponseCache final : public ResponseCache {
 public:
  SqliteResponseCache(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  ~SqliteResponseCache() override { sqlite3_close(db_); }

  absl::Status Init() {
    RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
    RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL"));
    return Exec(
        "CREATE TABLE IF NOT EXISTS llm_responses ("
        " key TEXT PRIMARY KEY, provider TEXT NOT NULL, model TEXT NOT NULL,"
        " created_at INTEGER NOT NULL, response_json TEXT NOT NULL,"
        " hits INTEGER NOT NULL DEFAULT 0)");
  }

  absl::StatusOr<std::optional<ModelResponse>> Get(std::string_view key) override {
    std::string text;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Statement get(db_);
      RETURN_IF_ERROR(get.Prepare(
          "UPDATE llm_responses SET hits = hits + 1 WHERE key = ?1 RETURNING response_json"));
      get.Bind(1, key);
      const int rc = sqlite3_step(get.stmt);
      if (rc == SQLITE_DONE) return std::nullopt;
      if (rc != SQLITE_ROW) return Error("read");
      text.assign(reinterpret_cast<const char*>(sqlite3_column_text(get.stmt, 0)),
                  static_cast<size_t>(sqlite3_column_bytes(get.stmt, 0)));
      // Finish the statement so the hit is committed before the lock is released.
      if (sqlite3_step(get.stmt) != SQLITE_DONE) return Error("read");
    }
    absl::StatusOr<Json> json = common::ParseJson(text, "a cached llm response");
    if (!json.ok()) return DataLoss(json.status());
    absl::StatusOr<ModelResponse> response = ModelResponse::FromJson(*json);
    if (!response.ok()) return DataLoss(response.status());
    return std::optional<ModelResponse>(*std::move(response));
  }

  absl::Status Put(std::string_view key, std::string_view provider, std::string_view model,
                   const ModelResponse& response, absl::Time now) override {
    const std::string text = response.ToJson().dump();
    std::lock_guard<std::mutex> lock(mu_);
    Statement put(db_);
    RETURN_IF_ERROR(
        put.Prepare("INSERT OR IGNORE INTO llm_responses"
                    " (key, provider, model, created_at, response_json) VALUES (?1,?2,?3,?4,?5)"));
    put.Bind(1, key);
    put.Bind(2, provider);
    put.Bind(3, model);
    sqlite3_bind_int64(put.stmt, 4, absl::ToUnixMicros(now));
    put.Bind(5, text);
    if (sqlite3_step(put.stmt) != SQLITE_DONE) return Error("write");
    return absl::OkStatus();
  }

 private:
  struct Statement {
    explicit Statement(sqlite3* db) : db(db) {}
    ~Statement() { sqlite3_finalize(stmt); }
    absl::Status Prepare(const char* sql) {
      if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
        return absl::InternalError(absl::StrCat("llm cache: ", sqlite3_errmsg(db)));
      }
      return absl::OkStatus();
    }
    // SQLITE_TRANSIENT: SQLite copies the text, so a temporary is safe to bind.
    void Bind(int index, std::string_view text) {
      sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
    sqlite3* db;
    sqlite3_stmt* stmt = nullptr;
  };

  absl::Status Exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      absl::Status status = absl::InternalError(
          absl::StrCat("llm cache ", path_, ": ", message != nullptr ? message : "error"));
      sqlite3_free(message);
      return status;
    }
    return absl::OkStatus();
  }
  absl::Status Error(std::string_view what) const {
    return absl::InternalError(
        absl::StrCat("llm cache ", path_, ": cannot ", Sv(what), ": ", sqlite3_errmsg(db_)));
  }
  absl::Status DataLoss(const absl::Status& cause) const {
    return absl::DataLossError(absl::StrCat("llm cache ", path_, " holds an unreadable entry (",
                                            cause.message(),
                                            "); delete the file to start an empty cache"));
  }

  const std::string path_;
  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ResponseCache>> OpenSqliteResponseCache(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = absl::InternalError(absl::StrCat(
        "cannot open the llm cache ", path, ": ",
        db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc), " (--llm-cache FILE names it)"));
    sqlite3_close(db);
    return status;
  }
  sqlite3_busy_timeout(db, 5000);
  auto cache = std::make_unique<SqliteResponseCache>(path, db);
  RETURN_IF_ERROR(cache->Init());
  return cache;
}

std::unique_ptr<ResponseCache> NewMemoryResponseCache() {
  return std::make_unique<MemoryResponseCache>();
}

std::string CacheKey(const ProviderConfig& provider, const ModelRequest& request, int sample) {
  Json messages = Json::array();
  for (const ChatMessage& message : request.messages) {
    messages.push_back(Json::array({RoleKey(message.role), message.content}));
  }
  const Json key = {
      {"v", 1},
      {"provider", provider.name},
      {"protocol", std::string(ProtocolName(provider.protocol))},
      {"base_url", provider.base_url},
      {"model", request.model},
      {"system", request.system},
      {"messages", std::move(messages)},
      {"schema", request.schema},
      {"structured", StructuredOutputName(provider.structured)},
      {"temperature", request.temperature},
      {"seed", request.seed.has_value() ? Json(*request.seed) : Json(nullptr)},
      {"max_tokens", request.max_tokens},
      {"logprobs", request.logprobs},
      {"sample", sample},
  };
  return common::Sha256Hex(common::CanonicalJson(key));
}

}  // namespace flowline::ai::llm
