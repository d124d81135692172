#include "ai/llm/secrets.h"

#include <cstdlib>

#include "gtest/gtest.h"

namespace flowline::ai::llm {
namespace {

TEST(SecretSetTest, RedactsLongestFirst) {
  SecretSet secrets;
  secrets.Add("sk-test-SECRET");
  secrets.Add("sk-test-SECRET-0123456789");
  EXPECT_EQ(secrets.Redact("key sk-test-SECRET-0123456789 and sk-test-SECRET."),
            "key [redacted] and [redacted].");
}

TEST(SecretSetTest, IgnoresShortValues) {
  SecretSet secrets;
  secrets.Add("abc1234");  // 7 characters: would redact ordinary words
  secrets.Add("");
  EXPECT_EQ(secrets.Redact("abc1234 stays"), "abc1234 stays");
  secrets.Add("abc12345");
  EXPECT_EQ(secrets.Redact("abc12345 goes"), "[redacted] goes");
}

TEST(SecretSetTest, KeyIsReadFromTheEnvironmentAtCallTime) {
  ProviderConfig provider;
  provider.api_key_env = "FLOWLINE_TEST_SECRET_SET_KEY";
  unsetenv("FLOWLINE_TEST_SECRET_SET_KEY");
  const SecretSet secrets = SecretSet::FromEnvironment({provider});
  EXPECT_EQ(secrets.Key(provider), "");
  setenv("FLOWLINE_TEST_SECRET_SET_KEY", "sk-later-0123456789", 1);
  EXPECT_EQ(secrets.Key(provider), "sk-later-0123456789");
  EXPECT_EQ(SecretSet::FromEnvironment({provider}).Redact("sk-later-0123456789"), "[redacted]");
  unsetenv("FLOWLINE_TEST_SECRET_SET_KEY");
}

}  // namespace
}  // namespace flowline::ai::llm
