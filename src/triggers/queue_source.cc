#include "triggers/queue_source.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "spdlog/spdlog.h"
#include "steps/connections.h"
#include "steps/duration.h"

namespace flowline::triggers {
namespace {

constexpr absl::Duration kFirstBackoff = absl::Seconds(1);
constexpr absl::Duration kMaxBackoff = absl::Seconds(60);

bool IsUtf8(const std::string& text) {
  try {
    (void)Json(text).dump();
    return true;
  } catch (const Json::exception&) {
    return false;
  }
}

}  // namespace

absl::StatusOr<QueueTriggerSettings> QueueTriggerSettings::FromBlock(const Json& with) {
  QueueTriggerSettings settings;
  if (!with.is_object() || !with.contains("connection") || !with["connection"].is_string() ||
      !with.contains("queue") || !with["queue"].is_string()) {
    return absl::InvalidArgumentError(
        "a queue trigger needs `connection` (an amqp connection's name) and `queue`");
  }
  settings.connection = with["connection"].get<std::string>();
  settings.queue = with["queue"].get<std::string>();
  if (with.contains("prefetch")) {
    const Json& prefetch = with["prefetch"];
    if (!prefetch.is_number_integer() || prefetch.get<int64_t>() < 1 ||
        prefetch.get<int64_t>() > 65535) {
      return absl::InvalidArgumentError("queue trigger: `prefetch` must be an integer 1..65535");
    }
    settings.prefetch = static_cast<uint16_t>(prefetch.get<int64_t>());
  }
  if (with.contains("declare")) {
    if (!with["declare"].is_boolean()) {
      return absl::InvalidArgumentError("queue trigger: `declare` must be true or false");
    }
    settings.declare = with["declare"].get<bool>();
  }
  return settings;
}

absl::StatusOr<QueueRunItem> QueueRunInput(const AmqpDelivery& delivery) {
  if (!IsUtf8(delivery.body)) {
    return absl::InvalidArgumentError(
        "the message body is not UTF-8 text (the queue trigger takes JSON or text messages)");
  }
  QueueRunItem item;
  absl::StatusOr<Json> parsed = common::ParseJson(delivery.body, "the message body");
  if (parsed.ok() && parsed->is_object()) {
    item.input = *std::move(parsed);
  } else {
    item.input = Json{{"body", delivery.body}};
  }
  Json message = Json::object();
  if (!delivery.message_id.empty()) message["message_id"] = delivery.message_id;
  message["routing_key"] = delivery.routing_key;
  message["exchange"] = delivery.exchange;
  if (!delivery.content_type.empty()) message["content_type"] = delivery.content_type;
  if (!IsUtf8(delivery.message_id) || !IsUtf8(delivery.routing_key) || !IsUtf8(delivery.exchange) ||
      !IsUtf8(delivery.content_type)) {
    return absl::InvalidArgumentError("the message's properties are not UTF-8 text");
  }
  item.input["_message"] = std::move(message);
  item.default_key =
      delivery.message_id.empty() ? common::Sha256Hex(delivery.body) : delivery.message_id;
  return item;
}

QueueSource::QueueSource(QueueTriggerSettings settings, AmqpOptions amqp)
    : settings_(std::move(settings)), amqp_(amqp) {}

QueueSource::~QueueSource() = default;

absl::Duration QueueSource::NextPollIn(absl::Time now) const {
  if (channel_ != nullptr) return absl::ZeroDuration();  // Poll itself waits for messages
  return std::max(absl::ZeroDuration(), retry_at_ - now);
}

void QueueSource::Drop(absl::Time now) {
  // Closing (or losing) the connection hands every unacknowledged delivery back to the queue.
  channel_.reset();
  ++failures_;
  absl::Duration backoff = kFirstBackoff;
  for (int i = 1; i < failures_ && backoff < kMaxBackoff; ++i) backoff *= 2;
  retry_at_ = now + std::min(backoff, kMaxBackoff);
}

namespace {

absl::StatusOr<const steps::Connection*> AmqpConnection(const steps::Connections& connections,
                                                        const std::string& name) {
  return connections.Get(name, "amqp");
}

}  // namespace

absl::StatusOr<std::unique_ptr<TriggerSource>> NewQueueSource(const engine::TriggerSpec& spec,
                                                              const SourceEnv& env) {
  ASSIGN_OR_RETURN(QueueTriggerSettings settings, QueueTriggerSettings::FromBlock(spec.with));
  ASSIGN_OR_RETURN(const steps::Connection* connection,
                   AmqpConnection(env.connections, settings.connection));
  AmqpOptions amqp;
  if (const Json& timeout = connection->settings.value("timeout", Json()); timeout.is_string()) {
    ASSIGN_OR_RETURN(amqp.timeout, steps::ParseDuration(timeout.get<std::string>()));
  }
  return std::make_unique<QueueSource>(std::move(settings), amqp);
}

absl::Status QueueSource::Connect(TriggerContext& context) {
  ASSIGN_OR_RETURN(const steps::Connection* connection,
                   AmqpConnection(context.connections(), settings_.connection));
  // The URL holds the password: read now, from the environment or a file, never kept.
  ASSIGN_OR_RETURN(std::string url, connection->Secret("url"));
  ASSIGN_OR_RETURN(std::unique_ptr<AmqpChannel> channel, AmqpChannel::Open(url, amqp_));
  if (settings_.declare) RETURN_IF_ERROR(channel->DeclareQueue(settings_.queue));
  RETURN_IF_ERROR(channel->SetPrefetch(settings_.prefetch));
  RETURN_IF_ERROR(channel->Consume(settings_.queue));
  spdlog::info("trigger {}: consuming queue {} at {}", context.spec().id, settings_.queue,
               channel->where());
  channel_ = std::move(channel);
  return absl::OkStatus();
}

absl::Status QueueSource::Poll(TriggerContext& context, absl::Duration budget) {
  const common::Clock& clock = context.clock();
  if (channel_ == nullptr) {
    if (clock.Now() < retry_at_) return absl::OkStatus();  // still backing off
    if (absl::Status connected = Connect(context); !connected.ok()) {
      Drop(clock.Now());
      return connected;
    }
    failures_ = 0;
  }
  // Real time, not the injected clock: this bounds how long we wait on the socket.
  const absl::Time deadline = absl::Now() + budget;
  for (;;) {
    absl::StatusOr<std::optional<AmqpDelivery>> delivery = channel_->Next(deadline - absl::Now());
    if (!delivery.ok()) {
      Drop(clock.Now());
      return delivery.status();
    }
    if (!delivery->has_value()) return absl::OkStatus();
    if (absl::Status handled = Handle(context, **delivery); !handled.ok()) {
      if (channel_->IsBroken()) Drop(clock.Now());
      return handled;
    }
    if (absl::Now() >= deadline) return absl::OkStatus();
  }
}

absl::Status QueueSource::Handle(TriggerContext& context, const AmqpDelivery& delivery) {
  const std::string& trigger = context.spec().id;
  absl::StatusOr<QueueRunItem> item = QueueRunInput(delivery);
  absl::Status started = item.status();
  if (item.ok()) {
    absl::StatusOr<engine::StartRunResult> run =
        context.StartRun(std::move(item->input), item->default_key);
    started = run.status();
  }
  if (started.ok()) {
    // Only now: the run is durable, so the message may go.
    return channel_->Ack(delivery.delivery_tag);
  }
  if (started.code() == absl::StatusCode::kInvalidArgument) {
    // The workflow will never take this message: dead-letter it instead of redelivering forever.
    spdlog::warn("trigger {}: rejected a message of queue {} (message-id {}): {}", trigger,
                 settings_.queue, delivery.message_id.empty() ? "none" : delivery.message_id,
                 std::string(started.message()));
    return channel_->Reject(delivery.delivery_tag, /*requeue=*/false);
  }
  // Not the message's fault: give it back and let the host retry the pass.
  absl::Status requeued = channel_->Reject(delivery.delivery_tag, /*requeue=*/true);
  if (!requeued.ok()) {
    spdlog::warn("trigger {}: could not requeue a message: {}", trigger,
                 std::string(requeued.message()));
  }
  return started;
}

}  // namespace flowline::triggers
