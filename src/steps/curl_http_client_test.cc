#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "steps/http_client.h"
#include "steps/test_http_server.h"

namespace flowline::steps {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Pair;

class CurlHttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& svr = server_.server();
    svr.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("X-Method", req.method);
      res.set_header("X-Content-Type", req.get_header_value("Content-Type"));
      res.set_header("X-Custom", req.get_header_value("X-Custom"));
      res.set_content(req.body, "text/plain");
    });
    svr.Get("/query", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.get_param_value("q"), "text/plain");
    });
    svr.Delete("/thing", [](const httplib::Request& req, httplib::Response& res) {
      res.status = 204;
      res.set_header("X-Method", req.method);
    });
    svr.Get("/missing", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content("no such thing", "text/plain");
    });
    svr.Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
      server_.WaitForRelease();
      res.set_content("late", "text/plain");
    });
    server_.Start();
  }

  testing::TestHttpServer server_;
  std::unique_ptr<HttpClient> client_ = NewCurlHttpClient();
};

TEST_F(CurlHttpClientTest, SendsMethodHeadersAndBodyAndCapturesResponse) {
  HttpRequest request;
  request.method = "POST";
  request.url = server_.Url("/echo");
  request.headers = {{"Content-Type", "application/json"}, {"X-Custom", "one"}};
  request.body = R"({"a":1})";
  absl::StatusOr<HttpResponse> response = client_->Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"a":1})");
  // Names are lower-cased; Header() looks them up case-insensitively.
  EXPECT_THAT(response->headers, Contains(Pair("x-method", "POST")));
  EXPECT_EQ(response->Header("X-Content-Type"), "application/json");
  EXPECT_EQ(response->Header("x-custom"), "one");
  EXPECT_EQ(response->Header("x-absent"), "");
}

TEST_F(CurlHttpClientTest, LargeBodyIsSentWithoutExpectContinue) {
  HttpRequest request;
  request.method = "POST";
  request.url = server_.Url("/echo");
  request.body = std::string(100'000, 'x');
  absl::StatusOr<HttpResponse> response = client_->Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body.size(), 100'000u);
  // No Content-Type was asked for, and libcurl's form default is not invented.
  EXPECT_EQ(response->Header("x-content-type"), "");
}

TEST_F(CurlHttpClientTest, NonGetMethodWithoutBodyAndNon2xxAreResponses) {
  HttpRequest request;
  request.method = "DELETE";
  request.url = server_.Url("/thing");
  absl::StatusOr<HttpResponse> response = client_->Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 204);
  EXPECT_EQ(response->Header("x-method"), "DELETE");

  request.method = "GET";
  request.url = server_.Url("/missing");
  response = client_->Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body, "no such thing");
}

TEST(CurlHttpClientKeepAliveTest, ReusesTheConnectionWithinAThread) {
  testing::TestHttpServer server(/*keep_alive=*/true);
  server.server().Get("/port", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(std::to_string(req.remote_port), "text/plain");
  });
  server.Start();
  std::vector<std::string> ports;
  // On its own thread, whose exit closes the connection before the server stops.
  std::thread worker([&] {
    std::unique_ptr<HttpClient> client = NewCurlHttpClient();
    HttpRequest request;
    request.url = server.Url("/port");
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<HttpResponse> response = client->Send(request);
      ports.push_back(response.ok() ? response->body : response.status().ToString());
    }
  });
  worker.join();
  ASSERT_EQ(ports.size(), 3u);
  // The same client port each time: one TCP connection served all three requests.
  EXPECT_EQ(ports[0], ports[1]);
  EXPECT_EQ(ports[1], ports[2]);
}

TEST_F(CurlHttpClientTest, ReusesTheThreadHandleAcrossRequests) {
  HttpRequest request;
  request.url = server_.Url("/query?q=first");
  ASSERT_EQ(client_->Send(request)->body, "first");
  // A second client on the same thread shares the handle; nothing of the first request leaks.
  std::unique_ptr<HttpClient> other = NewCurlHttpClient();
  request.url = server_.Url("/query?q=second");
  absl::StatusOr<HttpResponse> response = other->Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "second");
  EXPECT_EQ(response->Header("x-method"), "");
}

TEST_F(CurlHttpClientTest, TimeoutIsDeadlineExceeded) {
  HttpRequest request;
  request.url = server_.Url("/slow");
  request.timeout = absl::Milliseconds(200);
  absl::StatusOr<HttpResponse> response = client_->Send(request);
  server_.Release();
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
}

TEST_F(CurlHttpClientTest, NoTimeLeftFailsWithoutSending) {
  HttpRequest request;
  request.url = server_.Url("/slow");
  request.timeout = absl::ZeroDuration();
  EXPECT_EQ(client_->Send(request).status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(CurlHttpClientTest, RefusedConnectionIsUnavailable) {
  // A port that was free a moment ago and has no listener.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);

  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/";
  EXPECT_EQ(client_->Send(request).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(CurlHttpClientTest, MalformedUrlAndOtherSchemesAreInvalidArgument) {
  HttpRequest request;
  request.url = "http://[::1";
  EXPECT_EQ(client_->Send(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.url = "file:///etc/passwd";
  EXPECT_EQ(client_->Send(request).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(CurlHttpClientTest, HeaderInjectionIsRejected) {
  HttpRequest request;
  request.url = server_.Url("/query?q=x");
  request.headers = {{"X-Custom", "a\r\nX-Evil: 1"}};
  absl::Status status = client_->Send(request).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("X-Custom"));
}

}  // namespace
}  // namespace flowline::steps
