// ResponseCacheConformance: every ResponseCache implementation passes the same tests (memory,
// SQLite; a store-backed cache would join them). CacheKeyTest: what the key covers.
#include "ai/llm/response_cache.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <functional>
#include <ostream>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/temp_dir.h"

namespace flowline::ai::llm {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

ModelResponse Answer(std::string policy_number, int64_t input_tokens = 412) {
  ModelResponse response;
  response.answer = {{"policy_number", policy_number}, {"amount", 1250.5}};
  response.text = response.answer.dump();
  response.finish = FinishReason::kStop;
  response.input_tokens = input_tokens;
  response.output_tokens = 61;
  response.logprobs = {{"{\"", -0.00002}, {"policy", 0.0}};
  response.served_model = "gpt-4o-mini-2024-07-18";
  return response;
}

struct CacheFactory {
  std::string name;
  // Opens the cache kept at `path` (the memory cache ignores it).
  std::function<std::unique_ptr<ResponseCache>(const std::string& path)> open;
  bool persistent;
};

void PrintTo(const CacheFactory& factory, std::ostream* out) { *out << factory.name; }

class ResponseCacheConformance : public ::testing::TestWithParam<CacheFactory> {
 protected:
  std::unique_ptr<ResponseCache> Open() { return GetParam().open(dir_.File("llm-cache")); }
  common::TempDir dir_;
};

TEST_P(ResponseCacheConformance, GetMissThenPutThenHit) {
  std::unique_ptr<ResponseCache> cache = Open();
  absl::StatusOr<std::optional<ModelResponse>> miss = cache->Get("k1");
  ASSERT_TRUE(miss.ok()) << miss.status();
  EXPECT_FALSE(miss->has_value());
  ASSERT_TRUE(cache->Put("k1", "openai", "gpt-4o-mini", Answer("PN-448812"), kNow).ok());
  absl::StatusOr<std::optional<ModelResponse>> hit = cache->Get("k1");
  ASSERT_TRUE(hit.ok()) << hit.status();
  ASSERT_TRUE(hit->has_value());
  EXPECT_EQ((*hit)->ToJson(), Answer("PN-448812").ToJson());
  EXPECT_EQ((*hit)->input_tokens, 412);
  EXPECT_EQ((*hit)->logprobs.size(), 2u);
  EXPECT_FALSE(cache->Get("k2")->has_value());
}

TEST_P(ResponseCacheConformance, FirstPutWins) {
  std::unique_ptr<ResponseCache> cache = Open();
  ASSERT_TRUE(cache->Put("k", "openai", "gpt-4o-mini", Answer("PN-000001"), kNow).ok());
  ASSERT_TRUE(cache->Put("k", "openai", "gpt-4o-mini", Answer("PN-000002"), kNow).ok());
  EXPECT_EQ((*cache->Get("k"))->answer["policy_number"], "PN-000001");
}

TEST_P(ResponseCacheConformance, SurvivesReopen) {
  if (!GetParam().persistent) GTEST_SKIP() << GetParam().name << " keeps nothing after closing";
  {
    std::unique_ptr<ResponseCache> cache = Open();
    ASSERT_TRUE(cache->Put("k", "openai", "gpt-4o-mini", Answer("PN-448812"), kNow).ok());
  }
  std::unique_ptr<ResponseCache> reopened = Open();
  absl::StatusOr<std::optional<ModelResponse>> hit = reopened->Get("k");
  ASSERT_TRUE(hit.ok()) << hit.status();
  ASSERT_TRUE(hit->has_value());
  EXPECT_EQ((*hit)->ToJson(), Answer("PN-448812").ToJson());
}

TEST_P(ResponseCacheConformance, ConcurrentPutsAndGets) {
  std::unique_ptr<ResponseCache> cache = Open();
  constexpr int kThreads = 8;
  constexpr int kKeys = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kKeys; ++k) {
        const std::string key = absl::StrCat("key-", k);
        // Every thread answers every key differently; one answer must win for all.
        ASSERT_TRUE(cache
                        ->Put(key, "openai", "gpt-4o-mini",
                              Answer(absl::StrCat("PN-", k), /*input_tokens=*/t), kNow)
                        .ok());
        absl::StatusOr<std::optional<ModelResponse>> got = cache->Get(key);
        ASSERT_TRUE(got.ok()) << got.status();
        ASSERT_TRUE(got->has_value());
        EXPECT_EQ((*got)->answer["policy_number"], absl::StrCat("PN-", k));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int k = 0; k < kKeys; ++k) {
    std::set<int64_t> winners;
    for (int read = 0; read < 3; ++read) {
      winners.insert((*cache->Get(absl::StrCat("key-", k)))->input_tokens);
    }
    EXPECT_EQ(winners.size(), 1u) << "key-" << k;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Implementations, ResponseCacheConformance,
    ::testing::Values(
        CacheFactory{"memory", [](const std::string&) { return NewMemoryResponseCache(); }, false},
        CacheFactory{"sqlite",
                     [](const std::string& path) {
                       absl::StatusOr<std::unique_ptr<ResponseCache>> cache =
                           OpenSqliteResponseCache(path);
                       EXPECT_TRUE(cache.ok()) << cache.status();
                       return cache.ok() ? *std::move(cache) : nullptr;
                     },
                     true}),
    [](const ::testing::TestParamInfo<CacheFactory>& info) { return info.param.name; });

TEST(SqliteResponseCacheTest, CountsHitsAndRecordsWhoAnswered) {
  common::TempDir dir;
  const std::string path = dir.File("llm-cache");
  {
    absl::StatusOr<std::unique_ptr<ResponseCache>> cache = OpenSqliteResponseCache(path);
    ASSERT_TRUE(cache.ok()) << cache.status();
    ASSERT_TRUE((*cache)->Put("k", "openai", "gpt-4o-mini", Answer("PN-1"), kNow).ok());
    ASSERT_TRUE((*cache)->Get("k").ok());
    ASSERT_TRUE((*cache)->Get("k").ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT provider, model, created_at, hits FROM llm_responses",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "openai");
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)), "gpt-4o-mini");
  EXPECT_EQ(sqlite3_column_int64(stmt, 2), absl::ToUnixMicros(kNow));
  EXPECT_EQ(sqlite3_column_int64(stmt, 3), 2);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(SqliteResponseCacheTest, TwoProgramsShareTheFile) {
  // serve and an eval of the same workspace open the same cache file at once.
  common::TempDir dir;
  absl::StatusOr<std::unique_ptr<ResponseCache>> serve =
      OpenSqliteResponseCache(dir.File("llm-cache"));
  absl::StatusOr<std::unique_ptr<ResponseCache>> eval =
      OpenSqliteResponseCache(dir.File("llm-cache"));
  ASSERT_TRUE(serve.ok() && eval.ok());
  std::thread writer([&] {
    for (int k = 0; k < 50; ++k) {
      EXPECT_TRUE((*serve)->Put(absl::StrCat("k", k), "openai", "m", Answer("PN-1"), kNow).ok());
    }
  });
  for (int k = 0; k < 50; ++k) {
    EXPECT_TRUE((*eval)->Put(absl::StrCat("k", k), "openai", "m", Answer("PN-2"), kNow).ok());
  }
  writer.join();
  for (int k = 0; k < 50; ++k) {
    absl::StatusOr<std::optional<ModelResponse>> a = (*serve)->Get(absl::StrCat("k", k));
    absl::StatusOr<std::optional<ModelResponse>> b = (*eval)->Get(absl::StrCat("k", k));
    ASSERT_TRUE(a.ok() && b.ok() && a->has_value() && b->has_value());
    EXPECT_EQ((*a)->answer, (*b)->answer) << "k" << k;
  }
}

TEST(SqliteResponseCacheTest, UnreadableEntryIsDataLossNamingTheFile) {
  common::TempDir dir;
  const std::string path = dir.File("llm-cache");
  absl::StatusOr<std::unique_ptr<ResponseCache>> cache = OpenSqliteResponseCache(path);
  ASSERT_TRUE(cache.ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "INSERT INTO llm_responses (key, provider, model, created_at, "
                         "response_json) VALUES ('bad', 'openai', 'm', 0, '{\"text\":')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  absl::StatusOr<std::optional<ModelResponse>> got = (*cache)->Get("bad");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(got.status().message().find(path), absl::string_view::npos) << got.status();
  EXPECT_NE(got.status().message().find("delete the file"), absl::string_view::npos);
}

TEST(SqliteResponseCacheTest, UnopenableFileNamesItAndTheFlag) {
  absl::StatusOr<std::unique_ptr<ResponseCache>> cache =
      OpenSqliteResponseCache("/nonexistent-dir/llm-cache");
  ASSERT_FALSE(cache.ok());
  EXPECT_NE(cache.status().message().find("/nonexistent-dir/llm-cache"), absl::string_view::npos);
  EXPECT_NE(cache.status().message().find("--llm-cache"), absl::string_view::npos);
}

ProviderConfig OpenAi() {
  ProviderConfig config;
  config.name = "openai";
  config.protocol = ProviderConfig::Protocol::kOpenAi;
  config.base_url = "https://api.openai.com/v1";
  config.api_key_env = "FLOWLINE_TEST_CACHE_KEY";
  config.default_model = "gpt-4o-mini";
  return config;
}

ModelRequest Request() {
  ModelRequest request;
  request.model = "gpt-4o-mini";
  request.system = "You triage insurance claims.";
  request.messages = {{ChatMessage::Role::kUser, "Claim C-000017"}};
  request.schema = {{"type", "object"}, {"properties", {{"amount", {{"type", "number"}}}}}};
  return request;
}

TEST(CacheKeyTest, DiffersByEveryInputAndSample) {
  const std::string base = CacheKey(OpenAi(), Request(), 0);
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(base, CacheKey(OpenAi(), Request(), 0));  // deterministic

  std::vector<std::pair<std::string, std::string>> keys;
  auto with_config = [&](std::string what, const std::function<void(ProviderConfig&)>& change) {
    ProviderConfig config = OpenAi();
    change(config);
    keys.emplace_back(std::move(what), CacheKey(config, Request(), 0));
  };
  auto with_request = [&](std::string what, const std::function<void(ModelRequest&)>& change) {
    ModelRequest request = Request();
    change(request);
    keys.emplace_back(std::move(what), CacheKey(OpenAi(), request, 0));
  };
  with_config("provider", [](ProviderConfig& c) { c.name = "azure"; });
  with_config("protocol",
              [](ProviderConfig& c) { c.protocol = ProviderConfig::Protocol::kOllama; });
  with_config("base_url", [](ProviderConfig& c) { c.base_url = "http://127.0.0.1:8080/v1"; });
  with_config("structured",
              [](ProviderConfig& c) { c.structured = ProviderConfig::Structured::kNone; });
  with_request("model", [](ModelRequest& r) { r.model = "gpt-4o"; });
  with_request("system", [](ModelRequest& r) { r.system += " "; });
  with_request("message", [](ModelRequest& r) { r.messages[0].content = "Claim C-000018"; });
  with_request("role", [](ModelRequest& r) { r.messages[0].role = ChatMessage::Role::kAssistant; });
  with_request("retry turn", [](ModelRequest& r) {
    r.messages.push_back({ChatMessage::Role::kAssistant, "{}"});
  });
  with_request("schema", [](ModelRequest& r) { r.schema["required"] = Json::array({"amount"}); });
  with_request("temperature", [](ModelRequest& r) { r.temperature = 0.7; });
  with_request("seed", [](ModelRequest& r) { r.seed = 43; });
  with_request("no seed", [](ModelRequest& r) { r.seed.reset(); });
  with_request("max_tokens", [](ModelRequest& r) { r.max_tokens = 2048; });
  with_request("logprobs", [](ModelRequest& r) { r.logprobs = true; });
  keys.emplace_back("sample", CacheKey(OpenAi(), Request(), 1));

  std::set<std::string> distinct = {base};
  for (const auto& [what, key] : keys) {
    EXPECT_NE(key, base) << what << " does not change the key";
    EXPECT_TRUE(distinct.insert(key).second) << what << " collides with another change";
  }
}

TEST(CacheKeyTest, HasNoSecret) {
  constexpr const char* kSecret = "sk-test-SECRET-0123456789";
  unsetenv("FLOWLINE_TEST_CACHE_KEY");
  const std::string without = CacheKey(OpenAi(), Request(), 0);
  setenv("FLOWLINE_TEST_CACHE_KEY", kSecret, 1);
  const std::string with = CacheKey(OpenAi(), Request(), 0);
  ProviderConfig other_env = OpenAi();
  other_env.api_key_env = "SOME_OTHER_KEY";  // where the key comes from does not shape answers
  const std::string other = CacheKey(other_env, Request(), 0);
  unsetenv("FLOWLINE_TEST_CACHE_KEY");
  EXPECT_EQ(with, without);
  EXPECT_EQ(other, without);
  EXPECT_EQ(with.find("SECRET"), std::string::npos);
}

}  // namespace
}  // namespace flowline::ai::llm
