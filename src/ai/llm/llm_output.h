// The output of an `llm` step, in the shape of `extract`'s so that the exception policy, review,
// evaluation and tuning treat both alike (docs/llm.md §"Output"):
//   {"fields": {name: {"value", "normalized", "confidence", "agreement": [k, n]}},
//    "values": {name: normalized}, "answer": {...}, "confidence": lowest field confidence,
//    "llm": {"provider", "model", "served_model", "samples", "valid_samples", "schema_retries",
//            "confidence_method", "finish"}}
// plus, when no answer could be used, "failed": {"kind", "message"}, which the exception
// policy always routes to a person (review/policy.h, reason ai_failed).
//
// Pure functions over JSON; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "ai/llm/answer_fields.h"
#include "common/json_util.h"

namespace flowline::ai::llm {

enum class ConfidenceMethod { kSamples, kLogprobs, kNone };
const char* ConfidenceMethodName(ConfidenceMethod method);

// An answer's output from the vote over its samples. With kLogprobs, `logprob_confidence`
// replaces each voted field's confidence (fields it lacks get none); with kNone every field's
// confidence is null. `llm` becomes the "llm" member as given.
Json AnswerOutput(const Vote& vote, const std::vector<std::optional<Json>>& samples,
                  ConfidenceMethod method,
                  const std::optional<std::map<std::string, double>>& logprob_confidence, Json llm);

// The output when no answer can be used: every top-level schema property a field with value
// null and confidence 0, "answer": null, "confidence": 0, "failed": {kind, message}.
// `kind`: invalid_answer, refused, truncated or provider_unavailable.
Json FailedOutput(const Json& schema, const std::string& kind, const std::string& message,
                  Json llm);

// The lowest confidence among the output's fields that have one; nullopt if none has.
std::optional<double> LowestConfidence(const Json& fields);

// mode: fallback — whether an extract-shaped `prior` is good enough to keep without asking the
// model: it has fields, none failed, and every field's confidence is at least `below`.
bool PriorIsConfident(const Json& prior, double below);

// mode: fallback — `prior` with each of its fields under `below` (or missing) replaced by the
// model's (`"source": "llm"`; kept ones get `"source": "model"`); `values` and `confidence`
// follow, other members of `prior` (line_items, tables) are kept, and the model's "llm" (and
// "failed", if it failed: then every prior field is kept) is added.
Json MergeFallback(const Json& prior, const Json& llm_output, double below);

}  // namespace flowline::ai::llm
