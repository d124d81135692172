#include "triggers/email_source.h"

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "spdlog/spdlog.h"
#include "steps/connections.h"
#include "steps/duration.h"
#include "steps/mail_transport.h"
#include "triggers/email_message.h"
#include "triggers/imap_client.h"

namespace flowline::triggers {
namespace {

constexpr absl::Duration kDefaultInterval = absl::Seconds(30);
constexpr int kMaxMessagesPerPass = 50;

// What happens to a message once its run is durable.
struct After {
  enum class Kind { kSeen, kDelete, kMove };
  Kind kind = Kind::kSeen;
  std::string folder;  // kMove
};

absl::StatusOr<After> ParseAfter(const std::string& text) {
  After after;
  if (text == "seen") return after;
  if (text == "delete") {
    after.kind = After::Kind::kDelete;
    return after;
  }
  if (absl::StartsWith(text, "move:") && text.size() > 5) {
    after.kind = After::Kind::kMove;
    after.folder = text.substr(5);
    return after;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("email after: \"", text, "\" is not seen, delete or move:FOLDER"));
}

std::string StringOr(const Json& with, const char* name, std::string fallback) {
  if (!with.contains(name) || !with[name].is_string()) return fallback;
  return with[name].get<std::string>();
}

class EmailSource final : public TriggerSource {
 public:
  EmailSource(steps::Connection connection, std::string folder, std::string attachments,
              After after, absl::Duration interval)
      : connection_(std::move(connection)),
        folder_(std::move(folder)),
        attachments_(std::move(attachments)),
        after_(std::move(after)),
        interval_(interval) {}

  absl::Status Poll(TriggerContext& context, absl::Duration budget) override {
    const absl::Time start = context.clock().Now();
    more_waiting_ = false;
    // Secrets are read now, so a rotated password needs no restart.
    ASSIGN_OR_RETURN(steps::MailServer server, steps::ReadMailServer(connection_));
    ImapClient client(std::move(server));
    ASSIGN_OR_RETURN(FolderStatus status, client.Status(folder_));

    ASSIGN_OR_RETURN(std::optional<Json> state, context.LoadState());
    uint64_t last_uid = 0;
    if (state && state->is_object() && state->value("uidvalidity", uint64_t{0}) != 0) {
      if ((*state)["uidvalidity"] == status.uidvalidity) {
        last_uid = state->value("last_uid", uint64_t{0});
      } else {
        spdlog::warn(
            "email trigger {} of {}: the UIDVALIDITY of folder {} changed ({} -> {}): every "
            "message is looked at again; the business key keeps those that had a run to one",
            context.spec().id, context.workflow(), folder_, (*state)["uidvalidity"].dump(),
            status.uidvalidity);
      }
    }
    if (!state || !state->is_object() || (*state)["uidvalidity"] != status.uidvalidity) {
      RETURN_IF_ERROR(
          context.SaveState(Json{{"uidvalidity", status.uidvalidity}, {"last_uid", 0}}));
    }
    if (status.uidnext != 0 && status.uidnext <= last_uid + 1) return absl::OkStatus();

    ASSIGN_OR_RETURN(std::vector<uint64_t> uids, client.SearchAfter(folder_, last_uid));
    int handled = 0;
    for (uint64_t uid : uids) {
      if (handled == kMaxMessagesPerPass || context.clock().Now() - start > budget) {
        more_waiting_ = true;
        break;
      }
      RETURN_IF_ERROR(Handle(context, client, status.uidvalidity, uid));
      RETURN_IF_ERROR(
          context.SaveState(Json{{"uidvalidity", status.uidvalidity}, {"last_uid", uid}}));
      ++handled;
    }
    return absl::OkStatus();
  }

  absl::Duration NextPollIn(absl::Time /*now*/) const override {
    return more_waiting_ ? absl::ZeroDuration() : interval_;
  }

 private:
  // Steps 1-4 of one message; an error leaves the cursor before it.
  absl::Status Handle(TriggerContext& context, ImapClient& client, uint64_t uidvalidity,
                      uint64_t uid) {
    absl::StatusOr<std::string> raw = client.Fetch(folder_, uidvalidity, uid);
    if (absl::IsNotFound(raw.status())) return absl::OkStatus();  // gone since the search
    if (!raw.ok()) return raw.status();
    absl::StatusOr<ReceivedEmail> parsed =
        ParseReceivedEmail(*raw, context.artifacts(), attachments_);
    if (absl::IsInvalidArgument(parsed.status())) {
      // Not a message at all: no retry makes it one; skip it rather than stop the folder.
      spdlog::error("email trigger {} of {}: message {} in {} is skipped: {}", context.spec().id,
                    context.workflow(), uid, folder_, std::string(parsed.status().message()));
      return absl::OkStatus();
    }
    if (!parsed.ok()) return parsed.status();  // the artifact store: retried
    ReceivedEmail email = *std::move(parsed);
    absl::StatusOr<engine::StartRunResult> run =
        context.StartRun(std::move(email.input), email.key);
    if (!run.ok()) {
      if (run.status().code() != absl::StatusCode::kInvalidArgument) return run.status();
      // Refused for good: no retry changes the message. It stays in the folder for a person.
      spdlog::error("email trigger {} of {}: message {} in {} was refused: {}", context.spec().id,
                    context.workflow(), uid, folder_, std::string(run.status().message()));
      return absl::OkStatus();
    }
    spdlog::info("email trigger {} of {}: message {} in {} -> run {}{}", context.spec().id,
                 context.workflow(), uid, folder_, run->run_id,
                 run->created ? "" : " (existing run)");
    switch (after_.kind) {
      case After::Kind::kSeen:
        return client.MarkSeen(folder_, uid);
      case After::Kind::kDelete:
        return client.Delete(folder_, uid);
      case After::Kind::kMove:
        return client.Move(folder_, uid, after_.folder);
    }
    return absl::OkStatus();
  }

  const steps::Connection connection_;
  const std::string folder_;
  const std::string attachments_;
  const After after_;
  const absl::Duration interval_;
  bool more_waiting_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TriggerSource>> NewEmailSource(const engine::TriggerSpec& spec,
                                                              const SourceEnv& env) {
  const Json& with = spec.with;
  const std::string name = StringOr(with, "connection", "");
  if (name.empty()) {
    return absl::InvalidArgumentError("the email trigger needs `connection:` (an imap connection)");
  }
  absl::StatusOr<const steps::Connection*> connection = env.connections.Get(name, "imap");
  if (!connection.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("email trigger ", spec.id, ": ", connection.status().message()));
  }
  ASSIGN_OR_RETURN(After after, ParseAfter(StringOr(with, "after", "seen")));
  absl::Duration interval = kDefaultInterval;
  if (with.contains("interval")) {
    ASSIGN_OR_RETURN(interval, steps::ParseDuration(StringOr(with, "interval", "")));
    if (interval <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError("email interval must be more than 0");
    }
  }
  return std::make_unique<EmailSource>(**connection, StringOr(with, "folder", "INBOX"),
                                       StringOr(with, "attachments", ""), std::move(after),
                                       interval);
}

}  // namespace flowline::triggers
