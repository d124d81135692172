// GET /api/v1/artifacts/{ref}: stored page images for the review screen.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/test_server.h"

namespace flowline::server {
namespace {

constexpr char kPng[] = "\x89PNG\r\n\x1a\n fake image bytes";

TEST(ApiArtifactsTest, ServesAStoredImageWithItsTypeToAnyReader) {
  TestServer server;
  const std::string bytes(kPng, sizeof(kPng) - 1);
  absl::StatusOr<std::string> ref = server.artifacts().Put(bytes, "png");
  ASSERT_TRUE(ref.ok()) << ref.status();

  httplib::Client client("127.0.0.1", server.port());
  httplib::Result got = client.Get("/api/v1/artifacts/" + *ref,
                                   {{"Authorization", "Bearer " + server.Token("viewer")}});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, bytes);
  EXPECT_EQ(got->get_header_value("Content-Type"), "image/png");
  EXPECT_EQ(got->get_header_value("Cache-Control"), "private, max-age=31536000, immutable");

  // The colon may come URL-encoded (as the web UI sends it).
  std::string encoded = *ref;
  encoded.replace(encoded.find(':'), 1, "%3A");
  httplib::Result again = client.Get("/api/v1/artifacts/" + encoded,
                                     {{"Authorization", "Bearer " + server.Token("viewer")}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(again->body, bytes);
}

TEST(ApiArtifactsTest, RejectsMalformedRefsAndAnswers404ForUnknownOnes) {
  TestServer server;
  const std::string viewer = server.Token("viewer");
  for (const std::string& bad : std::vector<std::string>{
           "nope", "sha256:abc.png", "sha256:" + std::string(64, 'g') + ".png",
           "sha256:" + std::string(64, 'a') + ".PNG", "sha256:" + std::string(64, 'a') + "."}) {
    ApiResponse response = server.Get("/api/v1/artifacts/" + bad, viewer);
    EXPECT_EQ(response.status, 400) << bad << ": " << response.body.dump();
    EXPECT_EQ(response.body["error"]["code"], "invalid_argument") << bad;
  }
  // Encoded slashes are decoded before routing: no route, and nothing read.
  ApiResponse traversal = server.Get("/api/v1/artifacts/..%2F..%2Fetc%2Fpasswd", viewer);
  EXPECT_EQ(traversal.status, 404);
  EXPECT_EQ(traversal.body["error"]["code"], "not_found");
  ApiResponse unknown =
      server.Get("/api/v1/artifacts/sha256:" + std::string(64, 'a') + ".png", viewer);
  EXPECT_EQ(unknown.status, 404) << unknown.body.dump();
  EXPECT_EQ(unknown.body["error"]["code"], "not_found");
}

TEST(ApiArtifactsTest, NeedsAToken) {
  TestServer server;
  absl::StatusOr<std::string> ref = server.artifacts().Put("abc", "png");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(server.Get("/api/v1/artifacts/" + *ref, "").status, 401);
  EXPECT_EQ(server.Get("/api/v1/artifacts/" + *ref, "flt_wrong").status, 401);
}

}  // namespace
}  // namespace flowline::server
