#include "triggers/amqp_channel.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::triggers {
namespace {

constexpr amqp_channel_t kChannel = 1;

amqp_bytes_t Bytes(std::string_view text) {
  return amqp_bytes_t{text.size(), const_cast<char*>(text.data())};
}

std::string Text(amqp_bytes_t bytes) {
  if (bytes.bytes == nullptr) return "";
  return std::string(static_cast<const char*>(bytes.bytes), bytes.len);
}

timeval TimeVal(absl::Duration d) {
  if (d < absl::ZeroDuration()) d = absl::ZeroDuration();
  return absl::ToTimeval(d);
}

// A broker's reply code (AMQP 0-9-1 §1.9) as a status code: what a caller can act on.
absl::StatusCode CodeForReply(uint16_t reply_code) {
  switch (reply_code) {
    case 404:  // NOT_FOUND: no such queue or exchange
      return absl::StatusCode::kNotFound;
    case 403:  // ACCESS_REFUSED
      return absl::StatusCode::kPermissionDenied;
    case 405:  // RESOURCE_LOCKED: an exclusive consumer holds the queue
    case 406:  // PRECONDITION_FAILED: e.g. a declare with other properties
      return absl::StatusCode::kFailedPrecondition;
    default:
      return absl::StatusCode::kUnavailable;
  }
}

}  // namespace

struct AmqpChannel::State {
  amqp_connection_state_t connection = nullptr;
  ~State() {
    if (connection != nullptr) amqp_destroy_connection(connection);
  }
};

AmqpChannel::AmqpChannel(std::unique_ptr<State> state, std::string where, AmqpOptions options)
    : state_(std::move(state)), where_(std::move(where)), options_(options) {}

AmqpChannel::~AmqpChannel() {
  if (state_ == nullptr || state_->connection == nullptr) return;
  if (!broken_) {
    // A clean close tells the broker at once (it requeues our unacknowledged deliveries either
    // way); a broken connection is just dropped.
    const timeval short_wait = TimeVal(absl::Seconds(2));
    amqp_set_rpc_timeout(state_->connection, &short_wait);
    amqp_channel_close(state_->connection, kChannel, AMQP_REPLY_SUCCESS);
    amqp_connection_close(state_->connection, AMQP_REPLY_SUCCESS);
  }
}

absl::StatusOr<std::unique_ptr<AmqpChannel>> AmqpChannel::Open(const std::string& url,
                                                               const AmqpOptions& options) {
  if (absl::StartsWithIgnoreCase(url, "amqps:")) {
    return absl::InvalidArgumentError(
        "amqps:// (AMQP over TLS) is not supported by the queue trigger yet; use an amqp:// URL "
        "(a loopback or otherwise protected network)");
  }
  // amqp_parse_url writes into its input and points into it.
  std::vector<char> buffer(url.begin(), url.end());
  buffer.push_back('\0');
  amqp_connection_info info;
  amqp_default_connection_info(&info);
  if (!absl::StartsWithIgnoreCase(url, "amqp://") ||
      amqp_parse_url(buffer.data(), &info) != AMQP_STATUS_OK) {
    return absl::InvalidArgumentError(
        "the AMQP URL is not of the form amqp://USER:PASSWORD@HOST:PORT/VHOST (the vhost "
        "percent-encoded: %2f for \"/\")");
  }
  std::string where = absl::StrCat(info.host, ":", info.port, "/", info.vhost, " as ", info.user);

  auto state = std::make_unique<State>();
  state->connection = amqp_new_connection();
  if (state->connection == nullptr) return absl::ResourceExhaustedError("amqp_new_connection");
  amqp_socket_t* socket = amqp_tcp_socket_new(state->connection);
  if (socket == nullptr) return absl::ResourceExhaustedError("amqp_tcp_socket_new");
  const timeval timeout = TimeVal(options.timeout);
  const int opened = amqp_socket_open_noblock(socket, info.host, info.port, &timeout);
  if (opened != AMQP_STATUS_OK) {
    return absl::UnavailableError(absl::StrCat("cannot connect to the AMQP broker at ", where, ": ",
                                               amqp_error_string2(opened)));
  }
  amqp_set_handshake_timeout(state->connection, &timeout);
  amqp_set_rpc_timeout(state->connection, &timeout);
  // consumer_cancel_notify: without it RabbitMQ drops a consumer whose queue is deleted without
  // telling us, and the trigger would wait for messages forever; with it Next() sees
  // basic.cancel and the caller reconnects. librabbitmq merges these with its own capabilities.
  amqp_table_entry_t capability;
  capability.key = amqp_cstring_bytes("consumer_cancel_notify");
  capability.value.kind = AMQP_FIELD_KIND_BOOLEAN;
  capability.value.value.boolean = 1;
  amqp_table_entry_t properties_entries[2];
  properties_entries[0].key = amqp_cstring_bytes("capabilities");
  properties_entries[0].value.kind = AMQP_FIELD_KIND_TABLE;
  properties_entries[0].value.value.table = amqp_table_t{1, &capability};
  properties_entries[1].key = amqp_cstring_bytes("connection_name");
  properties_entries[1].value.kind = AMQP_FIELD_KIND_UTF8;
  properties_entries[1].value.value.bytes = amqp_cstring_bytes("flowline");
  const amqp_table_t properties{2, properties_entries};
  amqp_rpc_reply_t login = amqp_login_with_properties(
      state->connection, info.vhost, 0, 131072, options.heartbeat_seconds, &properties,
      AMQP_SASL_METHOD_PLAIN, info.user, info.password);
  if (login.reply_type != AMQP_RESPONSE_NORMAL) {
    std::string why = login.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION
                          ? amqp_error_string2(login.library_error)
                          : "the broker closed the connection";
    if (login.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
        login.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
      const auto* close = static_cast<amqp_connection_close_t*>(login.reply.decoded);
      why = Text(close->reply_text);
    }
    return absl::UnavailableError(absl::StrCat(
        "the AMQP broker at ", where, " refused the login (user, password or vhost): ", why));
  }
  std::unique_ptr<AmqpChannel> channel(new AmqpChannel(std::move(state), where, options));
  amqp_channel_open(channel->state_->connection, kChannel);
  if (absl::Status s = channel->CheckReply("opening a channel", ""); !s.ok()) return s;
  return channel;
}

absl::Status AmqpChannel::CheckReply(std::string_view what, std::string_view queue) {
  const amqp_rpc_reply_t reply = amqp_get_rpc_reply(state_->connection);
  const std::string context =
      queue.empty() ? std::string(what) : absl::StrCat(Sv(what), " (queue ", Sv(queue), ")");
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return absl::OkStatus();
    case AMQP_RESPONSE_NONE:
      broken_ = true;
      return absl::UnavailableError(
          absl::StrCat(context, " at ", where_, ": the broker sent no reply"));
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      broken_ = true;
      return absl::UnavailableError(
          absl::StrCat(context, " at ", where_, ": ", amqp_error_string2(reply.library_error)));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      break;
  }
  // The broker closed the channel or the whole connection; either way this object is done.
  broken_ = true;
  uint16_t code = 0;
  std::string text = "the broker closed the connection";
  if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
    const auto* close = static_cast<amqp_channel_close_t*>(reply.reply.decoded);
    code = close->reply_code;
    text = Text(close->reply_text);
  } else if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
    const auto* close = static_cast<amqp_connection_close_t*>(reply.reply.decoded);
    code = close->reply_code;
    text = Text(close->reply_text);
  }
  return absl::Status(CodeForReply(code), absl::StrCat(context, " at ", where_, ": ", text));
}

absl::Status AmqpChannel::CheckCode(int code, std::string_view what) {
  if (code == AMQP_STATUS_OK) return absl::OkStatus();
  broken_ = true;
  return absl::UnavailableError(
      absl::StrCat(Sv(what), " at ", where_, ": ", amqp_error_string2(code)));
}

absl::Status AmqpChannel::DeclareQueue(std::string_view queue) {
  amqp_queue_declare(state_->connection, kChannel, Bytes(queue), /*passive=*/0, /*durable=*/1,
                     /*exclusive=*/0, /*auto_delete=*/0, amqp_empty_table);
  return CheckReply("declaring the queue", queue);
}

absl::StatusOr<uint32_t> AmqpChannel::MessageCount(std::string_view queue) {
  const amqp_queue_declare_ok_t* ok = amqp_queue_declare(state_->connection, kChannel, Bytes(queue),
                                                         /*passive=*/1, 0, 0, 0, amqp_empty_table);
  if (absl::Status s = CheckReply("looking up the queue", queue); !s.ok()) return s;
  return ok->message_count;
}

absl::Status AmqpChannel::SetPrefetch(uint16_t prefetch) {
  amqp_basic_qos(state_->connection, kChannel, 0, prefetch, /*global=*/0);
  return CheckReply("setting the prefetch count (basic.qos)", "");
}

absl::Status AmqpChannel::Consume(std::string_view queue) {
  amqp_basic_consume(state_->connection, kChannel, Bytes(queue), amqp_empty_bytes,
                     /*no_local=*/0, /*no_ack=*/0, /*exclusive=*/0, amqp_empty_table);
  return CheckReply("starting a consumer", queue);
}

absl::StatusOr<std::optional<AmqpDelivery>> AmqpChannel::Next(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    amqp_maybe_release_buffers(state_->connection);
    amqp_envelope_t envelope;
    const timeval wait = TimeVal(deadline - absl::Now());
    const amqp_rpc_reply_t reply = amqp_consume_message(state_->connection, &envelope, &wait, 0);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
      AmqpDelivery delivery;
      delivery.delivery_tag = envelope.delivery_tag;
      delivery.body = Text(envelope.message.body);
      delivery.exchange = Text(envelope.exchange);
      delivery.routing_key = Text(envelope.routing_key);
      delivery.redelivered = envelope.redelivered != 0;
      const amqp_basic_properties_t& properties = envelope.message.properties;
      if ((properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) != 0) {
        delivery.message_id = Text(properties.message_id);
      }
      if ((properties._flags & AMQP_BASIC_CONTENT_TYPE_FLAG) != 0) {
        delivery.content_type = Text(properties.content_type);
      }
      amqp_destroy_envelope(&envelope);
      return delivery;
    }
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        reply.library_error == AMQP_STATUS_TIMEOUT) {
      return std::nullopt;
    }
    if (reply.reply_type != AMQP_RESPONSE_LIBRARY_EXCEPTION ||
        reply.library_error != AMQP_STATUS_UNEXPECTED_STATE) {
      broken_ = true;
      return absl::UnavailableError(absl::StrCat("waiting for a message at ", where_, ": ",
                                                 reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION
                                                     ? amqp_error_string2(reply.library_error)
                                                     : "unexpected reply"));
    }
    // Another frame than a delivery arrived: a late publisher confirm is harmless; a closed
    // channel or connection, or the broker cancelling our consumer (queue deleted), is not.
    amqp_frame_t frame;
    const int waited = amqp_simple_wait_frame(state_->connection, &frame);
    if (waited != AMQP_STATUS_OK) return CheckCode(waited, "waiting for a message");
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    switch (frame.payload.method.id) {
      case AMQP_BASIC_ACK_METHOD:
        continue;
      case AMQP_BASIC_CANCEL_METHOD:
        broken_ = true;
        return absl::UnavailableError(absl::StrCat(
            "the AMQP broker at ", where_, " cancelled the consumer (was the queue deleted?)"));
      case AMQP_CHANNEL_CLOSE_METHOD:
      case AMQP_CONNECTION_CLOSE_METHOD: {
        broken_ = true;
        const bool channel = frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD;
        const amqp_bytes_t text =
            channel
                ? static_cast<amqp_channel_close_t*>(frame.payload.method.decoded)->reply_text
                : static_cast<amqp_connection_close_t*>(frame.payload.method.decoded)->reply_text;
        return absl::UnavailableError(absl::StrCat("the AMQP broker at ", where_, " closed the ",
                                                   channel ? "channel" : "connection", ": ",
                                                   Text(text)));
      }
      default:
        continue;
    }
  }
}

absl::Status AmqpChannel::Ack(uint64_t delivery_tag) {
  return CheckCode(amqp_basic_ack(state_->connection, kChannel, delivery_tag, /*multiple=*/0),
                   "acknowledging a message");
}

absl::Status AmqpChannel::Reject(uint64_t delivery_tag, bool requeue) {
  return CheckCode(amqp_basic_reject(state_->connection, kChannel, delivery_tag, requeue ? 1 : 0),
                   "rejecting a message");
}

absl::Status AmqpChannel::ConfirmPublishes() {
  amqp_confirm_select(state_->connection, kChannel);
  if (absl::Status s = CheckReply("enabling publisher confirms", ""); !s.ok()) return s;
  confirms_ = true;
  return absl::OkStatus();
}

absl::Status AmqpChannel::Publish(std::string_view exchange, std::string_view routing_key,
                                  std::string_view body, std::string_view message_id) {
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
  properties.delivery_mode = 2;  // persistent
  if (!message_id.empty()) {
    properties._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
    properties.message_id = Bytes(message_id);
  }
  if (absl::Status s =
          CheckCode(amqp_basic_publish(state_->connection, kChannel, Bytes(exchange),
                                       Bytes(routing_key), 0, 0, &properties, Bytes(body)),
                    "publishing a message");
      !s.ok()) {
    return s;
  }
  if (!confirms_) return absl::OkStatus();
  const absl::Time deadline = absl::Now() + options_.timeout;
  for (;;) {
    amqp_frame_t frame;
    const timeval wait = TimeVal(deadline - absl::Now());
    const int waited = amqp_simple_wait_frame_noblock(state_->connection, &frame, &wait);
    if (waited != AMQP_STATUS_OK) return CheckCode(waited, "waiting for the publish confirm");
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) return absl::OkStatus();
    if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
      return absl::UnavailableError(
          absl::StrCat("the AMQP broker at ", where_, " refused a published message (nack)"));
    }
    if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
        frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
      broken_ = true;
      return absl::UnavailableError(
          absl::StrCat("the AMQP broker at ", where_, " closed the channel while publishing"));
    }
  }
}

}  // namespace flowline::triggers
