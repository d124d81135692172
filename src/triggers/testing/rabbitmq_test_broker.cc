#include "triggers/testing/rabbitmq_test_broker.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::triggers::testing {
namespace {

// VAR's value in the fixture's env file (lines VAR=value), or "".
std::string FromEnvFile(std::string_view var) {
  const char* file = std::getenv("FLOWLINE_TEST_RABBITMQ_ENV_FILE");
  if (file == nullptr || *file == '\0') return "";
  std::ifstream in(file);
  std::string line;
  const std::string prefix = absl::StrCat(Sv(var), "=");
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, prefix)) return line.substr(prefix.size());
  }
  return "";
}

}  // namespace

absl::StatusOr<std::string> TestAmqpUrl() {
  if (const char* url = std::getenv("FLOWLINE_TEST_AMQP_URL"); url != nullptr && *url != '\0') {
    return std::string(url);
  }
  std::string url = FromEnvFile("FLOWLINE_TEST_AMQP_URL");
  if (!url.empty()) return url;
  return absl::FailedPreconditionError(
      "no RabbitMQ test node: run the test through ctest (its `rabbitmq` fixture starts one), or "
      "start one with `scripts/rabbitmq-test-server.sh start DIR` and set "
      "FLOWLINE_TEST_RABBITMQ_ENV_FILE=DIR/env");
}

std::string NewTestQueueName(std::string_view prefix) {
  static std::atomic<int> counter{0};
  std::random_device random;
  return absl::StrCat(Sv(prefix), "-", getpid(), "-", counter++, "-", random() % 1000000);
}

absl::Status RabbitmqCtl(const std::string& args) {
  const std::string dir = FromEnvFile("FLOWLINE_TEST_RABBITMQ_DIR");
  const std::string script = FromEnvFile("FLOWLINE_TEST_RABBITMQ_SCRIPT");
  if (dir.empty() || script.empty()) {
    return absl::FailedPreconditionError(
        "rabbitmqctl needs the fixture's env file ($FLOWLINE_TEST_RABBITMQ_ENV_FILE, written by "
        "scripts/rabbitmq-test-server.sh start DIR)");
  }
  const std::string command = absl::StrCat("'", script, "' ctl '", dir, "' ", args, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError(absl::StrCat("cannot run ", command));
  std::string output;
  char buffer[512];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  if (status != 0) {
    return absl::InternalError(absl::StrCat("`rabbitmqctl ", args, "` failed: ", output));
  }
  return absl::OkStatus();
}

}  // namespace flowline::triggers::testing
