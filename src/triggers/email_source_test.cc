// The email trigger against the test Dovecot/OpenSMTPD (ctest fixture `mail`): the round trip
// from the email step to a run, one run per message across passes, duplicates and restarts,
// `after:`, UIDVALIDITY changes, and a password that never shows.
#include "triggers/email_source.h"

#include <stdlib.h>

#include <chrono>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "steps/connections.h"
#include "steps/email_step.h"
#include "steps/testing/mail_test_env.h"
#include "triggers/imap_client.h"
#include "triggers/testing/trigger_fixture.h"

namespace flowline::triggers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string Message(const std::string& id, const std::string& subject) {
  return absl::StrCat("From: Shop <orders@shop.example>\r\nTo: orders@acme.example\r\n",
                      "Subject: ", subject, "\r\nMessage-ID: <", id, ">\r\n",
                      "Date: Tue, 24 Nov 2026 10:00:00 +0100\r\n\r\nOrder ", subject, "\r\n");
}

// A context over the fixture's engine with the state in memory and a fault to inject: the
// source's own logic, without the host's threads.
class TestContext final : public TriggerContext {
 public:
  TestContext(engine::Engine& engine, steps::ArtifactStore& artifacts, const common::Clock& clock,
              const steps::Connections& connections, engine::TriggerSpec spec)
      : engine_(engine),
        artifacts_(artifacts),
        clock_(clock),
        connections_(connections),
        spec_(std::move(spec)) {}

  absl::StatusOr<engine::StartRunResult> StartRun(Json input, std::string default_key) override {
    engine::StartRunRequest request;
    request.workflow = workflow_;
    request.input = std::move(input);
    request.default_key = std::move(default_key);
    return engine_.StartRun(request);
  }
  steps::ArtifactStore& artifacts() override { return artifacts_; }
  absl::StatusOr<std::optional<Json>> LoadState() override { return state; }
  absl::Status SaveState(const Json& value) override {
    if (fail_saves > 0) {
      --fail_saves;
      return absl::UnavailableError("injected: the process died before saving the cursor");
    }
    state = value;
    return absl::OkStatus();
  }
  const common::Clock& clock() override { return clock_; }
  const steps::Connections& connections() override { return connections_; }
  const engine::TriggerSpec& spec() override { return spec_; }
  const std::string& workflow() override { return workflow_; }

  std::optional<Json> state;
  int fail_saves = 0;

 private:
  engine::Engine& engine_;
  steps::ArtifactStore& artifacts_;
  const common::Clock& clock_;
  const steps::Connections& connections_;
  engine::TriggerSpec spec_;
  const std::string workflow_ = "mail-orders";
};

class EmailSourceTest : public testing::TriggerFixture {
 protected:
  void SetUp() override {
    TriggerFixture::SetUp();
    absl::StatusOr<steps::testing::MailTestEnv> env = steps::testing::LoadMailTestEnv();
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = *env;
    setenv("EMAIL_SOURCE_TEST_PASSWORD", env_.password.c_str(), 1);
    setenv("EMAIL_SOURCE_TEST_WRONG", "wrong-password-for-the-trigger-1234", 1);
    const std::string yaml = absl::StrCat(R"(connections:
  mailbox:
    type: imap
    url: imap://127.0.0.1:)",
                                          env_.imap_port, R"(
    tls: none
    username: alice
    password_env: EMAIL_SOURCE_TEST_PASSWORD
  carol:
    type: imap
    url: imaps://127.0.0.1:)",
                                          env_.imaps_port, R"(
    username: carol
    password_env: EMAIL_SOURCE_TEST_PASSWORD
    ca_file: )",
                                          env_.ca_file, R"(
  wrong:
    type: imap
    url: imap://127.0.0.1:)",
                                          env_.imap_port, R"(
    tls: none
    username: alice
    password_env: EMAIL_SOURCE_TEST_WRONG
  mail_out:
    type: smtp
    url: smtp://127.0.0.1:)",
                                          env_.submission_port, R"(
    username: alice
    password_env: EMAIL_SOURCE_TEST_PASSWORD
    ca_file: )",
                                          env_.ca_file, R"(
    from: "Shop <alice@mail.test>"
)");
    absl::StatusOr<steps::Connections> connections =
        steps::Connections::Parse(yaml, "connections.yaml");
    ASSERT_TRUE(connections.ok()) << connections.status();
    connections_ = std::make_shared<const steps::Connections>(*connections);
    folder_ =
        absl::StrCat("orders-", common::Sha256Hex(absl::FormatTime(absl::Now())).substr(0, 10));
    steps::MailServer server;
    server.url = absl::StrCat("imap://127.0.0.1:", env_.imap_port);
    server.username = "alice";
    server.password = env_.password;
    server.tls = steps::MailServer::Tls::kNone;
    server_ = server;
    imap_ = std::make_unique<ImapClient>(server);
    ASSERT_TRUE(imap_->Create(folder_).ok());
  }

  // The UIDs in `folder` as a new session sees them (a session that has the folder selected
  // may learn of another session's expunges only later).
  std::vector<uint64_t> Uids(const std::string& folder) {
    absl::StatusOr<std::vector<uint64_t>> uids = ImapClient(server_).SearchAfter(folder, 0);
    EXPECT_TRUE(uids.ok()) << uids.status();
    return uids.ok() ? *uids : std::vector<uint64_t>{};
  }

  std::string Spec(const std::string& trigger) const {
    return absl::StrCat("workflow: mail-orders\ntriggers:\n  - email: ", trigger,
                        "\nsteps:\n  - id: note\n    uses: script\n"
                        "    with: { code: \"return { subject = input.subject }\" }\n");
  }

  engine::TriggerSpec Trigger(Json with) const {
    engine::TriggerSpec spec;
    spec.type = "email";
    spec.id = "email";
    spec.with = std::move(with);
    return spec;
  }

  std::unique_ptr<TriggerSource> Source(const engine::TriggerSpec& spec) {
    SourceEnv env{*connections_, clock_};
    absl::StatusOr<std::unique_ptr<TriggerSource>> source = NewEmailSource(spec, env);
    EXPECT_TRUE(source.ok()) << source.status();
    return source.ok() ? std::move(*source) : nullptr;
  }

  void Append(const std::string& id, const std::string& subject) {
    ASSERT_TRUE(imap_->Append(folder_, Message(id, subject)).ok());
  }

  std::vector<std::string> Keys() {
    std::vector<std::string> keys;
    for (const store::Run& run : Runs("mail-orders")) keys.push_back(run.business_key);
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  steps::testing::MailTestEnv env_;
  std::shared_ptr<const steps::Connections> connections_;
  std::string folder_;
  steps::MailServer server_;
  std::unique_ptr<ImapClient> imap_;
};

// Sent with the email step, received by the trigger through the host: one run whose input is
// the message, its attachment the same bytes, and the message moved away afterwards.
TEST_F(EmailSourceTest, RoundTripFromTheEmailStepToARun) {
  absl::StatusOr<std::string> pdf = artifacts_->Put("%PDF-1.4 order 4711", "pdf");
  ASSERT_TRUE(pdf.ok());
  const std::string unique = folder_;
  {
    steps::EmailStep kind(connections_);
    const Json with = {{"connection", "mail_out"},
                       {"to", "carol@mail.test"},
                       {"subject", "Order {{input.id}}"},
                       {"body", "Please ship order {{input.id}}."},
                       {"attachments", Json::array({{{"file", *pdf}, {"name", "order.pdf"}}})}};
    std::vector<steps::ConfigError> errors;
    std::unique_ptr<steps::PreparedStep> step = kind.Prepare("send", with, &errors);
    ASSERT_NE(step, nullptr);
    const Json run = {{"input", {{"id", unique}}}};
    steps::StepContext ctx;
    ctx.idempotency_key = absl::StrCat("run/send/", unique);
    ctx.params = &with;
    ctx.run = &run;
    ctx.clock = &clock_;
    ctx.artifacts = artifacts_.get();
    steps::StepOutcome sent = step->Execute(ctx);
    ASSERT_EQ(sent.kind, steps::StepOutcome::Kind::kCompleted) << sent.error;
  }

  Deploy(Spec("{ connection: carol, interval: 1s, attachments: \"*.pdf\", after: move:Archive }"));
  TriggerHostOptions options;
  options.connections = connections_;
  TriggerHost host(*engine_, *store_, *artifacts_, clock_, registry_, options);
  // Delivery is asynchronous: poll until the message is there (the server's pace).
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Runs("mail-orders").empty() && std::chrono::steady_clock::now() < give_up) {
    ASSERT_TRUE(host.PollAllOnce().ok());
  }
  std::vector<store::Run> runs = Runs("mail-orders");
  ASSERT_EQ(runs.size(), 1u);
  const Json input = Json::parse(runs[0].input_json);
  EXPECT_EQ(input["subject"], absl::StrCat("Order ", unique));
  EXPECT_EQ(input["from"], "alice@mail.test");
  EXPECT_EQ(input["from_name"], "Shop");
  EXPECT_THAT(input["to"], ElementsAre("carol@mail.test"));
  EXPECT_THAT(input["text"].get<std::string>(), HasSubstr(absl::StrCat("ship order ", unique)));
  ASSERT_EQ(input["attachments"].size(), 1u);
  EXPECT_EQ(input["file"], *pdf);  // content-addressed: the same bytes, the same key
  EXPECT_EQ(runs[0].business_key, input["message_id"]);
  EXPECT_THAT(input["message_id"].get<std::string>(), HasSubstr("flowline."));

  ASSERT_TRUE(host.PollAllOnce().ok());
  EXPECT_EQ(Runs("mail-orders").size(), 1u);
  steps::MailServer carol;
  carol.url = absl::StrCat("imaps://127.0.0.1:", env_.imaps_port);
  carol.username = "carol";
  carol.password = env_.password;
  carol.ca_file = env_.ca_file;
  ImapClient carol_box(carol);
  EXPECT_THAT(*carol_box.SearchAfter("INBOX", 0), IsEmpty());
  EXPECT_THAT(*carol_box.SearchAfter("Archive", 0), Not(IsEmpty()));
}

TEST_F(EmailSourceTest, OneRunPerMessageAcrossPassesAndRedeliveries) {
  engine::TriggerSpec spec = Trigger({{"connection", "mailbox"}, {"folder", folder_}});
  Deploy(Spec(absl::StrCat("{ connection: mailbox, folder: ", folder_, " }")));
  std::unique_ptr<TriggerSource> source = Source(spec);
  ASSERT_NE(source, nullptr);
  TestContext context(*engine_, *artifacts_, clock_, *connections_, spec);
  Append("a1@shop.example", "one");
  Append("a2@shop.example", "two");
  ASSERT_TRUE(source->Poll(context, absl::Seconds(10)).ok());
  EXPECT_THAT(Keys(), ElementsAre("a1@shop.example", "a2@shop.example"));
  EXPECT_EQ((*context.state)["last_uid"], 2);

  Append("a3@shop.example", "three");
  Append("a1@shop.example", "one again");  // the same message delivered twice
  ASSERT_TRUE(source->Poll(context, absl::Seconds(10)).ok());
  EXPECT_THAT(Keys(), ElementsAre("a1@shop.example", "a2@shop.example", "a3@shop.example"));
  EXPECT_EQ((*context.state)["last_uid"], 4);
  ASSERT_TRUE(source->Poll(context, absl::Seconds(10)).ok());
  EXPECT_EQ(Keys().size(), 3u);
  EXPECT_EQ(source->NextPollIn(clock_.Now()), absl::Seconds(30));
}

TEST_F(EmailSourceTest, ACrashBeforeTheCursorIsSavedRepeatsTheMessageAsTheSameRun) {
  engine::TriggerSpec spec = Trigger({{"connection", "mailbox"}, {"folder", folder_}});
  Deploy(Spec(absl::StrCat("{ connection: mailbox, folder: ", folder_, " }")));
  std::unique_ptr<TriggerSource> source = Source(spec);
  TestContext context(*engine_, *artifacts_, clock_, *connections_, spec);
  ASSERT_TRUE(source->Poll(context, absl::Seconds(10)).ok());  // the cursor at the folder's start
  Append("c1@shop.example", "one");
  Append("c2@shop.example", "two");
  context.fail_saves = 1;  // the run of c1 is durable, its UID is not saved
  EXPECT_FALSE(source->Poll(context, absl::Seconds(10)).ok());
  EXPECT_THAT(Keys(), ElementsAre("c1@shop.example"));
  // The next pass takes c1 again: the same run, not a second one.
  ASSERT_TRUE(source->Poll(context, absl::Seconds(10)).ok());
  EXPECT_THAT(Keys(), ElementsAre("c1@shop.example", "c2@shop.example"));
  EXPECT_EQ((*context.state)["last_uid"], 2);
}

TEST_F(EmailSourceTest, AfterDeleteAndMoveTakeTheMessageOutOfTheFolder) {
  const std::string done = folder_ + "-done";
  ASSERT_TRUE(imap_->Create(done).ok());
  engine::TriggerSpec deleting =
      Trigger({{"connection", "mailbox"}, {"folder", folder_}, {"after", "delete"}});
  engine::TriggerSpec moving = Trigger(
      {{"connection", "mailbox"}, {"folder", folder_}, {"after", absl::StrCat("move:", done)}});
  Deploy(Spec(absl::StrCat("{ connection: mailbox, folder: ", folder_, ", after: delete }")));
  TestContext delete_context(*engine_, *artifacts_, clock_, *connections_, deleting);
  Append("d1@shop.example", "one");
  ASSERT_TRUE(Source(deleting)->Poll(delete_context, absl::Seconds(10)).ok());
  EXPECT_THAT(Uids(folder_), IsEmpty());
  TestContext move_context(*engine_, *artifacts_, clock_, *connections_, moving);
  move_context.state = delete_context.state;
  Append("d2@shop.example", "two");
  ASSERT_TRUE(Source(moving)->Poll(move_context, absl::Seconds(10)).ok());
  EXPECT_THAT(Uids(folder_), IsEmpty());
  EXPECT_THAT(Uids(done), ElementsAre(1));
  EXPECT_THAT(Keys(), ElementsAre("d1@shop.example", "d2@shop.example"));
}

TEST_F(EmailSourceTest, ANewUidValidityRescansWithoutDuplicates) {
  engine::TriggerSpec spec = Trigger({{"connection", "mailbox"}, {"folder", folder_}});
  Deploy(Spec(absl::StrCat("{ connection: mailbox, folder: ", folder_, " }")));
  std::unique_ptr<TriggerSource> source = Source(spec);
  TestContext context(*engine_, *artifacts_, clock_, *connections_, spec);
  Append("u1@shop.example", "one");
  ASSERT_TRUE(source->Poll(context, absl::Seconds(10)).ok());
  ASSERT_THAT(Keys(), ElementsAre("u1@shop.example"));
  // As after a restore of the mailbox: another UIDVALIDITY, UIDs that mean nothing.
  context.state = Json{{"uidvalidity", 1}, {"last_uid", 999}};
  Append("u2@shop.example", "two");
  ASSERT_TRUE(source->Poll(context, absl::Seconds(10)).ok());
  EXPECT_THAT(Keys(), ElementsAre("u1@shop.example", "u2@shop.example"));
  EXPECT_EQ((*context.state)["last_uid"], 2);
}

TEST_F(EmailSourceTest, AWrongPasswordFailsThePassWithoutSayingIt) {
  engine::TriggerSpec spec = Trigger({{"connection", "wrong"}});
  std::unique_ptr<TriggerSource> source = Source(spec);
  TestContext context(*engine_, *artifacts_, clock_, *connections_, spec);
  absl::Status status = source->Poll(context, absl::Seconds(10));
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("connection wrong"));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("wrong-password-for-the-trigger")));
}

TEST_F(EmailSourceTest, TheFactoryNamesAMissingOrWrongConnection) {
  SourceEnv env{*connections_, clock_};
  auto missing = NewEmailSource(Trigger({{"connection", "nope"}}), env);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("no connection named nope"));
  auto smtp = NewEmailSource(Trigger({{"connection", "mail_out"}}), env);
  EXPECT_THAT(std::string(smtp.status().message()), HasSubstr("not imap"));
  auto after = NewEmailSource(Trigger({{"connection", "mailbox"}, {"after", "archive"}}), env);
  EXPECT_EQ(after.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flowline::triggers
