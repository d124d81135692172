#include "samples/onboarding.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::samples {
namespace {

using ::testing::HasSubstr;

OnboardingOptions Options(int count) {
  OnboardingOptions options;
  options.count = count;
  options.out_dir = "unused";
  return options;
}

TEST(OnboardingSamplesTest, SameSeedSamePlan) {
  absl::StatusOr<OnboardingBatch> a = PlanOnboarding(Options(60));
  absl::StatusOr<OnboardingBatch> b = PlanOnboarding(Options(60));
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(a->signups.size(), 60u);
  for (size_t i = 0; i < a->signups.size(); ++i) {
    EXPECT_EQ(a->signups[i].input, b->signups[i].input);
    EXPECT_EQ(a->signups[i].label, b->signups[i].label);
  }
  OnboardingOptions other = Options(60);
  other.seed = 2;
  EXPECT_NE(PlanOnboarding(other)->signups[0].input, a->signups[0].input);
}

// Each kind of sign-up carries the reason the workflow's checks must find, and clean ones none.
TEST(OnboardingSamplesTest, ExpectedReasonsFollowTheKind) {
  absl::StatusOr<OnboardingBatch> batch = PlanOnboarding(Options(400));
  ASSERT_TRUE(batch.ok()) << batch.status();
  std::map<std::string, int> kinds;
  for (const PlannedSignup& s : batch->signups) {
    ++kinds[s.kind];
    const std::set<std::string> reasons(s.expected_reasons.begin(), s.expected_reasons.end());
    if (s.kind == "expired") {
      EXPECT_TRUE(reasons.count("document_expired")) << s.signup_id;
    }
    if (s.kind == "sanctioned") {
      EXPECT_TRUE(reasons.count("sanctions_match")) << s.signup_id;
    }
    if (s.kind == "existing") {
      EXPECT_TRUE(reasons.count("existing_customer")) << s.signup_id;
    }
    if (s.kind == "mismatch") {
      EXPECT_TRUE(reasons.count("name_mismatch") || reasons.count("date_of_birth_mismatch"))
          << s.signup_id;
    }
    if (s.kind == "clean" || s.kind == "risky") {
      EXPECT_EQ(reasons.count("document_expired"), 0u) << s.signup_id;
      EXPECT_EQ(reasons.count("name_mismatch"), 0u) << s.signup_id;
    }
    EXPECT_EQ(s.expected_route, reasons.empty() ? "activate" : "review");
    // The label holds the document's values, normalised.
    EXPECT_EQ(s.label["fields"]["document_number"], s.document.document_number);
    EXPECT_EQ(s.label["fields"]["date_of_birth"], IsoDate(s.document.date_of_birth));
    EXPECT_EQ(s.label["fields"]["expiry_date"], IsoDate(s.document.expiry_date));
    EXPECT_THAT(std::string(s.label["fields"]["full_name"]).size(), ::testing::Gt(3u));
  }
  for (const char* kind : {"clean", "expired", "mismatch", "sanctioned", "existing", "risky"}) {
    EXPECT_GT(kinds[kind], 0) << kind;
  }
  EXPECT_GT(kinds["clean"], 200);
}

TEST(OnboardingSamplesTest, RefusesSharesAddingUpToMoreThanOne) {
  OnboardingOptions options = Options(10);
  options.expired_share = 0.6;
  options.risky_share = 0.6;
  absl::Status status = ValidateOnboardingOptions(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("add up to"));
  options = Options(0);
  EXPECT_THAT(ValidateOnboardingOptions(options).message(), HasSubstr("--count"));
}

}  // namespace
}  // namespace flowline::samples
