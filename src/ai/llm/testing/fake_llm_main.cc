// flowline-fake-llm: the fake LLM service as a program, for whole-program tests
// (tests/claims/, tests/invoice/) and demos without a provider. Answers claims from the ground
// truth in a claims.jsonl written by `flowline samples claims` (OracleAnswer), and invoices from
// the labels.jsonl of `flowline samples invoices` (InvoiceOracleAnswer), on 127.0.0.1, in each
// provider's wire protocol (docs/llm.md, "Testing without a provider").
//
//   flowline-fake-llm [--truth DIR/claims.jsonl] [--invoices DIR/labels.jsonl]
//                     [--error-rate 0.1] [--seed 1] [--invalid C-000003,C-000007]
//
// Listens on a free port of 127.0.0.1, prints "port N" on stdout once it does, then serves until
// stdin is closed; a line "count" on stdin prints "requests N" (the requests answered so far).
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_split.h"
#include "ai/llm/testing/fake_answers.h"
#include "ai/llm/testing/fake_provider_server.h"

int main(int argc, char** argv) {
  using namespace flowline::ai::llm::testing;  // NOLINT(google-build-using-namespace)
  std::string truth_path;
  std::string invoices_path;
  double error_rate = 0.1;
  uint64_t seed = 1;
  std::string invalid_ids;
  CLI::App app{"A fake LLM service answering claims from their ground truth (test-only)",
               "flowline-fake-llm"};
  app.add_option("--truth", truth_path, "claims.jsonl from `flowline samples claims`");
  app.add_option("--invoices", invoices_path,
                 "labels.jsonl from `flowline samples invoices`: answers invoice prompts");
  app.add_option("--error-rate", error_rate, "Share of answers with one field wrong, 0..1");
  app.add_option("--seed", seed, "Seed of the wrong answers");
  app.add_option("--invalid", invalid_ids,
                 "Claim ids whose every answer breaks the schema (comma-separated)");
  CLI11_PARSE(app, argc, argv);

  std::map<std::string, flowline::Json> truth;
  std::vector<flowline::Json> invoices;
  for (const auto& [path, what] : {std::pair{truth_path, "claims"}, {invoices_path, "invoices"}}) {
    if (path.empty()) continue;
    std::ifstream in(path);
    if (!in) {
      std::cerr << "flowline-fake-llm: cannot read " << path << "\n";
      return 1;
    }
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto json = flowline::common::ParseJson(line, path);
      if (!json.ok() || !json->is_object()) {
        std::cerr << "flowline-fake-llm: " << path << ": not JSON lines\n";
        return 1;
      }
      if (std::string_view(what) == "invoices") {
        invoices.push_back(*json);
      } else if (json->contains("id") && (*json)["expected"].contains("answer")) {
        truth[(*json)["id"].get<std::string>()] = (*json)["expected"]["answer"];
      } else {
        std::cerr << "flowline-fake-llm: " << path
                  << ": each line needs id and expected.answer (flowline samples claims)\n";
        return 1;
      }
    }
  }
  std::set<std::string> invalid;
  for (absl::string_view id : absl::StrSplit(invalid_ids, ',', absl::SkipEmpty())) {
    invalid.emplace(id);
  }

  FakeProviderServer server;
  server.Answer([&](const RecordedRequest& request) {
    const std::optional<std::string> id = ClaimIdOf(request);
    if (id && invalid.contains(*id)) {
      return KindReply(Reply::Kind::kSchemaViolating, truth[*id]);
    }
    if (!id && !invoices.empty()) return InvoiceOracleAnswer(request, invoices);
    return OracleAnswer(request, truth, error_rate, seed);
  });
  server.Start();
  if (server.port() <= 0) {
    std::cerr << "flowline-fake-llm: cannot listen on 127.0.0.1\n";
    return 1;
  }
  std::cout << "port " << server.port() << std::endl;
  // "count" on stdin: prints how many requests it has answered.
  std::string command;
  while (std::getline(std::cin, command)) {
    if (command == "count") std::cout << "requests " << server.Count() << std::endl;
  }
  return 0;
}
