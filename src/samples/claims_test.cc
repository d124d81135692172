#include "samples/claims.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/temp_dir.h"

namespace flowline::samples {
namespace {

ClaimsOptions Options(int count, uint64_t seed = 1) {
  ClaimsOptions options;
  options.count = count;
  options.seed = seed;
  options.out_dir = "unused";
  return options;
}

TEST(ClaimsTest, SameSeedSameClaimsOtherSeedOthers) {
  auto a = PlanClaims(Options(30, 7));
  auto b = PlanClaims(Options(30, 7));
  auto c = PlanClaims(Options(30, 8));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(PoliciesCsv(a->policies), PoliciesCsv(b->policies));
  for (size_t i = 0; i < a->claims.size(); ++i) {
    EXPECT_EQ(ClaimCaseLine(a->claims[i]).dump(), ClaimCaseLine(b->claims[i]).dump());
  }
  EXPECT_NE(ClaimCaseLine(a->claims[0]).dump(), ClaimCaseLine(c->claims[0]).dump());
}

TEST(ClaimsTest, EmailsCarryTheLabelledFacts) {
  auto batch = PlanClaims(Options(200));
  ASSERT_TRUE(batch.ok());
  std::set<std::string> in_table;
  for (const ClaimPolicy& policy : batch->policies) in_table.insert(policy.policy_number);
  std::map<std::string, int> routes;
  int unknown = 0;
  for (const GeneratedClaim& claim : batch->claims) {
    const std::string body = claim.input["body"].get<std::string>();
    EXPECT_NE(body.find(claim.fields.at("policy_number")), std::string::npos) << claim.id;
    EXPECT_NE(body.find(claim.fields.at("claimant_name")), std::string::npos) << claim.id;
    EXPECT_EQ(claim.answer["incident_date"], claim.fields.at("incident_date"));
    EXPECT_EQ(claim.input["id"], claim.id);
    ++routes[claim.route];
    if (!in_table.contains(claim.fields.at("policy_number"))) {
      ++unknown;
      EXPECT_FALSE(claim.checks_pass) << claim.id;
    }
    if (!claim.answer["fraud_signals"].empty()) {
      EXPECT_EQ(claim.route, "suspected_fraud");
    }
  }
  // Defaults: 10% fraud, 5% unknown policies; every route occurs.
  EXPECT_GT(routes["suspected_fraud"], 5);
  EXPECT_GT(routes["fast_track"], 20);
  EXPECT_GT(routes["assess"], 20);
  EXPECT_GT(unknown, 2);
  EXPECT_LT(unknown, 25);
}

TEST(ClaimsTest, WritesCasesLabelsFieldTypesAndPolicies) {
  common::TempDir dir;
  ClaimsOptions options = Options(5);
  options.out_dir = dir.path() + "/out";
  auto summary = GenerateClaims(options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->claims, 5);
  for (const char* file : {"claims.jsonl", "fields.yaml", "policies.csv", "cases/C-000001.json",
                           "cases/C-000005.json"}) {
    EXPECT_TRUE(std::filesystem::exists(options.out_dir + "/" + file)) << file;
  }
  std::ifstream in(options.out_dir + "/claims.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    auto json = nlohmann::json::parse(line);
    EXPECT_TRUE(json["expected"]["fields"].contains("amount"));
    ++lines;
  }
  EXPECT_EQ(lines, 5);
}

TEST(ClaimsTest, BadOptionsAreRefusedNamingTheFlag) {
  ClaimsOptions options = Options(10);
  options.fraud_share = 1.5;
  auto status = ValidateClaimsOptions(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(status.message()).find("--fraud-share"), std::string::npos);
  EXPECT_FALSE(ValidateClaimsOptions(Options(0)).ok());
}

}  // namespace
}  // namespace flowline::samples
