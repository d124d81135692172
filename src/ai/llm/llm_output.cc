#include "ai/llm/llm_output.h"

#include <algorithm>
#include <utility>

namespace flowline::ai::llm {
namespace {

std::optional<double> FieldConfidence(const Json& field) {
  if (!field.is_object()) return std::nullopt;
  auto it = field.find("confidence");
  if (it == field.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

Json ConfidenceJson(std::optional<double> confidence) {
  return confidence.has_value() ? Json(*confidence) : Json(nullptr);
}

}  // namespace

const char* ConfidenceMethodName(ConfidenceMethod method) {
  switch (method) {
    case ConfidenceMethod::kSamples:
      return "samples";
    case ConfidenceMethod::kLogprobs:
      return "logprobs";
    case ConfidenceMethod::kNone:
      break;
  }
  return "none";
}

std::optional<double> LowestConfidence(const Json& fields) {
  std::optional<double> lowest;
  if (!fields.is_object()) return lowest;
  for (const auto& [name, field] : fields.items()) {
    if (std::optional<double> c = FieldConfidence(field)) {
      lowest = lowest.has_value() ? std::min(*lowest, *c) : *c;
    }
  }
  return lowest;
}

Json AnswerOutput(const Vote& vote, const std::vector<std::optional<Json>>& samples,
                  ConfidenceMethod method,
                  const std::optional<std::map<std::string, double>>& logprob_confidence,
                  Json llm) {
  Json fields = Json::object();
  Json values = Json::object();
  // The chosen sample, with the majority's value wherever it was outvoted: the answer and the
  // fields then say the same.
  Json answer =
      vote.chosen >= 0 && samples[vote.chosen].has_value() ? *samples[vote.chosen] : Json::object();
  for (const FieldVote& f : vote.fields) {
    Json field = {{"value", f.value}, {"normalized", f.normalized}};
    if (f.free_text) {
      field["confidence"] = nullptr;
      field["free_text"] = true;
    } else {
      std::optional<double> confidence;
      if (method == ConfidenceMethod::kSamples) {
        confidence = f.confidence;
        field["agreement"] = Json::array({f.agree, f.of});
      } else if (method == ConfidenceMethod::kLogprobs && logprob_confidence.has_value()) {
        if (auto it = logprob_confidence->find(f.name); it != logprob_confidence->end()) {
          confidence = it->second;
        }
      }
      field["confidence"] = ConfidenceJson(confidence);
      values[f.name] = f.normalized;
      if (f.value.is_null()) {
        answer.erase(f.name);
      } else {
        answer[f.name] = f.value;
      }
    }
    fields[f.name] = std::move(field);
  }
  const std::optional<double> lowest = LowestConfidence(fields);
  return Json{{"fields", std::move(fields)},
              {"values", std::move(values)},
              {"answer", std::move(answer)},
              {"confidence", ConfidenceJson(lowest)},
              {"llm", std::move(llm)}};
}

Json FailedOutput(const Json& schema, const std::string& kind, const std::string& message,
                  Json llm) {
  Json fields = Json::object();
  Json values = Json::object();
  const Json properties = schema.value("properties", Json::object());
  for (const auto& [name, property] : properties.items()) {
    fields[name] = {{"value", nullptr}, {"normalized", nullptr}, {"confidence", 0.0}};
    values[name] = nullptr;
  }
  return Json{{"fields", std::move(fields)},
              {"values", std::move(values)},
              {"answer", nullptr},
              {"confidence", 0.0},
              {"failed", {{"kind", kind}, {"message", message}}},
              {"llm", std::move(llm)}};
}

bool PriorIsConfident(const Json& prior, double below) {
  if (!prior.is_object() || prior.contains("failed")) return false;
  auto fields = prior.find("fields");
  if (fields == prior.end() || !fields->is_object() || fields->empty()) return false;
  for (const auto& [name, field] : fields->items()) {
    std::optional<double> confidence = FieldConfidence(field);
    if (!confidence.has_value() || *confidence < below) return false;
  }
  return true;
}

Json MergeFallback(const Json& prior, const Json& llm_output, double below) {
  Json merged = prior.is_object() ? prior : Json::object();
  if (!merged.contains("fields") || !merged["fields"].is_object())
    merged["fields"] = Json::object();
  if (!merged.contains("values") || !merged["values"].is_object())
    merged["values"] = Json::object();
  Json& fields = merged["fields"];
  Json& values = merged["values"];
  const bool failed = llm_output.contains("failed");
  for (auto& [name, field] : fields.items()) {
    if (field.is_object()) field["source"] = "model";
  }
  if (!failed) {
    const Json llm_fields = llm_output.value("fields", Json::object());
    for (const auto& [name, field] : llm_fields.items()) {
      std::optional<double> kept =
          fields.contains(name) ? FieldConfidence(fields[name]) : std::nullopt;
      if (kept.has_value() && *kept >= below) continue;
      fields[name] = field;
      fields[name]["source"] = "llm";
      values[name] = field.value("normalized", Json());
    }
  }
  merged["confidence"] = ConfidenceJson(LowestConfidence(fields));
  merged["llm"] = llm_output.value("llm", Json::object());
  if (failed) merged["failed"] = llm_output["failed"];
  return merged;
}

}  // namespace flowline::ai::llm
