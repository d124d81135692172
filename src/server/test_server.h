// A real API server for tests: a SqliteStore in a temporary directory, an engine with the
// system step kinds and two workers, the server on a free port, one token per role, and an
// httplib client with helpers that return the status and the parsed JSON body.
#pragma once

#include <httplib.h>

#include <map>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/json_util.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
#include "server/api_server.h"
#include "server/auth.h"
#include "steps/artifacts.h"
#include "steps/step_kind.h"
#include "store/store.h"

namespace flowline::server {

struct ApiResponse {
  int status = 0;  // 0: no response (connection failed)
  Json body;       // parsed JSON, or the raw text as a string if it is not JSON
  std::string content_type;
  std::string allow;  // the Allow header
};

class TestServer {
 public:
  explicit TestServer(ApiServerOptions options = {});
  ~TestServer();

  // A token per role, created at start: "admin", "operator", "reviewer", "viewer".
  const std::string& Token(const std::string& role) const { return tokens_.at(role); }

  // Requests with `token` as the bearer token ("" for none).
  ApiResponse Get(const std::string& path, const std::string& token) const;
  ApiResponse Post(const std::string& path, const std::string& body, const std::string& token,
                   const std::string& content_type = "application/json",
                   const httplib::Headers& headers = {}) const;
  ApiResponse Delete(const std::string& path, const std::string& token) const;
  ApiResponse Send(const std::string& method, const std::string& path, const std::string& body,
                   const std::string& token) const;

  // Sends `request` as it is (raw HTTP/1.1) and returns everything the server answers until it
  // closes the connection; for requests httplib::Client cannot make.
  std::string RawHttp(const std::string& request) const;

  // Deploys through the API as operator; the test fails unless it answers 200 or 201.
  std::string Deploy(const std::string& yaml) const;
  // Starts a run through the API as operator; returns the run id (empty on failure).
  std::string StartRun(const std::string& workflow, const Json& input) const;
  // Polls the task list until `run_id` has an open task; returns its id (empty on timeout).
  std::string WaitForTask(const std::string& run_id) const;

  ApiServer& api() { return *api_; }
  engine::Engine& engine() { return *engine_; }
  store::Store& store() { return *store_; }
  steps::ArtifactStore& artifacts() { return *artifacts_; }
  int port() const { return api_->port(); }

 private:
  common::TempDir dir_;
  std::unique_ptr<steps::ArtifactStore> artifacts_;
  std::unique_ptr<store::Store> store_;
  steps::StepKindRegistry registry_;
  common::SeededRandom random_{42};
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<ApiServer> api_;
  std::map<std::string, std::string> tokens_;
};

// HMAC signature header value for `body` under `secret`: "sha256=<hex>".
std::string Signature(const std::string& secret, const std::string& body);

}  // namespace flowline::server
