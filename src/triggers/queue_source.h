// The `queue` trigger: one run per message of a RabbitMQ (AMQP 0-9-1) queue.
//
//   triggers:
//     - queue: { connection: events, queue: signups, prefetch: 10, declare: false }
//
// `connection` names an `amqp` connection of connections.yaml (its URL, with the password, comes
// from url_env / url_file at connect time). The source consumes with manual acknowledgement and
// at most `prefetch` unacknowledged messages (basic.qos). For each message, in delivery order:
// the run is started (StartRun: durable when it returns, de-duplicated by the business key) and
// only then the message is acknowledged. A crash in between leaves the message unacknowledged;
// the broker delivers it again and the business key turns it into the same run.
//
// Run input: the body parsed as JSON when it is a JSON object, else {"body": "<text>"}; plus
// "_message": {"message_id", "routing_key", "exchange", "content_type"} (the members the message
// has). Default business key: the message-id property, else the SHA-256 (hex) of the body.
//
// A message the workflow refuses (its input breaks the input schema, its key cannot be computed,
// a body that is not UTF-8 text) is rejected without requeue: the broker drops it or hands it to
// the queue's dead-letter exchange when one is configured. It is logged (trigger, queue,
// message-id, why; never the body). Any other failure (the store, no live version) requeues the
// message and fails the pass; the host retries it.
//
// A broken connection (broker restart, network) fails the pass with Unavailable; the next pass
// reconnects, after 1 s, 2 s, 4 s ... at most 60 s of failures in a row (NextPollIn).
//
// Not thread-safe: the trigger host calls one source from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/json_util.h"
#include "triggers/amqp_channel.h"
#include "triggers/trigger_source.h"

namespace flowline::triggers {

// The trigger block's settings (checked in the engine by spec_trigger_queue.cc; read here again
// with the same defaults).
struct QueueTriggerSettings {
  std::string connection;
  std::string queue;
  uint16_t prefetch = 10;  // 1..65535
  bool declare = false;    // true: declare `queue` durable at connect (queue.declare)
  static absl::StatusOr<QueueTriggerSettings> FromBlock(const Json& with);
};

// The run input and default business key of one delivery (see the header comment).
// InvalidArgument when the body is not UTF-8 text.
struct QueueRunItem {
  Json input;
  std::string default_key;
};
absl::StatusOr<QueueRunItem> QueueRunInput(const AmqpDelivery& delivery);

// The factory (TriggerRegistry): reads the block and checks that its connection exists and is an
// amqp connection (InvalidArgument / NotFound / FailedPrecondition saying which and where).
absl::StatusOr<std::unique_ptr<TriggerSource>> NewQueueSource(const engine::TriggerSpec& spec,
                                                              const SourceEnv& env);

class QueueSource final : public TriggerSource {
 public:
  explicit QueueSource(QueueTriggerSettings settings, AmqpOptions amqp = {});
  ~QueueSource() override;

  absl::Status Poll(TriggerContext& context, absl::Duration budget) override;
  absl::Duration NextPollIn(absl::Time now) const override;

 private:
  absl::Status Connect(TriggerContext& context);
  absl::Status Handle(TriggerContext& context, const AmqpDelivery& delivery);
  // Drops the connection after an error at `now`: the next attempt waits for the backoff.
  void Drop(absl::Time now);

  QueueTriggerSettings settings_;
  AmqpOptions amqp_;
  std::unique_ptr<AmqpChannel> channel_;
  int failures_ = 0;  // connection failures in a row
  absl::Time retry_at_ = absl::InfinitePast();
};

}  // namespace flowline::triggers
