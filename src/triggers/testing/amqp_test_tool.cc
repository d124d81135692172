// flowline-amqp-test-tool: what the queue trigger's whole-program tests do to the RabbitMQ test
// node (tests/triggers/), without a Python AMQP client.
//
//   flowline-amqp-test-tool publish URL QUEUE FILE   declare QUEUE (durable), publish each line
//                                                     of FILE "MESSAGE_ID<TAB>BODY" (an empty id:
//                                                     no message-id), persistent, confirmed
//   flowline-amqp-test-tool count URL QUEUE          print the ready messages in QUEUE
//
// URL may be "-": read it from $FLOWLINE_TEST_AMQP_URL (keeps the password off command lines).
// Exit status 0 on success, 1 with the error on stderr.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "triggers/amqp_channel.h"

namespace {

int Fail(const absl::Status& status) {
  std::cerr << "flowline-amqp-test-tool: " << status << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using flowline::triggers::AmqpChannel;
  if (argc < 4) {
    std::cerr << "usage: flowline-amqp-test-tool publish URL QUEUE FILE | count URL QUEUE\n";
    return 2;
  }
  const std::string command = argv[1];
  std::string url = argv[2];
  if (url == "-") {
    const char* env = std::getenv("FLOWLINE_TEST_AMQP_URL");
    url = env != nullptr ? env : "";
  }
  const std::string queue = argv[3];
  auto channel = AmqpChannel::Open(url);
  if (!channel.ok()) return Fail(channel.status());
  if (command == "count") {
    auto count = (*channel)->MessageCount(queue);
    if (!count.ok()) return Fail(count.status());
    std::cout << *count << "\n";
    return 0;
  }
  if (command != "publish" || argc < 5) {
    std::cerr << "usage: flowline-amqp-test-tool publish URL QUEUE FILE | count URL QUEUE\n";
    return 2;
  }
  if (absl::Status s = (*channel)->DeclareQueue(queue); !s.ok()) return Fail(s);
  if (absl::Status s = (*channel)->ConfirmPublishes(); !s.ok()) return Fail(s);
  std::ifstream in(argv[4]);
  if (!in) return Fail(absl::NotFoundError(std::string("cannot read ") + argv[4]));
  std::string line;
  int published = 0;
  while (std::getline(in, line)) {
    const size_t tab = line.find('\t');
    const std::string id = tab == std::string::npos ? "" : line.substr(0, tab);
    const std::string body = tab == std::string::npos ? line : line.substr(tab + 1);
    if (absl::Status s = (*channel)->Publish("", queue, body, id); !s.ok()) return Fail(s);
    ++published;
  }
  std::cout << published << "\n";
  return 0;
}
