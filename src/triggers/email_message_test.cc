#include "triggers/email_message.h"

#include "common/ids.h"
#include "common/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "steps/mail_message.h"

namespace flowline::triggers {
namespace {

using ::testing::ElementsAre;

class EmailMessageTest : public ::testing::Test {
 protected:
  common::TempDir dir_;
  std::unique_ptr<steps::ArtifactStore> artifacts_ = steps::NewFileArtifactStore(dir_.path());
};

// What the email step sends, the trigger reads back: the two halves agree on MIME.
TEST_F(EmailMessageTest, ReadsWhatTheEmailStepWrites) {
  steps::MailContent content;
  content.from = {"Ann Example", "ann@example.com"};
  content.to = {{"", "orders@acme.example"}, {"Bob", "bob@acme.example"}};
  content.cc = {{"", "audit@acme.example"}};
  content.subject = "Bestellung für Köln";
  content.text = "Bitte liefern: 3 × Stühle\n";
  content.html = "<p>Bitte liefern</p>";
  content.attachments = {{"order.pdf", "application/pdf", "%PDF-1.4 order"},
                         {"photo.PNG", "image/png", std::string("\x89PNG\r\n\x1a\n", 8)}};
  content.message_id = "m1@example.com";
  content.date = absl::FromUnixSeconds(1795563428);
  const std::string raw = steps::BuildMailMessage(content, "seed");

  absl::StatusOr<ReceivedEmail> received = ParseReceivedEmail(raw, *artifacts_, "");
  ASSERT_TRUE(received.ok()) << received.status();
  const Json& input = received->input;
  EXPECT_EQ(received->key, "m1@example.com");
  EXPECT_EQ(input["message_id"], "m1@example.com");
  EXPECT_EQ(input["from"], "ann@example.com");
  EXPECT_EQ(input["from_name"], "Ann Example");
  EXPECT_THAT(input["to"], ElementsAre("orders@acme.example", "bob@acme.example"));
  EXPECT_THAT(input["cc"], ElementsAre("audit@acme.example"));
  EXPECT_EQ(input["subject"], "Bestellung für Köln");
  EXPECT_EQ(input["date"], "2026-11-24T23:37:08+00:00");
  EXPECT_EQ(input["text"], "Bitte liefern: 3 × Stühle\r\n");
  EXPECT_EQ(input["html"], "<p>Bitte liefern</p>");
  ASSERT_EQ(input["attachments"].size(), 2u);
  const Json& pdf = input["attachments"][0];
  EXPECT_EQ(pdf["name"], "order.pdf");
  EXPECT_EQ(pdf["media_type"], "application/pdf");
  EXPECT_EQ(pdf["size"], 14);
  EXPECT_EQ(pdf["sha256"], common::Sha256Hex("%PDF-1.4 order"));
  EXPECT_EQ(*artifacts_->Get(pdf["file"].get<std::string>()), "%PDF-1.4 order");
  EXPECT_EQ(input["file"], pdf["file"]);
  const std::string png_key = input["attachments"][1]["file"];
  EXPECT_TRUE(png_key.ends_with(".png")) << png_key;
  EXPECT_EQ(artifacts_->Get(png_key)->size(), 8u);
  EXPECT_EQ(*artifacts_->Get(input["raw"].get<std::string>()), raw);
}

TEST_F(EmailMessageTest, KeepsOnlyAttachmentsMatchingThePattern) {
  steps::MailContent content;
  content.from = {"", "a@example.com"};
  content.to = {{"", "b@example.com"}};
  content.subject = "s";
  content.text = "t";
  content.attachments = {{"scan.JPG", "image/jpeg", "jpg"},
                         {"invoice.PDF", "application/pdf", "p"}};
  content.message_id = "m2@example.com";
  absl::StatusOr<ReceivedEmail> received =
      ParseReceivedEmail(steps::BuildMailMessage(content, "seed"), *artifacts_, "*.pdf");
  ASSERT_TRUE(received.ok()) << received.status();
  ASSERT_EQ(received->input["attachments"].size(), 1u);
  EXPECT_EQ(received->input["attachments"][0]["name"], "invoice.PDF");
  EXPECT_TRUE(received->input["file"].get<std::string>().ends_with(".pdf"));
}

TEST_F(EmailMessageTest, DecodesHeadersAndCharsetsOfOtherMailers) {
  const std::string raw =
      "From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <jm@example.de>\r\n"
      "To: Team: x@example.de, y@example.de;\r\n"
      "Subject: =?UTF-8?B?UmVjaG51bmcgTcOkcno=?=\r\n"
      "Date: Mon, 2 Mar 2026 09:15:00 +0100\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=ISO-8859-1\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "Gr=FC=DFe\r\n";
  absl::StatusOr<ReceivedEmail> received = ParseReceivedEmail(raw, *artifacts_, "");
  ASSERT_TRUE(received.ok()) << received.status();
  const Json& input = received->input;
  EXPECT_EQ(input["from"], "jm@example.de");
  EXPECT_EQ(input["from_name"], "Jürgen Müller");
  EXPECT_THAT(input["to"], ElementsAre("x@example.de", "y@example.de"));
  EXPECT_EQ(input["subject"], "Rechnung März");
  EXPECT_EQ(input["date"], "2026-03-02T09:15:00+01:00");
  EXPECT_EQ(input["text"], "Grüße\r\n");
  EXPECT_EQ(input["message_id"], "");
  EXPECT_FALSE(input.contains("file"));
  // No Message-ID: the raw message's hash is the key.
  EXPECT_EQ(received->key, common::Sha256Hex(raw));
}

}  // namespace
}  // namespace flowline::triggers
