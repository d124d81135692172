// From a model's answers to an `llm` step's fields: each top-level property of the output schema
// becomes a field with its value, a normalised form, and a confidence (docs/llm.md
// §"Confidence").
//
//   NormalizeValue  the form fields are compared, voted and scored in
//   VoteOnSamples   self-consistency: n answers to the same question (n samples), the share
//                   that agree on each field's normalised value
//   LogprobConfidence  one answer with its token log probabilities: the probability the model
//                   gave each member's value
//
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ai/llm/model_provider.h"
#include "common/json_util.h"

namespace flowline::ai::llm {

// The normalised form of `value` under its property's schema, as a string (null for null):
//   string  trimmed, runs of whitespace collapsed to one space; `format: date` strings that
//           parse as a date (2026-03-02, 2026/3/2, 02.03.2026, 2 March 2026, March 2, 2026)
//           become ISO YYYY-MM-DD — "03/02/2026" is ambiguous and stays as written
//   number  `x-flowline-type: amount`: two decimals ("1250.50"); else the shortest form that
//           reads back the same ("%.15g": 3, 0.25)
//   bool    "true" / "false"
//   array, object  canonical JSON (sorted keys)
// Absent and null are the same value.
Json NormalizeValue(const Json& value, const Json& property_schema);

// The key samples agree on: the normalised form, case-folded ("Motor" and "motor" agree).
std::string VoteKey(const Json& normalized);

struct FieldVote {
  std::string name;
  Json value;       // from the chosen answer, as the model wrote it (null if absent)
  Json normalized;  // NormalizeValue of `value`; null for free-text fields
  std::optional<double> confidence;  // agree / of; nullopt for free-text fields
  int agree = 0;                     // samples whose normalised value is the modal one
  int of = 0;                        // samples asked (invalid ones count as disagreeing)
  bool free_text = false;
};

struct Vote {
  int chosen = -1;                // the sample whose answer the output reports; -1: none valid
  std::vector<FieldVote> fields;  // one per top-level schema property, in name order
};

// `samples[i]`: the valid answer of sample i, or nullopt when it stayed invalid. Per field the
// modal normalised value wins, ties going to the value of the lowest sample index; confidence =
// its count / samples.size(). The chosen answer is the valid sample that agrees with the most
// modal values (ties: the lowest index). `free_text` fields are not voted on: their value is the
// chosen answer's, without confidence.
Vote VoteOnSamples(const Json& schema, const std::vector<std::optional<Json>>& samples,
                   const std::set<std::string>& free_text);

// Per top-level member of the JSON object `text`: exp(Σ logprob of the tokens that overlap the
// member's value), the probability the model gave that exact value. Tokens map to bytes by
// concatenation; when they do not spell `text` exactly (or `text` is not an object, or there
// are no logprobs) the result is nullopt: no confidence rather than a guess. Members the text
// lacks are not in the map.
std::optional<std::map<std::string, double>> LogprobConfidence(
    std::string_view text, const std::vector<TokenLogprob>& logprobs);

// The byte range [begin, end) of each top-level member's value in the JSON object `text`;
// nullopt if `text` is not one JSON object. Exposed for tests.
std::optional<std::map<std::string, std::pair<size_t, size_t>>> MemberValueSpans(
    std::string_view text);

}  // namespace flowline::ai::llm
