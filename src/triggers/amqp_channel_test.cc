// AmqpChannel against the real RabbitMQ test node (ctest's `rabbitmq` fixture).
#include "triggers/amqp_channel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "triggers/testing/rabbitmq_test_broker.h"

namespace flowline::triggers {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::unique_ptr<AmqpChannel> OpenTestChannel() {
  absl::StatusOr<std::string> url = testing::TestAmqpUrl();
  EXPECT_TRUE(url.ok()) << url.status();
  if (!url.ok()) return nullptr;
  absl::StatusOr<std::unique_ptr<AmqpChannel>> channel = AmqpChannel::Open(*url);
  EXPECT_TRUE(channel.ok()) << channel.status();
  return channel.ok() ? std::move(*channel) : nullptr;
}

TEST(AmqpChannelTest, PublishedMessagesArriveInOrderAndAcknowledgedOnesAreGone) {
  std::unique_ptr<AmqpChannel> channel = OpenTestChannel();
  ASSERT_NE(channel, nullptr);
  const std::string queue = testing::NewTestQueueName("channel-order");
  ASSERT_TRUE(channel->DeclareQueue(queue).ok());
  ASSERT_TRUE(channel->ConfirmPublishes().ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(channel
                    ->Publish("", queue, absl::StrCat("{\"n\":", i, "}"),
                              i == 1 ? "" : absl::StrCat("m-", i))
                    .ok());
  }
  EXPECT_EQ(*channel->MessageCount(queue), 3u);

  ASSERT_TRUE(channel->SetPrefetch(2).ok());
  ASSERT_TRUE(channel->Consume(queue).ok());
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::optional<AmqpDelivery>> delivery = channel->Next(absl::Seconds(5));
    ASSERT_TRUE(delivery.ok()) << delivery.status();
    ASSERT_TRUE(delivery->has_value());
    EXPECT_EQ((*delivery)->body, absl::StrCat("{\"n\":", i, "}"));
    EXPECT_EQ((*delivery)->message_id, i == 1 ? "" : absl::StrCat("m-", i));
    EXPECT_EQ((*delivery)->routing_key, queue);
    EXPECT_EQ((*delivery)->exchange, "");
    EXPECT_FALSE((*delivery)->redelivered);
    ASSERT_TRUE(channel->Ack((*delivery)->delivery_tag).ok());
  }
  absl::StatusOr<std::optional<AmqpDelivery>> none = channel->Next(absl::Milliseconds(200));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(channel->IsBroken());

  std::unique_ptr<AmqpChannel> observer = OpenTestChannel();
  ASSERT_NE(observer, nullptr);
  EXPECT_EQ(*observer->MessageCount(queue), 0u);
}

TEST(AmqpChannelTest, UnacknowledgedDeliveriesComeBackToTheNextConsumer) {
  const std::string queue = testing::NewTestQueueName("channel-redeliver");
  {
    std::unique_ptr<AmqpChannel> publisher = OpenTestChannel();
    ASSERT_NE(publisher, nullptr);
    ASSERT_TRUE(publisher->DeclareQueue(queue).ok());
    ASSERT_TRUE(publisher->ConfirmPublishes().ok());
    ASSERT_TRUE(publisher->Publish("", queue, "one", "id-1").ok());
  }
  {
    std::unique_ptr<AmqpChannel> first = OpenTestChannel();
    ASSERT_NE(first, nullptr);
    ASSERT_TRUE(first->Consume(queue).ok());
    absl::StatusOr<std::optional<AmqpDelivery>> delivery = first->Next(absl::Seconds(5));
    ASSERT_TRUE(delivery.ok() && delivery->has_value());
    EXPECT_FALSE((*delivery)->redelivered);
  }  // closed without an ack
  std::unique_ptr<AmqpChannel> second = OpenTestChannel();
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(second->Consume(queue).ok());
  absl::StatusOr<std::optional<AmqpDelivery>> again = second->Next(absl::Seconds(5));
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->body, "one");
  EXPECT_EQ((*again)->message_id, "id-1");
  EXPECT_TRUE((*again)->redelivered);
}

TEST(AmqpChannelTest, RejectedWithoutRequeueGoesToTheDeadLetterQueue) {
  const std::string queue = testing::NewTestQueueName("channel-dlx");
  const std::string dead = queue + "-dead";
  // Dead-lettering by policy, the way RabbitMQ recommends configuring it.
  ASSERT_TRUE(
      testing::RabbitmqCtl(
          absl::StrCat("set_policy -p flowline --apply-to queues ", queue, "-policy '^", queue,
                       "$' '{\"dead-letter-exchange\":\"\",\"dead-letter-routing-key\":\"", dead,
                       "\"}'"))
          .ok());
  std::unique_ptr<AmqpChannel> channel = OpenTestChannel();
  ASSERT_NE(channel, nullptr);
  ASSERT_TRUE(channel->DeclareQueue(queue).ok());
  ASSERT_TRUE(channel->DeclareQueue(dead).ok());
  ASSERT_TRUE(channel->ConfirmPublishes().ok());
  ASSERT_TRUE(channel->Publish("", queue, "not json").ok());
  ASSERT_TRUE(channel->Publish("", queue, "requeued").ok());
  ASSERT_TRUE(channel->Consume(queue).ok());
  absl::StatusOr<std::optional<AmqpDelivery>> bad = channel->Next(absl::Seconds(5));
  ASSERT_TRUE(bad.ok() && bad->has_value());
  ASSERT_TRUE(channel->Reject((*bad)->delivery_tag, /*requeue=*/false).ok());
  absl::StatusOr<std::optional<AmqpDelivery>> other = channel->Next(absl::Seconds(5));
  ASSERT_TRUE(other.ok() && other->has_value());
  EXPECT_EQ((*other)->body, "requeued");
  ASSERT_TRUE(channel->Reject((*other)->delivery_tag, /*requeue=*/true).ok());

  std::unique_ptr<AmqpChannel> observer = OpenTestChannel();
  ASSERT_NE(observer, nullptr);
  EXPECT_EQ(*observer->MessageCount(dead), 1u);
  // The requeued one is back on the queue (held again by the still-open consumer, or ready).
  absl::StatusOr<std::optional<AmqpDelivery>> back = channel->Next(absl::Seconds(5));
  ASSERT_TRUE(back.ok() && back->has_value());
  EXPECT_EQ((*back)->body, "requeued");
  EXPECT_TRUE((*back)->redelivered);
}

TEST(AmqpChannelTest, ConsumingAMissingQueueIsNotFoundAndBreaksTheChannel) {
  std::unique_ptr<AmqpChannel> channel = OpenTestChannel();
  ASSERT_NE(channel, nullptr);
  const std::string queue = testing::NewTestQueueName("channel-missing");
  absl::Status consumed = channel->Consume(queue);
  EXPECT_EQ(consumed.code(), absl::StatusCode::kNotFound) << consumed;
  EXPECT_THAT(consumed.message(), HasSubstr(queue));
  EXPECT_TRUE(channel->IsBroken());
}

TEST(AmqpChannelTest, AWrongPasswordIsUnavailableAndNeverQuoted) {
  absl::StatusOr<std::string> url = testing::TestAmqpUrl();
  ASSERT_TRUE(url.ok()) << url.status();
  const std::string secret = "wrong-Secret-4711";
  // amqp://flowline:PASSWORD@host... → the same URL with another password.
  const size_t colon = url->find(':', std::string("amqp://").size());
  const size_t at = url->find('@');
  ASSERT_NE(colon, std::string::npos);
  const std::string wrong = url->substr(0, colon + 1) + secret + url->substr(at);
  absl::StatusOr<std::unique_ptr<AmqpChannel>> channel = AmqpChannel::Open(wrong);
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(channel.status().message(), HasSubstr("refused the login"));
  EXPECT_THAT(channel.status().message(), Not(HasSubstr(secret)));
}

TEST(AmqpChannelTest, ANonAmqpUrlIsInvalidAndNotEchoed) {
  absl::StatusOr<std::unique_ptr<AmqpChannel>> channel =
      AmqpChannel::Open("http://user:Pa55word-echo@127.0.0.1/");
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(channel.status().message(), Not(HasSubstr("Pa55word-echo")));
}

TEST(AmqpChannelTest, NoBrokerListeningIsUnavailable) {
  // Port 1 on loopback: nothing listens there (and the test never needs root to bind it).
  absl::StatusOr<std::unique_ptr<AmqpChannel>> channel =
      AmqpChannel::Open("amqp://u:p@127.0.0.1:1/v", {.timeout = absl::Seconds(2)});
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(channel.status().message(), HasSubstr("127.0.0.1:1"));
}

}  // namespace
}  // namespace flowline::triggers
