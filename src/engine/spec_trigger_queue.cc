// The queue trigger's block: `- queue: { connection: events, queue: signups, prefetch: 10,
// declare: false }` (src/triggers/queue_source.cc).
#include "absl/strings/str_cat.h"
#include "engine/internal/spec_triggers.h"

namespace flowline::engine::internal {

void CheckQueueTrigger(const Field& block, TriggerSpec& /*trigger*/, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write `- queue: { connection: events, queue: signups }` (events: an amqp connection of "
      "connections.yaml)";
  auto fields = TriggerFields(block, kHint, {"connection", "queue", "prefetch", "declare"}, sink);
  if (!fields) return;
  TriggerString(*fields, block, "connection", kHint, /*required=*/true, sink);
  if (auto queue = TriggerString(*fields, block, "queue", kHint, /*required=*/true, sink)) {
    // AMQP 0-9-1 queue names are short strings: at most 255 bytes.
    if (queue->size() > 255) {
      sink.Add(fields->Find("queue")->location, "queue name is longer than 255 bytes",
               "AMQP queue names have at most 255 bytes; name the queue the broker has");
    }
  }
  if (const Field* field = fields->Find("prefetch")) {
    constexpr std::string_view kPrefetchHint =
        "write how many unacknowledged messages the trigger may hold, 1 to 65535, e.g. "
        "`prefetch: 10`";
    auto prefetch = ReadInteger(*field, "queue prefetch", kPrefetchHint, sink);
    if (prefetch && (*prefetch < 1 || *prefetch > 65535)) {
      sink.Add(field->location, absl::StrCat("queue prefetch ", *prefetch, " is out of range"),
               std::string(kPrefetchHint));
    }
  }
  if (const Field* field = fields->Find("declare")) {
    ReadBool(*field, "queue declare", "write `declare: true` to declare the queue (durable)", sink);
  }
}

}  // namespace flowline::engine::internal
