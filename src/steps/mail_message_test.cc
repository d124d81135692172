#include "steps/mail_message.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::steps {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

MailContent Basic() {
  MailContent content;
  content.from = {"Acme", "welcome@acme.example"};
  content.to = {{"", "ann@example.com"}};
  content.subject = "Welcome";
  content.text = "Hello Ann";
  content.message_id = "flowline.abc@acme.example";
  content.date = absl::FromUnixSeconds(1795563428);  // Tue, 24 Nov 2026 23:37:08 UTC
  return content;
}

TEST(MailAddressTest, ParsesBareNamedAndQuotedForms) {
  absl::StatusOr<MailAddress> bare = ParseMailAddress(" ann@example.com ");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(bare->address, "ann@example.com");
  EXPECT_EQ(bare->name, "");
  absl::StatusOr<MailAddress> named = ParseMailAddress("Ann Example <ann@example.com>");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->name, "Ann Example");
  EXPECT_EQ(named->address, "ann@example.com");
  absl::StatusOr<MailAddress> quoted = ParseMailAddress("\"Example, Ann\" <ann@example.com>");
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(quoted->name, "Example, Ann");
}

TEST(MailAddressTest, RejectsWhatIsNotAnAddress) {
  for (const char* bad : {"ann", "ann@", "@example.com", "a b@example.com", "Ann <ann@example.com",
                          "a@b@c", "ann@example.com\r\nBcc: x@y.z"}) {
    absl::StatusOr<MailAddress> parsed = ParseMailAddress(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(std::string(ParseMailAddress("ann").status().message()),
              HasSubstr("write name@example.com"));
}

TEST(MailAddressTest, FormatsQuotesAndEncodesDisplayNames) {
  EXPECT_EQ(FormatMailAddress({"", "a@b.c"}), "a@b.c");
  EXPECT_EQ(FormatMailAddress({"Ann", "a@b.c"}), "Ann <a@b.c>");
  EXPECT_EQ(FormatMailAddress({"Example, Ann", "a@b.c"}), "\"Example, Ann\" <a@b.c>");
  EXPECT_EQ(FormatMailAddress({"Jürgen", "j@b.c"}), "=?UTF-8?B?SsO8cmdlbg==?= <j@b.c>");
}

TEST(MailMessageTest, WritesTheHeadersAndAQuotedPrintableBody) {
  const std::string message = BuildMailMessage(Basic(), "key-1");
  EXPECT_THAT(message, HasSubstr("Date: Tue, 24 Nov 2026 23:37:08 +0000\r\n"));
  EXPECT_THAT(message, HasSubstr("From: Acme <welcome@acme.example>\r\n"));
  EXPECT_THAT(message, HasSubstr("To: ann@example.com\r\n"));
  EXPECT_THAT(message, HasSubstr("Subject: Welcome\r\n"));
  EXPECT_THAT(message, HasSubstr("Message-ID: <flowline.abc@acme.example>\r\n"));
  EXPECT_THAT(message, HasSubstr("MIME-Version: 1.0\r\n"));
  EXPECT_THAT(message, HasSubstr("Content-Type: text/plain; charset=utf-8\r\n"
                                 "Content-Transfer-Encoding: quoted-printable\r\n\r\nHello Ann"));
  EXPECT_THAT(message, Not(HasSubstr("multipart")));
}

TEST(MailMessageTest, EveryLineIsShortSevenBitAndEndsInCrlf) {
  MailContent content = Basic();
  content.subject = "Grüße aus Köln — Ihre Bestellung 12345 ist unterwegs und kommt morgen an";
  content.text = std::string(300, 'x') + " = ä\ntrailing space \nFrom the team\n";
  content.html = "<p>Grüße</p>";
  content.attachments = {{"Rechnung März.pdf", "application/pdf", std::string(500, '\xff')}};
  const std::string message = BuildMailMessage(content, "key-1");
  for (absl::string_view line : absl::StrSplit(message, "\r\n")) {
    EXPECT_LE(line.size(), 78u) << line;
    EXPECT_EQ(line.find('\n'), absl::string_view::npos);
    for (char c : line) EXPECT_LT(static_cast<unsigned char>(c), 0x80) << line;
  }
  EXPECT_THAT(message, HasSubstr("Subject: =?UTF-8?B?"));
  EXPECT_THAT(message, HasSubstr(" =3D =C3=A4\r\n"));        // '=' and 'ä' encoded
  EXPECT_THAT(message, HasSubstr("trailing space=20\r\n"));  // a trailing space survives
  EXPECT_THAT(message, HasSubstr("=46rom the team"));        // no bare "From " line
  EXPECT_THAT(message, HasSubstr("filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf"));
}

TEST(MailMessageTest, NestsAlternativeBodiesInsideMixedWithAttachments) {
  MailContent content = Basic();
  content.html = "<p>Hello <b>Ann</b></p>";
  content.attachments = {{"id.png", "image/png", "PNGBYTES"}};
  const std::string message = BuildMailMessage(content, "key-1");
  const size_t mixed =
      message.find("Content-Type: multipart/mixed;\r\n boundary=\"=_flowline_mixed_");
  const size_t alternative =
      message.find("Content-Type: multipart/alternative;\r\n boundary=\"=_flowline_alt_");
  ASSERT_NE(mixed, std::string::npos) << message;
  ASSERT_NE(alternative, std::string::npos) << message;
  EXPECT_LT(mixed, alternative);
  EXPECT_LT(message.find("text/plain"), message.find("text/html"));
  EXPECT_THAT(message, HasSubstr("Content-Type: image/png; name=\"id.png\"\r\n"
                                 "Content-Disposition: attachment; filename=\"id.png\"\r\n"
                                 "Content-Transfer-Encoding: base64\r\n\r\n" +
                                 absl::Base64Escape("PNGBYTES") + "\r\n"));
}

TEST(MailMessageTest, SameSeedSameBytesOtherSeedOtherBoundaries) {
  MailContent content = Basic();
  content.html = "<p>x</p>";
  EXPECT_EQ(BuildMailMessage(content, "key-1"), BuildMailMessage(content, "key-1"));
  EXPECT_NE(BuildMailMessage(content, "key-1"), BuildMailMessage(content, "key-2"));
}

TEST(MailMessageTest, LineBreaksInTheSubjectCannotAddHeaders) {
  MailContent content = Basic();
  content.subject = "Hi\r\nBcc: attacker@example.com";
  const std::string message = BuildMailMessage(content, "key-1");
  EXPECT_THAT(message, HasSubstr("Subject: Hi Bcc: attacker@example.com\r\n"));
  EXPECT_THAT(message, Not(HasSubstr("\r\nBcc:")));
}

TEST(MailMessageTest, MediaTypesByExtension) {
  EXPECT_EQ(MediaTypeForName("a.PDF"), "application/pdf");
  EXPECT_EQ(MediaTypeForName("scan.jpeg"), "image/jpeg");
  EXPECT_EQ(MediaTypeForName("noext"), "application/octet-stream");
  EXPECT_EQ(MediaTypeForName("x.weird"), "application/octet-stream");
}

}  // namespace
}  // namespace flowline::steps
