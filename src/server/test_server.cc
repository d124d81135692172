#include "server/test_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/ids.h"
#include "steps/system_step_kinds.h"
#include "store/sqlite/scratch_options.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::server {
namespace {

ApiResponse ToResponse(const httplib::Result& result) {
  ApiResponse out;
  if (!result) return out;
  out.status = result->status;
  out.content_type = result->get_header_value("Content-Type");
  out.allow = result->get_header_value("Allow");
  absl::StatusOr<Json> parsed = common::ParseJson(result->body, "response");
  out.body = parsed.ok() ? *parsed : Json(result->body);
  return out;
}

httplib::Headers AuthHeaders(const std::string& token, httplib::Headers extra = {}) {
  if (!token.empty()) extra.emplace("Authorization", "Bearer " + token);
  return extra;
}

}  // namespace

TestServer::TestServer(ApiServerOptions options) {
  store::sqlite::SqliteStoreOptions store_options =
      store::sqlite::ScratchStoreOptions(dir_.File("flowline.db"));
  absl::StatusOr<std::unique_ptr<store::sqlite::SqliteStore>> store =
      store::sqlite::SqliteStore::Open(store_options);
  if (!store.ok()) {
    ADD_FAILURE() << store.status();
    return;
  }
  store_ = *std::move(store);
  steps::RegisterSystemStepKinds(registry_);
  artifacts_ = steps::NewFileArtifactStore(dir_.File("artifacts"));
  if (options.artifacts == nullptr) options.artifacts = artifacts_.get();
  engine::EngineOptions engine_options;
  engine_options.workers = 2;
  engine_options.artifacts = artifacts_.get();
  engine_ = std::make_unique<engine::Engine>(std::move(engine_options), *store_, registry_,
                                             common::SystemClock::Get(), random_, nullptr);
  absl::Status started = engine_->Start();
  EXPECT_TRUE(started.ok()) << started;
  absl::StatusOr<std::unique_ptr<ApiServer>> api =
      ApiServer::Create(options, *engine_, *store_, common::SystemClock::Get(), random_);
  if (!api.ok()) {
    ADD_FAILURE() << api.status();
    return;
  }
  api_ = *std::move(api);
  absl::Status listening = api_->Listen("127.0.0.1", 0);
  EXPECT_TRUE(listening.ok()) << listening;
  for (const char* role : {"admin", "operator", "reviewer", "viewer"}) {
    absl::StatusOr<std::string> secret =
        api_->tokens().CreateToken(absl::StrCat("test-", role), role);
    EXPECT_TRUE(secret.ok()) << secret.status();
    if (secret.ok()) tokens_[role] = *secret;
  }
}

TestServer::~TestServer() {
  if (api_ != nullptr) api_->Stop();
  if (engine_ != nullptr) engine_->Stop();
}

ApiResponse TestServer::Get(const std::string& path, const std::string& token) const {
  httplib::Client client("127.0.0.1", port());
  return ToResponse(client.Get(path.c_str(), AuthHeaders(token)));
}

ApiResponse TestServer::Post(const std::string& path, const std::string& body,
                             const std::string& token, const std::string& content_type,
                             const httplib::Headers& headers) const {
  httplib::Client client("127.0.0.1", port());
  return ToResponse(
      client.Post(path.c_str(), AuthHeaders(token, headers), body, content_type.c_str()));
}

ApiResponse TestServer::Delete(const std::string& path, const std::string& token) const {
  httplib::Client client("127.0.0.1", port());
  return ToResponse(client.Delete(path.c_str(), AuthHeaders(token)));
}

ApiResponse TestServer::Send(const std::string& method, const std::string& path,
                             const std::string& body, const std::string& token) const {
  if (method == "GET") return Get(path, token);
  if (method == "DELETE") return Delete(path, token);
  if (method == "POST") return Post(path, body, token);
  httplib::Client client("127.0.0.1", port());
  if (method == "PUT") {
    return ToResponse(client.Put(path.c_str(), AuthHeaders(token), body, "application/json"));
  }
  ADD_FAILURE() << "unsupported method " << method;
  return {};
}

std::string TestServer::RawHttp(const std::string& request) const {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    for (ssize_t n; (n = recv(fd, buffer, sizeof(buffer), 0)) > 0;) response.append(buffer, n);
  }
  close(fd);
  return response;
}

std::string TestServer::Deploy(const std::string& yaml) const {
  ApiResponse response = Post("/api/v1/workflows", yaml, Token("operator"), "application/yaml");
  EXPECT_TRUE(response.status == 200 || response.status == 201) << response.body.dump(2);
  return response.body.value("workflow", "");
}

std::string TestServer::StartRun(const std::string& workflow, const Json& input) const {
  ApiResponse response =
      Post(absl::StrCat("/api/v1/workflows/", workflow, "/runs"), input.dump(), Token("operator"));
  EXPECT_TRUE(response.status == 200 || response.status == 201) << response.body.dump(2);
  return response.body.value("run_id", "");
}

std::string TestServer::WaitForTask(const std::string& run_id) const {
  // The review step opens its task on a worker thread; poll the API the way a client would.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    ApiResponse response = Get("/api/v1/tasks?run_id=" + run_id, Token("viewer"));
    if (response.status == 200 && !response.body["tasks"].empty()) {
      return response.body["tasks"][0]["task_id"].get<std::string>();
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  ADD_FAILURE() << "no task appeared for run " << run_id;
  return "";
}

std::string Signature(const std::string& secret, const std::string& body) {
  return "sha256=" + common::HmacSha256Hex(secret, body);
}

}  // namespace flowline::server
