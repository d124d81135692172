// A real HTTP server on 127.0.0.1 (an ephemeral port) for the tests of outbound HTTP.
//
// Test-only. Handlers are registered on server() before Start(); the destructor releases any
// handler blocked in WaitForRelease() and stops the server.
//
// The server closes each connection after one response unless keep_alive is set: httplib's
// stop() waits for idle keep-alive connections to time out (5 s), and a client's connection
// stays open as long as its thread's curl handle does. A test that turns keep-alive on must end
// its client's thread (which closes the connection) before the server is destroyed.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"

namespace flowline::steps::testing {

class TestHttpServer {
 public:
  explicit TestHttpServer(bool keep_alive = false) {
    if (!keep_alive) server_.set_keep_alive_max_count(1);
  }
  ~TestHttpServer() {
    Release();
    if (thread_.joinable()) {
      // stop() only takes effect once the accept loop runs; wait for it to start (or to have
      // given up).
      while (!server_.is_running() && !listen_returned_) std::this_thread::yield();
      server_.stop();
      thread_.join();
    }
  }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  httplib::Server& server() { return server_; }

  // Binds and starts serving. The socket listens once this returns, so requests made right
  // after are queued, never refused.
  void Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return;  // requests to port() then fail, and so does the test
    thread_ = std::thread([this] {
      server_.listen_after_bind();
      listen_returned_ = true;
    });
  }

  int port() const { return port_; }
  std::string Url(std::string_view path) const {
    return absl::StrCat("http://127.0.0.1:", port_, std::string(path));
  }

  // For "slow" handlers: blocks until Release() (bounded, so a broken test cannot hang).
  void WaitForRelease() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(30), [this] { return released_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> listen_returned_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

}  // namespace flowline::steps::testing
