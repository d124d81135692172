// The mail tests' servers: OpenSMTPD + Dovecot (scripts/mail-test-servers.sh) that ctest's
// `mail` fixture starts. Found through the file $FLOWLINE_TEST_MAIL_ENV_FILE names (ctest sets
// it); without it the tests fail with a message saying how to start the servers: mail tests
// never skip. Header-only, test-only.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace flowline::steps::testing {

struct MailTestEnv {
  std::string dir;  // the servers' folder (DIR of mail-test-servers.sh)
  std::string domain;
  std::string password;
  int smtp_port = 0;
  int submission_port = 0;
  int smtps_port = 0;
  int imap_port = 0;
  int imaps_port = 0;
  std::string ca_file;

  // The Maildir of `user`'s INBOX (messages land in new/, read ones move to cur/).
  std::string Maildir(const std::string& user) const {
    return absl::StrCat(dir, "/mail/", user, "/Maildir");
  }
};

inline absl::StatusOr<MailTestEnv> LoadMailTestEnv() {
  const char* file = std::getenv("FLOWLINE_TEST_MAIL_ENV_FILE");
  if (file == nullptr || *file == '\0') {
    return absl::FailedPreconditionError(
        "no test mail servers: run the test through ctest (fixture `mail`), or start them with "
        "scripts/mail-test-servers.sh start DIR and set FLOWLINE_TEST_MAIL_ENV_FILE=DIR/env");
  }
  std::ifstream in(file);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat(
        file, " cannot be read: start the servers with scripts/mail-test-servers.sh start DIR"));
  }
  std::map<std::string, std::string> values;
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
    values[line.substr(0, eq)] = value;
  }
  MailTestEnv env;
  env.dir = std::filesystem::path(file).parent_path().string();
  env.domain = values["FLOWLINE_TEST_MAIL_DOMAIN"];
  env.password = values["FLOWLINE_TEST_MAIL_PASSWORD"];
  env.ca_file = values["FLOWLINE_TEST_MAIL_CA_FILE"];
  auto port = [&](const char* name) { return std::atoi(values[name].c_str()); };
  env.smtp_port = port("FLOWLINE_TEST_SMTP_PORT");
  env.submission_port = port("FLOWLINE_TEST_SMTP_SUBMISSION_PORT");
  env.smtps_port = port("FLOWLINE_TEST_SMTPS_PORT");
  env.imap_port = port("FLOWLINE_TEST_IMAP_PORT");
  env.imaps_port = port("FLOWLINE_TEST_IMAPS_PORT");
  if (env.smtp_port == 0 || env.imap_port == 0 || env.password.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(file, " is incomplete: restart the servers"));
  }
  return env;
}

// The raw text of the first message delivered to `maildir` (new/ or cur/) that contains
// `needle` (tests run in parallel against one server, so each finds its own message by a unique
// text); "" if none arrived within `timeout`. Delivery is asynchronous (the server queues, then
// writes the file), so this polls the folder: the server's pace, not a timing assumption about
// the code under test.
inline std::string WaitForMessage(const std::string& maildir, const std::string& needle,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (true) {
    for (const char* sub : {"/new", "/cur"}) {
      std::error_code ec;
      for (const auto& entry : std::filesystem::directory_iterator(maildir + sub, ec)) {
        std::ifstream in(entry.path(), std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        if (text.str().find(needle) != std::string::npos) return text.str();
      }
    }
    if (std::chrono::steady_clock::now() > give_up) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace flowline::steps::testing
