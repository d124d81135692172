#include "ai/llm/testing/fake_answers.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace flowline::ai::llm::testing {
namespace {

// SplitMix64: a fixed, portable mix (the draws must be the same on every machine).
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

uint64_t HashString(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// The text of a message's content: a string, or (Anthropic) an array of text blocks.
std::string ContentText(const Json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (content.is_array()) {
    for (const Json& block : content) {
      if (block.is_object() && block.contains("text") && block["text"].is_string()) {
        absl::StrAppend(&text, block["text"].get<std::string>());
      }
    }
  }
  return text;
}

Json Garbled(Json answer, uint64_t draw) {
  static const std::vector<std::string> kCategories = {"motor",  "property",  "travel",
                                                       "health", "liability", "other"};
  static const std::vector<std::string> kCurrencies = {"EUR", "USD", "GBP", "CHF"};
  auto next_of = [](const std::vector<std::string>& list, const Json& value) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (value == list[i]) return list[(i + 1) % list.size()];
    }
    return list[0];
  };
  switch (draw % 6) {
    case 0:
      if (answer["amount"].is_number()) {
        answer["amount"] = std::round(answer["amount"].get<double>() * 110) / 100;
      }
      break;
    case 1:
      if (answer["policy_number"].is_string()) {
        std::string number = answer["policy_number"].get<std::string>();
        if (!number.empty()) number.back() = number.back() == '9' ? '0' : number.back() + 1;
        answer["policy_number"] = number;
      }
      break;
    case 2:
      if (answer["incident_date"].is_string()) {
        std::string date = answer["incident_date"].get<std::string>();
        // Day 28 and later stay in the month when moved back a day.
        if (date.size() == 10) {
          const int day = std::stoi(date.substr(8, 2));
          date.replace(8, 2, absl::StrFormat("%02d", day >= 28 ? day - 1 : day + 1));
        }
        answer["incident_date"] = date;
      }
      break;
    case 3:
      if (answer["claimant_name"].is_string()) {
        const std::string name = answer["claimant_name"].get<std::string>();
        answer["claimant_name"] = name.substr(0, name.find(' '));
      }
      break;
    case 4:
      answer["category"] = next_of(kCategories, answer["category"]);
      break;
    default:
      answer["currency"] = next_of(kCurrencies, answer["currency"]);
  }
  return answer;
}

// The text of the request's user messages, joined.
std::string UserText(const RecordedRequest& request) {
  std::string text;
  if (!request.body.is_object() || !request.body.contains("messages")) return text;
  for (const Json& message : request.body["messages"]) {
    if (message.is_object() && message.value("role", "") == "user") {
      absl::StrAppend(&text, ContentText(message.value("content", Json())), "\n");
    }
  }
  return text;
}

Reply NoTruth(const std::string& what) {
  const Json error = {{"error",
                       {{"message", absl::StrCat("oracle: no ground truth for ", what)},
                        {"type", "invalid_request_error"},
                        {"param", nullptr},
                        {"code", nullptr}}}};
  return StatusReply(400, error.dump());
}

}  // namespace

std::optional<std::string> ClaimIdOf(const RecordedRequest& request) {
  const std::string text = UserText(request);
  const size_t at = text.find("Claim C-");
  if (at == std::string::npos) return std::nullopt;
  const size_t start = at + 6;
  size_t end = start + 2;
  while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
  return text.substr(start, end - start);
}

Reply OracleAnswer(const RecordedRequest& request, const std::map<std::string, Json>& truth,
                   double field_error_rate, uint64_t seed) {
  const std::optional<std::string> id = ClaimIdOf(request);
  auto it = id ? truth.find(*id) : truth.end();
  if (it == truth.end()) {
    const Json error = {{"error",
                         {{"message", absl::StrCat("oracle: no ground truth for the claim in the "
                                                   "prompt (",
                                                   id.value_or("no claim id"), ")")},
                          {"type", "invalid_request_error"},
                          {"param", nullptr},
                          {"code", nullptr}}}};
    return StatusReply(400, error.dump());
  }
  int64_t request_seed = 0;
  if (request.body.contains("seed") && request.body["seed"].is_number_integer()) {
    request_seed = request.body["seed"].get<int64_t>();
  } else if (request.body.contains("options") && request.body["options"].is_object() &&
             request.body["options"].contains("seed")) {
    request_seed = request.body["options"]["seed"].get<int64_t>();
  }
  const uint64_t draw = Mix(seed ^ Mix(HashString(*id)) ^ Mix(static_cast<uint64_t>(request_seed)));
  const double u = static_cast<double>(draw >> 11) * 0x1.0p-53;
  return AnswerReply(u < field_error_rate ? Garbled(it->second, Mix(draw)) : it->second);
}

Reply InvoiceOracleAnswer(const RecordedRequest& request, const std::vector<Json>& labels) {
  const std::string text = UserText(request);
  const Json* best = nullptr;
  size_t best_length = 0;
  for (const Json& label : labels) {
    const Json fields = label.value("fields", Json::object());
    const std::string number = fields.value("invoice_number", "");
    if (number.size() > best_length && text.find(number) != std::string::npos) {
      best = &label;
      best_length = number.size();
    }
  }
  if (best == nullptr) return NoTruth("the invoice in the prompt (no labelled invoice number)");
  Json answer = Json::object();
  for (const auto& [name, value] : (*best)["fields"].items()) {
    if (!value.is_string()) continue;
    if (name == "net_amount" || name == "tax_amount" || name == "total_amount") {
      answer[name] = std::stod(value.get<std::string>());
    } else if (name == "invoice_number" || name == "invoice_date" || name == "due_date" ||
               name == "vendor_name" || name == "customer_name" || name == "po_number" ||
               name == "currency") {
      answer[name] = value;
    }
  }
  return AnswerReply(answer);
}

}  // namespace flowline::ai::llm::testing
