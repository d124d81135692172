// The IMAP client against the test Dovecot (ctest fixture `mail`). Each test works in folders
// of its own, so tests running in parallel do not see each other's mail.
#include "triggers/imap_client.h"

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "steps/testing/mail_test_env.h"

namespace flowline::triggers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string Message(const std::string& subject) {
  return absl::StrCat("From: a@example.com\r\nTo: alice@mail.test\r\nSubject: ", subject,
                      "\r\nMessage-ID: <", subject, "@example.com>\r\n\r\nbody of ", subject,
                      "\r\n");
}

class ImapClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<steps::testing::MailTestEnv> env = steps::testing::LoadMailTestEnv();
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = *env;
    server_.url = absl::StrCat("imap://127.0.0.1:", env_.imap_port);
    server_.username = "alice";
    server_.password = env_.password;
    server_.tls = steps::MailServer::Tls::kNone;
    server_.label = "connection mailbox";
    server_.timeout = absl::Seconds(20);
    folder_ = absl::StrCat("test-", common::Sha256Hex(absl::FormatTime(absl::Now())).substr(0, 10));
  }

  steps::testing::MailTestEnv env_;
  steps::MailServer server_;
  std::string folder_;
};

TEST_F(ImapClientTest, FindsNewMessagesByUidAndFetchesThem) {
  ImapClient client(server_);
  ASSERT_TRUE(client.Create(folder_).ok());
  for (const char* subject : {"one", "two", "three"}) {
    ASSERT_TRUE(client.Append(folder_, Message(absl::StrCat(subject, "-", folder_))).ok());
  }
  absl::StatusOr<FolderStatus> status = client.Status(folder_);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_GT(status->uidvalidity, 0u);
  EXPECT_EQ(status->uidnext, 4u);

  absl::StatusOr<std::vector<uint64_t>> all = client.SearchAfter(folder_, 0);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(*all, ElementsAre(1, 2, 3));
  EXPECT_THAT(*client.SearchAfter(folder_, 2), ElementsAre(3));
  EXPECT_THAT(*client.SearchAfter(folder_, 3), IsEmpty());  // "4:*" matches 3: filtered out

  absl::StatusOr<std::string> two = client.Fetch(folder_, status->uidvalidity, 2);
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_THAT(*two, HasSubstr(absl::StrCat("Subject: two-", folder_)));
  EXPECT_THAT(*two, HasSubstr(absl::StrCat("body of two-", folder_)));

  absl::StatusOr<std::string> stale = client.Fetch(folder_, status->uidvalidity + 1, 2);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kFailedPrecondition) << stale.status();
}

TEST_F(ImapClientTest, MovesDeletesAndMarksSeen) {
  ImapClient client(server_);
  const std::string archive = folder_ + "-archive";
  ASSERT_TRUE(client.Create(folder_).ok());
  ASSERT_TRUE(client.Create(archive).ok());
  for (const char* subject : {"a", "b", "c"}) {
    ASSERT_TRUE(client.Append(folder_, Message(absl::StrCat(subject, "-", folder_))).ok());
  }
  ASSERT_TRUE(client.MarkSeen(folder_, 1).ok());
  absl::Status moved = client.Move(folder_, 2, archive);
  ASSERT_TRUE(moved.ok()) << moved;
  absl::Status deleted = client.Delete(folder_, 3);
  ASSERT_TRUE(deleted.ok()) << deleted;
  EXPECT_THAT(*client.SearchAfter(folder_, 0), ElementsAre(1));
  absl::StatusOr<FolderStatus> archived = client.Status(archive);
  ASSERT_TRUE(archived.ok());
  absl::StatusOr<std::string> moved_message = client.Fetch(archive, archived->uidvalidity, 1);
  ASSERT_TRUE(moved_message.ok()) << moved_message.status();
  EXPECT_THAT(*moved_message, HasSubstr(absl::StrCat("b-", folder_)));
}

TEST_F(ImapClientTest, AMissingFolderIsNotFound) {
  ImapClient client(server_);
  absl::StatusOr<FolderStatus> status = client.Status(folder_ + "-missing");
  EXPECT_EQ(status.status().code(), absl::StatusCode::kNotFound) << status.status();
  EXPECT_THAT(std::string(status.status().message()), HasSubstr("fix `folder:`"));
}

TEST_F(ImapClientTest, ImplicitTlsWithTheTestCa) {
  server_.url = absl::StrCat("imaps://127.0.0.1:", env_.imaps_port);
  server_.tls = steps::MailServer::Tls::kRequired;
  server_.ca_file = env_.ca_file;
  ImapClient client(server_);
  absl::StatusOr<FolderStatus> status = client.Status("INBOX");
  EXPECT_TRUE(status.ok()) << status.status();
}

TEST_F(ImapClientTest, AWrongPasswordFailsWithoutSayingIt) {
  server_.password = "wrong-imap-password-0815";
  ImapClient client(server_);
  absl::StatusOr<FolderStatus> status = client.Status("INBOX");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.status().message()), HasSubstr("connection mailbox"));
  EXPECT_THAT(std::string(status.status().message()), Not(HasSubstr("wrong-imap-password-0815")));
}

}  // namespace
}  // namespace flowline::triggers
