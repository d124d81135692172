#include "server/http_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/deploy_diagnostics.h"

namespace flowline::server {
namespace {

TEST(HttpStatusTest, MapsEveryCanonicalCode) {
  using C = absl::StatusCode;
  const std::vector<std::pair<C, int>> table = {
      {C::kInvalidArgument, 400},
      {C::kUnauthenticated, 401},
      {C::kPermissionDenied, 403},
      {C::kNotFound, 404},
      {C::kAlreadyExists, 409},
      {C::kAborted, 409},
      {C::kFailedPrecondition, 409},
      {C::kResourceExhausted, 429},
      {C::kUnimplemented, 501},
      {C::kUnavailable, 503},
      {C::kDeadlineExceeded, 504},
      {C::kInternal, 500},
      {C::kUnknown, 500},
      {C::kDataLoss, 500},
      {C::kOutOfRange, 500},
      {C::kCancelled, 500},
  };
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusFor(code), http) << absl::StatusCodeToString(code);
  }
}

TEST(HttpStatusTest, ErrorBodyHasCodeMessageAndOptionalDetails) {
  HttpError error = ErrorFromStatus(absl::NotFoundError("run run_1 not found"));
  EXPECT_EQ(error.http_status, 404);
  EXPECT_EQ(error.ToJson(),
            Json::parse(R"({"error": {"code": "not_found", "message": "run run_1 not found"}})"));

  error = ErrorFromStatus(absl::InvalidArgumentError(
      "the input does not match the workflow's input schema:\n  /id: missing\n  /total: type"));
  EXPECT_EQ(error.message, "the input does not match the workflow's input schema");
  EXPECT_EQ(error.ToJson()["error"]["details"],
            Json::parse(R"([{"message": "/id: missing"}, {"message": "/total: type"}])"));

  error = ErrorFromStatus(
      WithDetails(absl::FailedPreconditionError("no"), Json::array({{{"line", 3}}})));
  EXPECT_EQ(error.http_status, 409);
  EXPECT_EQ(error.code, "failed_precondition");
  EXPECT_EQ(error.details, Json::parse(R"([{"line": 3}])"));
}

TEST(HttpStatusTest, HttpOnlyErrorsHaveTheirOwnCodes) {
  EXPECT_EQ(ErrorForHttpStatus(413, "too big").code, "payload_too_large");
  EXPECT_EQ(ErrorForHttpStatus(405, "no").code, "method_not_allowed");
  EXPECT_EQ(ErrorForHttpStatus(404, "no").code, "not_found");
}

TEST(DeployDiagnosticsTest, ParsesDiagnosticLines) {
  Json details = DiagnosticDetails(
      "my:spec.yaml:3:5: error: unknown field 'stpes' (hint: did you mean 'steps'?)\n"
      "spec.yaml:7: error: no column here\n"
      "spec.yaml: error: the spec has no `steps:` (hint: list them (e.g. `- id: a`))\n"
      "step x: the script step refused its configuration");
  ASSERT_EQ(details.size(), 4u);
  EXPECT_EQ(details[0], Json::parse(R"({"file": "my:spec.yaml", "line": 3, "column": 5,
      "message": "unknown field 'stpes'", "hint": "did you mean 'steps'?"})"));
  EXPECT_EQ(details[1]["line"], 7);
  EXPECT_EQ(details[1]["column"], 0);
  EXPECT_EQ(details[2]["line"], 0);
  EXPECT_EQ(details[2]["hint"], "list them (e.g. `- id: a`)");
  EXPECT_EQ(details[3],
            Json::parse(R"({"message": "step x: the script step refused its configuration"})"));
}

TEST(DeployDiagnosticsTest, DeployErrorSummarisesAndAttachesDetails) {
  absl::Status status = DeployError(
      absl::InvalidArgumentError("a.yaml:1:1: error: one\na.yaml:2:1: error: two (hint: fix it)"));
  HttpError error = ErrorFromStatus(status);
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.message, "the workflow spec has 2 problems; see details");
  ASSERT_EQ(error.details.size(), 2u);
  EXPECT_EQ(error.details[1]["hint"], "fix it");
  EXPECT_TRUE(absl::IsUnavailable(DeployError(absl::UnavailableError("store down"))));
}

}  // namespace
}  // namespace flowline::server
