// The email step against real servers: OpenSMTPD (plain SMTP) and Dovecot's submission service
// (STARTTLS, implicit TLS, AUTH) of ctest's `mail` fixture, delivering into Maildirs this test
// reads (bob's and alice's; carol's INBOX belongs to the email trigger's round trip).
#include "steps/email_step.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "steps/artifacts.h"
#include "steps/connections.h"
#include "steps/step_test_util.h"
#include "steps/testing/mail_test_env.h"

namespace flowline::steps {
namespace {

using testing::ConfigErrorOn;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::MailTestEnv;
using testing::MustPrepare;
using ::testing::Not;
using testing::PrepareStep;
using testing::WaitForMessage;

// A loopback port nothing listens on: bound, then closed.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

class EmailStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<MailTestEnv> env = testing::LoadMailTestEnv();
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = *env;
    setenv("EMAIL_TEST_SMTP_PASSWORD", env_.password.c_str(), 1);
    setenv("EMAIL_TEST_WRONG_PASSWORD", "not-the-password-4711", 1);
    const std::string yaml = absl::StrCat(R"(connections:
  plain:
    type: smtp
    url: smtp://127.0.0.1:)",
                                          env_.smtp_port, R"(
    tls: none
    from: "Acme Onboarding <welcome@acme.example>"
  submission:
    type: smtp
    url: smtp://127.0.0.1:)",
                                          env_.submission_port, R"(
    username: alice
    password_env: EMAIL_TEST_SMTP_PASSWORD
    ca_file: )",
                                          env_.ca_file, R"(
    from: alice@)",
                                          env_.domain, R"(
  smtps:
    type: smtp
    url: smtps://127.0.0.1:)",
                                          env_.smtps_port, R"(
    username: alice
    password_env: EMAIL_TEST_SMTP_PASSWORD
    ca_file: )",
                                          env_.ca_file, R"(
    from: alice@)",
                                          env_.domain, R"(
  wrong_password:
    type: smtp
    url: smtps://127.0.0.1:)",
                                          env_.smtps_port, R"(
    username: alice
    password_env: EMAIL_TEST_WRONG_PASSWORD
    ca_file: )",
                                          env_.ca_file, R"(
    from: alice@)",
                                          env_.domain, R"(
  untrusted:
    type: smtp
    url: smtps://127.0.0.1:)",
                                          env_.smtps_port, R"(
    username: alice
    password_env: EMAIL_TEST_SMTP_PASSWORD
    from: alice@)",
                                          env_.domain, R"(
  refused:
    type: smtp
    url: smtp://127.0.0.1:)",
                                          ClosedPort(), R"(
    tls: none
    from: a@b.example
  mailbox:
    type: imap
    url: imap://127.0.0.1:)",
                                          env_.imap_port, "\n");
    absl::StatusOr<Connections> connections = Connections::Parse(yaml, "connections.yaml");
    ASSERT_TRUE(connections.ok()) << connections.status();
    kind_ = std::make_unique<EmailStep>(std::make_shared<const Connections>(*connections));
    artifacts_ = NewFileArtifactStore(dir_.File("artifacts"));
    run_ = {{"input", {{"name", "Ann <Admin>"}, {"id", unique_}}}};
  }

  StepOutcome Execute(const Json& with, bool suppress = false) {
    std::unique_ptr<PreparedStep> step = MustPrepare(*kind_, with);
    if (step == nullptr) return StepOutcome::Failed("not prepared");
    StepContext ctx;
    ctx.run_id = "run_1";
    ctx.step_id = "welcome";
    ctx.idempotency_key = absl::StrCat("run_1/welcome/", unique_);
    ctx.params = &with;
    ctx.run = &run_;
    ctx.clock = &clock_;
    ctx.artifacts = artifacts_.get();
    ctx.suppress_side_effects = suppress;
    ctx.deadline = absl::Now() + absl::Seconds(60);
    return step->Execute(ctx);
  }

  std::string Address(const std::string& user) const {
    return absl::StrCat(user, "@", env_.domain);
  }

  MailTestEnv env_;
  common::TempDir dir_;
  common::FakeClock clock_{absl::FromUnixSeconds(1795563428)};
  std::unique_ptr<EmailStep> kind_;
  std::unique_ptr<ArtifactStore> artifacts_;
  const std::string unique_ = common::Sha256Hex(absl::FormatTime(absl::Now())).substr(0, 12);
  Json run_;
};

TEST_F(EmailStepTest, SendsOverPlainSmtpWithTemplatedSubjectAndBody) {
  const Json with = {{"connection", "plain"},
                     {"to", Address("bob")},
                     {"subject", "Welcome {{input.name}} ({{input.id}})"},
                     {"body", "Hello {{input.name}},\nyour case {{input.id}} is open.\n"}};
  StepOutcome outcome = Execute(with);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  const std::string message_id = outcome.output["message_id"];
  EXPECT_THAT(message_id, ::testing::MatchesRegex("<flowline\\.[0-9a-f]{32}@acme\\.example>"));
  EXPECT_THAT(outcome.output["recipients"], ElementsAre(Address("bob")));

  const std::string received = WaitForMessage(env_.Maildir("bob"), message_id);
  ASSERT_FALSE(received.empty()) << "no message " << message_id << " in bob's mailbox";
  EXPECT_THAT(received, HasSubstr(absl::StrCat("Subject: Welcome Ann <Admin> (", unique_, ")")));
  EXPECT_THAT(received, HasSubstr("From: Acme Onboarding <welcome@acme.example>"));
  EXPECT_THAT(received, HasSubstr("Date: Tue, 24 Nov 2026 23:37:08 +0000"));
  EXPECT_THAT(received, HasSubstr("Auto-Submitted: auto-generated"));
  EXPECT_THAT(received, HasSubstr(absl::StrCat("your case ", unique_, " is open.")));
}

TEST_F(EmailStepTest, TheSameStepSendsTheSameMessageIdOnEveryAttempt) {
  const Json with = {{"connection", "plain"},
                     {"to", Address("bob")},
                     {"subject", "retry {{input.id}}"},
                     {"body", "x"}};
  StepOutcome first = Execute(with, /*suppress=*/true);
  StepOutcome second = Execute(with, /*suppress=*/true);
  ASSERT_EQ(first.kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(first.output["request"]["message_id"], second.output["request"]["message_id"]);
}

TEST_F(EmailStepTest, StartTlsWithAuthFromTheConnectionsSecret) {
  const Json with = {
      {"connection", "submission"},
      {"to", Json::array({Address("bob"), absl::StrCat("Alice <", Address("alice"), ">")})},
      {"subject", "starttls {{input.id}}"},
      {"body", "sent over STARTTLS"}};
  StepOutcome outcome = Execute(with);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_THAT(outcome.output["recipients"], ElementsAre(Address("bob"), Address("alice")));
  EXPECT_THAT(outcome.output.dump(), Not(HasSubstr(env_.password)));
  EXPECT_FALSE(WaitForMessage(env_.Maildir("bob"), absl::StrCat("starttls ", unique_)).empty());
  EXPECT_FALSE(WaitForMessage(env_.Maildir("alice"), absl::StrCat("starttls ", unique_)).empty());
}

TEST_F(EmailStepTest, ImplicitTlsWithHtmlAndAnAttachmentFromTheArtifactStore) {
  absl::StatusOr<std::string> key = artifacts_->Put("%PDF-1.4 contract bytes", "pdf");
  ASSERT_TRUE(key.ok());
  run_["input"]["file"] = *key;
  const Json with = {{"connection", "smtps"},
                     {"to", Address("bob")},
                     {"cc", Address("alice")},
                     {"subject", "smtps {{input.id}}"},
                     {"body", "See the contract."},
                     {"html", "<p>Dear {{input.name}}</p>"},
                     {"attachments", Json::array({{{"file", *key}, {"name", "contract.pdf"}}})}};
  StepOutcome outcome = Execute(with);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  const std::string received = WaitForMessage(env_.Maildir("bob"), absl::StrCat("smtps ", unique_));
  ASSERT_FALSE(received.empty());
  EXPECT_THAT(received, HasSubstr("Cc: alice@mail.test"));
  EXPECT_THAT(received, HasSubstr("multipart/mixed"));
  EXPECT_THAT(received, HasSubstr("<p>Dear Ann &lt;Admin&gt;</p>"));  // HTML-escaped
  EXPECT_THAT(received, HasSubstr("filename=\"contract.pdf\""));
  EXPECT_THAT(received, HasSubstr("JVBERi0xLjQgY29udHJhY3QgYnl0ZXM="));  // the PDF, base64
}

TEST_F(EmailStepTest, AWrongPasswordIsPermanentAndNeverEchoed) {
  const Json with = {
      {"connection", "wrong_password"}, {"to", Address("bob")}, {"subject", "s"}, {"body", "b"}};
  StepOutcome outcome = Execute(with);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent) << outcome.error;
  EXPECT_THAT(outcome.error, HasSubstr("connection wrong_password"));
  EXPECT_THAT(outcome.error, Not(HasSubstr("not-the-password-4711")));
}

TEST_F(EmailStepTest, AnUntrustedCertificateIsPermanent) {
  StepOutcome outcome = Execute(
      {{"connection", "untrusted"}, {"to", Address("bob")}, {"subject", "s"}, {"body", "b"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent) << outcome.error;
}

TEST_F(EmailStepTest, AnUnknownRecipientIsPermanent) {
  StepOutcome outcome = Execute(
      {{"connection", "plain"}, {"to", Address("nobody-here")}, {"subject", "s"}, {"body", "b"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent) << outcome.error;
  EXPECT_THAT(outcome.error, HasSubstr("550"));
}

TEST_F(EmailStepTest, ARefusedConnectionIsTransient) {
  StepOutcome outcome =
      Execute({{"connection", "refused"}, {"to", "x@y.example"}, {"subject", "s"}, {"body", "b"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kTransient) << outcome.error;
}

TEST_F(EmailStepTest, ASuppressedRunSendsNothing) {
  const Json with = {{"connection", "plain"},
                     {"to", Address("bob")},
                     {"subject", "suppressed {{input.id}}"},
                     {"body", "b"}};
  StepOutcome outcome = Execute(with, /*suppress=*/true);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["suppressed"], true);
  EXPECT_EQ(outcome.output["request"]["subject"], absl::StrCat("suppressed ", unique_));
  // A real send to the same mailbox after it arrives; the suppressed one never does.
  const Json marker = {{"connection", "plain"},
                       {"to", Address("bob")},
                       {"subject", "after-suppressed {{input.id}}"},
                       {"body", "b"}};
  ASSERT_EQ(Execute(marker).kind, StepOutcome::Kind::kCompleted);
  ASSERT_FALSE(
      WaitForMessage(env_.Maildir("bob"), absl::StrCat("after-suppressed ", unique_)).empty());
  EXPECT_TRUE(WaitForMessage(env_.Maildir("bob"), absl::StrCat("Subject: suppressed ", unique_),
                             std::chrono::milliseconds(0))
                  .empty());
}

TEST_F(EmailStepTest, PrepareNamesWhatIsWrong) {
  auto errors = [&](const Json& with) { return PrepareStep(*kind_, with).errors; };
  const Json base = {
      {"connection", "plain"}, {"to", "a@b.example"}, {"subject", "s"}, {"body", "b"}};
  Json with = base;
  with["connection"] = "nope";
  EXPECT_THAT(errors(with), ElementsAre(ConfigErrorOn("connection", "no connection named nope")));
  with["connection"] = "mailbox";
  EXPECT_THAT(errors(with), ElementsAre(ConfigErrorOn("connection", "not smtp")));
  with = base;
  with["subject"] = "{{#input.x}} unclosed";
  EXPECT_THAT(errors(with), ElementsAre(ConfigErrorOn("subject", "not valid mustache")));
  with = base;
  with["to"] = Json::array({"ok@b.example", "not an address"});
  EXPECT_THAT(errors(with), ElementsAre(ConfigErrorOn("to.1", "is not an email address")));
  with = base;
  with.erase("body");
  EXPECT_THAT(errors(with), ElementsAre(ConfigErrorOn("body", "no body")));
  with = base;
  with["to"] = "${{ input.email }}";
  with["attachments"] = Json::array({"${{ input.file }}", "not-a-key"});
  EXPECT_THAT(errors(with), ElementsAre(ConfigErrorOn("attachments.1", "not an artifact key")));
  EXPECT_THAT(errors(base), IsEmpty());
}

}  // namespace
}  // namespace flowline::steps
