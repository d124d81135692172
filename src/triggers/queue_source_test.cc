// The queue trigger against the real RabbitMQ test node (ctest's `rabbitmq` fixture) and a real
// SQLite store and engine, with a fake clock.
#include "triggers/queue_source.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "steps/connections.h"
#include "triggers/testing/rabbitmq_test_broker.h"
#include "triggers/testing/trigger_fixture.h"

namespace flowline::triggers {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kUrlVariable[] = "FLOWLINE_QUEUE_SOURCE_TEST_URL";

class QueueSourceTest : public testing::TriggerFixture {
 protected:
  void SetUp() override {
    TriggerFixture::SetUp();
    absl::StatusOr<std::string> url = testing::TestAmqpUrl();
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
    setenv(kUrlVariable, url_.c_str(), 1);
    auto connections = steps::Connections::Parse(
        absl::StrCat("connections:\n  events: { type: amqp, url_env: ", kUrlVariable,
                     " }\n  ledger: { type: sqlite, path: ledger.db }\n"),
        dir_.File("connections.yaml"));
    ASSERT_TRUE(connections.ok()) << connections.status();
    connections_ = *std::move(connections);
    queue_ = testing::NewTestQueueName("trigger");
    auto publisher = AmqpChannel::Open(url_);
    ASSERT_TRUE(publisher.ok()) << publisher.status();
    publisher_ = *std::move(publisher);
    ASSERT_TRUE(publisher_->DeclareQueue(queue_).ok());
    ASSERT_TRUE(publisher_->ConfirmPublishes().ok());
    Deploy(absl::StrCat(R"(
workflow: signups
input:
  schema: { type: object, required: [email] }
triggers:
  - queue: { connection: events, queue: )",
                        queue_, R"(, prefetch: 5 }
steps:
  - id: echo
    uses: script
    with: { code: "return { email = input.email }" }
)"));
  }

  std::unique_ptr<TriggerHost> NewQueueHost() {
    TriggerHostOptions options = WithConnections(connections_);
    options.poll_budget = absl::Milliseconds(300);
    return NewHost(std::move(options));
  }

  void Publish(const std::string& body, const std::string& message_id = "") {
    absl::Status published = publisher_->Publish("", queue_, body, message_id);
    ASSERT_TRUE(published.ok()) << published;
  }

  // Polls until `runs` runs exist (each pass waits at most the poll budget for messages).
  void PollUntilRuns(TriggerHost& host, size_t runs) {
    for (int i = 0; i < 50 && Runs("signups").size() < runs; ++i) {
      absl::Status polled = host.PollAllOnce();
      ASSERT_TRUE(polled.ok()) << polled;
    }
    ASSERT_THAT(Runs("signups"), SizeIs(runs));
  }

  uint32_t Ready(const std::string& queue) {
    auto observer = AmqpChannel::Open(url_);
    EXPECT_TRUE(observer.ok()) << observer.status();
    if (!observer.ok()) return 0;
    auto count = (*observer)->MessageCount(queue);
    EXPECT_TRUE(count.ok()) << count.status();
    return count.ok() ? *count : 0;
  }

  std::string url_;
  std::string queue_;
  steps::Connections connections_;
  std::unique_ptr<AmqpChannel> publisher_;
};

TEST_F(QueueSourceTest, EachMessageStartsOneRunAndIsAcknowledgedAfterIt) {
  Publish(R"({"email":"ada@example.com","plan":"pro"})", "signup-1");
  Publish(R"({"email":"bob@example.com"})");  // no message-id: keyed by the body's SHA-256
  auto host = NewQueueHost();
  PollUntilRuns(*host, 2);
  host.reset();  // closes the connection: anything unacknowledged would go back to the queue
  EXPECT_EQ(Ready(queue_), 0u);

  std::vector<store::Run> runs = Runs("signups");
  std::map<std::string, Json> by_key;
  for (const store::Run& run : runs) by_key[run.business_key] = Json::parse(run.input_json);
  ASSERT_TRUE(by_key.contains("signup-1"));
  EXPECT_EQ(by_key["signup-1"]["email"], "ada@example.com");
  EXPECT_EQ(by_key["signup-1"]["plan"], "pro");
  EXPECT_EQ(by_key["signup-1"]["_message"],
            (Json{{"message_id", "signup-1"}, {"routing_key", queue_}, {"exchange", ""}}));
  const std::string body_key = common::Sha256Hex(R"({"email":"bob@example.com"})");
  ASSERT_TRUE(by_key.contains(body_key));
  EXPECT_EQ(by_key[body_key]["email"], "bob@example.com");
}

TEST_F(QueueSourceTest, AMessageDeliveredAgainIsTheSameRun) {
  // The same message-id twice: what a redelivery after a crash between StartRun and the ack
  // looks like to the trigger.
  Publish(R"({"email":"ada@example.com"})", "signup-7");
  Publish(R"({"email":"ada@example.com"})", "signup-7");
  Publish(R"({"email":"eve@example.com"})", "signup-8");
  auto host = NewQueueHost();
  PollUntilRuns(*host, 2);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(host->PollAllOnce().ok());
  EXPECT_THAT(Runs("signups"), SizeIs(2));
  host.reset();
  EXPECT_EQ(Ready(queue_), 0u);
}

TEST_F(QueueSourceTest, AMessageBreakingTheInputSchemaIsDeadLetteredNotRun) {
  const std::string dead = queue_ + "-dead";
  ASSERT_TRUE(
      testing::RabbitmqCtl(
          absl::StrCat("set_policy -p flowline --apply-to queues ", queue_, "-policy '^", queue_,
                       "$' '{\"dead-letter-exchange\":\"\",\"dead-letter-routing-key\":\"", dead,
                       "\"}'"))
          .ok());
  ASSERT_TRUE(publisher_->DeclareQueue(dead).ok());
  Publish("not json at all", "bad-1");  // input {"body": ...}: no email
  Publish(R"({"email":"ada@example.com"})", "good-1");
  auto host = NewQueueHost();
  PollUntilRuns(*host, 1);
  EXPECT_EQ(Runs("signups")[0].business_key, "good-1");
  host.reset();
  EXPECT_EQ(Ready(queue_), 0u);
  EXPECT_EQ(Ready(dead), 1u);
}

TEST_F(QueueSourceTest, ReconnectsWithBackoffWhenTheConsumerIsCancelled) {
  Publish(R"({"email":"ada@example.com"})", "before");
  auto host = NewQueueHost();
  PollUntilRuns(*host, 1);
  // Deleting the queue cancels the consumer: the connection's consumer is gone for good.
  auto admin = AmqpChannel::Open(url_);
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE(testing::RabbitmqCtl(absl::StrCat("delete_queue -p flowline ", queue_)).ok());
  absl::Status broken = host->PollAllOnce();
  EXPECT_EQ(broken.code(), absl::StatusCode::kUnavailable) << broken;
  // The queue is back with a message; the source waits 1 s (the fake clock's) before it
  // connects again.
  ASSERT_TRUE((*admin)->DeclareQueue(queue_).ok());
  ASSERT_TRUE((*admin)->Publish("", queue_, R"({"email":"bob@example.com"})", "after").ok());
  ASSERT_TRUE(host->PollAllOnce().ok());
  EXPECT_THAT(Runs("signups"), SizeIs(1));
  clock_.Advance(absl::Seconds(1));
  PollUntilRuns(*host, 2);
}

TEST_F(QueueSourceTest, AWrongPasswordFailsThePassWithoutQuotingIt) {
  const std::string secret = "Wrong-Queue-Secret-99";
  const size_t colon = url_.find(':', std::string("amqp://").size());
  const size_t at = url_.find('@');
  setenv(kUrlVariable, (url_.substr(0, colon + 1) + secret + url_.substr(at)).c_str(), 1);
  auto host = NewQueueHost();
  absl::Status polled = host->PollAllOnce();
  EXPECT_EQ(polled.code(), absl::StatusCode::kUnavailable) << polled;
  EXPECT_THAT(polled.message(), HasSubstr("refused the login"));
  EXPECT_THAT(polled.message(), Not(HasSubstr(secret)));
  EXPECT_THAT(Runs("signups"), IsEmpty());
}

TEST(QueueSourceFactoryTest, NeedsAnAmqpConnection) {
  engine::TriggerSpec spec;
  spec.type = "queue";
  spec.id = "queue";
  spec.with = {{"connection", "ledger"}, {"queue", "signups"}};
  common::FakeClock clock;
  const steps::Connections none;
  absl::StatusOr<std::unique_ptr<TriggerSource>> missing = NewQueueSource(spec, {none, clock});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("no connections file"));

  auto connections = steps::Connections::Parse(
      "connections:\n  ledger: { type: sqlite, path: ledger.db }\n", "connections.yaml");
  ASSERT_TRUE(connections.ok()) << connections.status();
  absl::StatusOr<std::unique_ptr<TriggerSource>> wrong =
      NewQueueSource(spec, {*connections, clock});
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(wrong.status().message(), HasSubstr("ledger"));
}

TEST(QueueRunInputTest, AnObjectBodyIsTheInputAnythingElseIsText) {
  AmqpDelivery delivery;
  delivery.body = R"({"email":"ada@example.com","_message":"overwritten"})";
  delivery.routing_key = "signups";
  delivery.exchange = "events";
  delivery.content_type = "application/json";
  auto item = QueueRunInput(delivery);
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->input["email"], "ada@example.com");
  EXPECT_EQ(item->input["_message"], (Json{{"routing_key", "signups"},
                                           {"exchange", "events"},
                                           {"content_type", "application/json"}}));
  EXPECT_EQ(item->default_key, common::Sha256Hex(delivery.body));

  delivery.body = "[1, 2]";
  delivery.message_id = "m-1";
  item = QueueRunInput(delivery);
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->input["body"], "[1, 2]");
  EXPECT_EQ(item->default_key, "m-1");

  delivery.body = std::string("\xff\xfe binary", 9);
  EXPECT_EQ(QueueRunInput(delivery).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flowline::triggers
