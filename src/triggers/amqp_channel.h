// One AMQP 0-9-1 connection with one channel (librabbitmq-c), the queue trigger's link to a
// broker such as RabbitMQ.
//
// AmqpChannel owns the connection: it opens it (TCP with a timeout, PLAIN login, channel 1) and
// closes it in its destructor. Every error is an absl::Status whose message says what failed and
// where (host:port, vhost, queue) and never holds the URL's password. After an error whose status
// is Unavailable the connection is broken (IsBroken()): the caller drops it and opens a new one;
// the broker then gives every unacknowledged delivery to the next consumer (redelivered).
//
// Not thread-safe: one thread uses a channel at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace flowline::triggers {

// One message a consumer received; acknowledge or reject it by its delivery tag.
struct AmqpDelivery {
  uint64_t delivery_tag = 0;
  std::string body;
  std::string exchange;
  std::string routing_key;
  std::string message_id;    // the message-id property; empty when the publisher set none
  std::string content_type;  // the content-type property; empty when unset
  bool redelivered = false;
};

struct AmqpOptions {
  // Connecting (TCP + login) and each request/response exchange (declare, qos, consume, ack)
  // give up after this long. Default 10 s.
  absl::Duration timeout = absl::Seconds(10);
  // The AMQP heartbeat the client asks for; the broker closes a connection that stays silent for
  // two of them. 0 disables heartbeats. Default 30 s.
  int heartbeat_seconds = 30;
};

class AmqpChannel {
 public:
  ~AmqpChannel();
  AmqpChannel(const AmqpChannel&) = delete;
  AmqpChannel& operator=(const AmqpChannel&) = delete;

  // Connects to `url` (amqp://user:password@host:port/vhost; the vhost percent-encoded, "%2f" for
  // "/") and opens channel 1. InvalidArgument for a URL librabbitmq cannot parse (the message
  // holds no part of it but its scheme), Unavailable when the broker cannot be reached, refuses
  // the login or the vhost.
  static absl::StatusOr<std::unique_ptr<AmqpChannel>> Open(const std::string& url,
                                                           const AmqpOptions& options = {});

  // "host:port/vhost as user", for messages (never the password).
  const std::string& where() const { return where_; }

  // queue.declare: a durable, non-exclusive, non-auto-delete queue named `queue` (an existing one
  // with other properties is a channel error: FailedPrecondition with the broker's reply).
  absl::Status DeclareQueue(std::string_view queue);
  // queue.declare passive: how many messages wait in `queue` (ready, not unacknowledged).
  // NotFound when there is no such queue.
  absl::StatusOr<uint32_t> MessageCount(std::string_view queue);
  // basic.qos: at most `prefetch` unacknowledged deliveries on this channel.
  absl::Status SetPrefetch(uint16_t prefetch);
  // basic.consume with manual acknowledgement. NotFound when the queue does not exist.
  absl::Status Consume(std::string_view queue);
  // The next delivery, waiting up to `timeout`; nullopt when none arrived in time.
  absl::StatusOr<std::optional<AmqpDelivery>> Next(absl::Duration timeout);
  absl::Status Ack(uint64_t delivery_tag);
  // basic.reject: `requeue` false drops the message or hands it to the queue's dead-letter
  // exchange when it has one.
  absl::Status Reject(uint64_t delivery_tag, bool requeue);
  // basic.publish to `exchange` ("" = the default exchange, routing by queue name), persistent
  // (delivery mode 2); `message_id` empty sets no message-id property. With publisher confirms
  // (ConfirmPublishes) it waits until the broker has taken the message.
  absl::Status Publish(std::string_view exchange, std::string_view routing_key,
                       std::string_view body, std::string_view message_id = "");
  // confirm.select: from now on Publish waits for the broker's basic.ack.
  absl::Status ConfirmPublishes();

  // True after an error that broke the connection or the channel: open a new one.
  bool IsBroken() const { return broken_; }

 private:
  struct State;
  AmqpChannel(std::unique_ptr<State> state, std::string where, AmqpOptions options);
  absl::Status CheckReply(std::string_view what, std::string_view queue);
  absl::Status CheckCode(int code, std::string_view what);

  std::unique_ptr<State> state_;
  std::string where_;
  AmqpOptions options_;
  bool broken_ = false;
  bool confirms_ = false;
};

}  // namespace flowline::triggers
