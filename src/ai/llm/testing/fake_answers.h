// The "oracle" for the fake LLM service: answers claims (workflows/claims/) from their ground
// truth, so that end-to-end tests and the claims workflow test can run the llm step against
// FakeProviderServer with realistic, sometimes wrong, answers. Test-only; pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ai/llm/testing/fake_provider_server.h"
#include "common/json_util.h"

namespace flowline::ai::llm::testing {

// The first "Claim C-000017" id in the request's user messages (OpenAI, Anthropic and Ollama
// bodies alike), if any.
std::optional<std::string> ClaimIdOf(const RecordedRequest& request);

// Answers the claim the request's prompt names with truth[id] (the answer with its types, as
// samples::GeneratedClaim::answer). With probability `field_error_rate` — drawn from `seed`,
// the claim id and the request's own seed, so the samples of one claim (seeds 42, 43, 44)
// disagree sometimes and the same request always gets the same answer — one field is wrong:
// the amount off by 10%, a digit of the policy number, the date a day late, the surname
// dropped, another category or currency. An unknown claim gets a 400 error naming it.
Reply OracleAnswer(const RecordedRequest& request, const std::map<std::string, Json>& truth,
                   double field_error_rate, uint64_t seed);

// Answers an invoice prompt (workflows/invoice/invoice-llm.yaml) from the labels of
// `flowline samples invoices` (labels.jsonl lines): the invoice whose labelled invoice number
// the prompt's text holds (the longest such number), with its fields as invoice-llm.yaml's
// output schema types them (amounts as numbers). None found: a 400 error.
Reply InvoiceOracleAnswer(const RecordedRequest& request, const std::vector<Json>& labels);

}  // namespace flowline::ai::llm::testing
