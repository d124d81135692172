// The queue trigger tests' broker: a throw-away RabbitMQ node (scripts/rabbitmq-test-server.sh)
// that ctest's `rabbitmq` fixture starts, with a vhost and user of its own.
//
// The node is found through $FLOWLINE_TEST_AMQP_URL, else the env file named by
// $FLOWLINE_TEST_RABBITMQ_ENV_FILE (ctest sets it to the fixture's DIR/env). Without either, the
// helpers fail with a message that says how to start a node: queue tests never skip.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace flowline::triggers::testing {

// amqp://flowline:PASSWORD@127.0.0.1:PORT/flowline; FailedPrecondition if no node is set.
absl::StatusOr<std::string> TestAmqpUrl();

// A queue name no other test uses: "<prefix>-<pid>-<n>-<random>".
std::string NewTestQueueName(std::string_view prefix);

// Runs `rabbitmqctl ARGS` against the test node (through the script's `ctl` action), e.g. to set
// a dead-letter policy. Internal when the command fails (its output in the message).
absl::Status RabbitmqCtl(const std::string& args);

}  // namespace flowline::triggers::testing
