#include "ai/llm/testing/fake_answers.h"

#include <gtest/gtest.h>

namespace flowline::ai::llm::testing {
namespace {

const Json kTruth = {{"summary", "Rear-end collision."},
                     {"category", "motor"},
                     {"claimant_name", "Anna Schmidt"},
                     {"policy_number", "PN-448812"},
                     {"incident_date", "2026-03-02"},
                     {"amount", 1250.5},
                     {"currency", "EUR"},
                     {"fraud_signals", Json::array()}};

RecordedRequest OpenAiRequest(const std::string& prompt, int64_t seed) {
  RecordedRequest request;
  request.path = std::string(kOpenAiPath);
  request.body = {{"model", "gpt-4o-mini"},
                  {"seed", seed},
                  {"messages",
                   {{{"role", "system"}, {"content", "You triage claims."}},
                    {{"role", "user"}, {"content", prompt}}}}};
  return request;
}

TEST(FakeAnswersTest, FindsTheClaimInEachProtocolsMessages) {
  EXPECT_EQ(ClaimIdOf(OpenAiRequest("Claim C-000017 from Anna", 42)), "C-000017");
  RecordedRequest anthropic;
  anthropic.body = {
      {"messages",
       {{{"role", "user"}, {"content", {{{"type", "text"}, {"text", "Claim C-000003 from x"}}}}}}}};
  EXPECT_EQ(ClaimIdOf(anthropic), "C-000003");
  EXPECT_EQ(ClaimIdOf(OpenAiRequest("no id here", 42)), std::nullopt);
}

TEST(FakeAnswersTest, AnswersTheTruthOrGarblesOneFieldReproducibly) {
  const std::map<std::string, Json> truth = {{"C-000017", kTruth}};
  const Reply exact = OracleAnswer(OpenAiRequest("Claim C-000017", 42), truth, 0.0, 1);
  EXPECT_EQ(exact.kind, Reply::Kind::kAnswer);
  EXPECT_EQ(exact.answer, kTruth);

  int garbled = 0;
  for (int64_t seed = 0; seed < 200; ++seed) {
    const Reply reply = OracleAnswer(OpenAiRequest("Claim C-000017", seed), truth, 0.3, 1);
    EXPECT_EQ(reply.answer,
              OracleAnswer(OpenAiRequest("Claim C-000017", seed), truth, 0.3, 1).answer);
    if (reply.answer != kTruth) {
      ++garbled;
      int differing = 0;
      for (const auto& [name, value] : kTruth.items()) differing += reply.answer[name] != value;
      EXPECT_EQ(differing, 1) << reply.answer.dump();
    }
  }
  EXPECT_GT(garbled, 30);  // 30% of 200, give or take
  EXPECT_LT(garbled, 90);
}

TEST(FakeAnswersTest, UnknownClaimIsAnError) {
  const Reply reply = OracleAnswer(OpenAiRequest("Claim C-999999", 42), {}, 0.0, 1);
  EXPECT_EQ(reply.kind, Reply::Kind::kStatus);
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("C-999999"), std::string::npos);
}

TEST(FakeAnswersTest, InvoiceOracleFindsTheInvoiceByItsNumber) {
  const std::vector<Json> labels = {
      Json::parse(R"({"file":"a.pdf","fields":{"invoice_number":"INV-1","total_amount":"10.00"}})"),
      Json::parse(R"({"file":"b.pdf","fields":{"invoice_number":"INV-12","currency":"EUR",
                      "total_amount":"1469.06","line_items":[]}})")};
  const Reply reply = InvoiceOracleAnswer(
      OpenAiRequest("Extract the invoice fields:\nInvoice No. INV-12 ... Total 1,469.06", 42),
      labels);
  EXPECT_EQ(reply.answer, Json::parse(R"({"invoice_number":"INV-12","currency":"EUR",
                                          "total_amount":1469.06})"));
  EXPECT_EQ(InvoiceOracleAnswer(OpenAiRequest("no number", 42), labels).status, 400);
}

}  // namespace
}  // namespace flowline::ai::llm::testing
