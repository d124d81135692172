// flowline samples invoices|claims|onboarding: synthetic labelled documents, claim emails and
// customer sign-ups
// (docs/samples.md). Needs no store.
#include <functional>
#include <iostream>
#include <memory>
#include <optional>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "samples/claims.h"
#include "samples/generator.h"
#include "samples/onboarding.h"

namespace flowline::cli {
namespace {

// Validates a generator's options (a bad one is a usage error: exit code 2), then runs it with a
// progress bar over `count` items. nullopt when it did not succeed (exit_code is set).
template <typename Summary, typename Options>
std::optional<Summary> Generate(
    const Options& options, absl::Status valid, int count,
    absl::StatusOr<Summary> (*generate)(const Options&, const std::function<void(int, int)>&),
    int& exit_code) {
  if (!valid.ok()) {
    Fail(valid);
    exit_code = 2;  // a usage error
    return std::nullopt;
  }
  ProgressBar bar("samples", count);
  absl::StatusOr<Summary> summary = generate(options, [&bar](int done, int) { bar.Update(done); });
  bar.Finish();
  if (!summary.ok()) {
    exit_code = Fail(summary.status());
    return std::nullopt;
  }
  return *std::move(summary);
}

void AddOnboardingSamples(CLI::App& cmd, int& exit_code) {
  auto options = std::make_shared<samples::OnboardingOptions>();
  auto* onboarding = cmd.add_subcommand(
      "onboarding",
      "Write customer sign-ups for the onboarding workflow (workflows/onboarding/,\n"
      "docs/onboarding.md): DIR/signups/<id>.json (the webhook bodies, each with its identity\n"
      "document as {name, content_base64}), DIR/signups.jsonl (every sign-up with the expected\n"
      "route and reasons), DIR/documents/ (the passports and ID cards as scanned PNGs and PDFs,\n"
      "with labels.jsonl for flowline train extract / eval), DIR/sanctions.csv,\n"
      "DIR/customers.csv and DIR/accounts-data.sql (rows for workflows/onboarding/accounts.sql),\n"
      "DIR/history.csv (the risk history for flowline train score).\n"
      "The same --seed gives the same files.");
  onboarding->add_option("--count", options->count, "How many sign-ups (1..100000)")->required();
  onboarding
      ->add_option("--out", options->out_dir,
                   "Folder for the files (created if missing; files of the same names are "
                   "overwritten)")
      ->required();
  onboarding->add_option("--seed", options->seed,
                         "Random seed: the same seed gives the same sign-ups");
  onboarding->add_option("--scanned-share", options->scanned_share,
                         "Share of identity documents as scanned PNGs (the rest are PDFs), 0..1");
  onboarding->add_option("--expired-share", options->expired_share,
                         "Share of sign-ups whose document expired before the sign-up, 0..1");
  onboarding->add_option("--mismatch-share", options->mismatch_share,
                         "Share of sign-ups whose name or date of birth differs from the "
                         "document's, 0..1");
  onboarding->add_option("--sanctioned-share", options->sanctioned_share,
                         "Share of sign-ups by persons on the sanctions list, 0..1");
  onboarding->add_option("--existing-share", options->existing_share,
                         "Share of sign-ups by existing customers (same email and document), "
                         "0..1");
  onboarding->add_option("--risky-share", options->risky_share,
                         "Share of sign-ups with a high-risk profile (disposable email, very "
                         "high declared volume), 0..1");
  onboarding->add_option("--dpi", options->dpi, "Resolution of the scanned PNGs, 72..600");
  onboarding->add_option("--history", options->history,
                         "Rows of DIR/history.csv, the past sign-ups and their outcomes that "
                         "flowline train score learns the risk model from (0: none)");
  onboarding->callback([options, &exit_code] {
    absl::Time start = absl::Now();
    std::optional<samples::OnboardingSummary> summary =
        Generate(*options, samples::ValidateOnboardingOptions(*options), options->count,
                 &samples::GenerateOnboarding, exit_code);
    if (!summary) return;
    std::cout << absl::StrFormat(
        "wrote %d sign-ups (%d scanned documents), %d sanctions entries and %d customers to %s "
        "in %.1f s, %.1f MB\n",
        summary->signups, summary->scanned, summary->sanctions, summary->customers,
        options->out_dir, absl::ToDoubleSeconds(absl::Now() - start),
        static_cast<double>(summary->bytes) / 1e6);
    for (const auto& [kind, count] : summary->by_kind) {
      std::cout << absl::StrFormat("  %-11s %d\n", kind, count);
    }
    std::cout << absl::StrFormat("  documents: %s/documents/labels.jsonl\n", options->out_dir);
  });
}

}  // namespace

void AddSamplesCommand(CLI::App& app, const GlobalOptions& /*global*/, int& exit_code) {
  auto* cmd = app.add_subcommand("samples",
                                 "Generate synthetic business documents with ground-truth labels");
  cmd->require_subcommand(1);
  auto options = std::make_shared<samples::GenerateOptions>();
  auto* invoices = cmd->add_subcommand(
      "invoices",
      "Render invoices (PDFs with a text layer, and scanned-style PNGs) plus receipts, letters,\n"
      "purchase orders and delivery notes, and write DIR/labels.jsonl in the dataset format of\n"
      "docs/design/document-ai.md. The same --seed gives the same files.");
  invoices->add_option("--count", options->count, "How many documents (1..100000)")->required();
  invoices
      ->add_option("--out", options->out_dir,
                   "Folder for labels.jsonl and the documents (created if missing; files of "
                   "the same names are overwritten)")
      ->required();
  invoices->add_option("--seed", options->seed, "Random seed: the same seed gives the same batch");
  invoices->add_option("--scanned-share", options->scanned_share,
                       "Share of documents rendered as noisy, skewed scans (PNG) for OCR, 0..1");
  invoices->add_option("--other-share", options->other_share,
                       "Share of documents that are not invoices (receipts, letters, purchase "
                       "orders, delivery notes), 0..1");
  invoices->add_option("--defect-share", options->defect_share,
                       "Share of invoices whose numbers do not add up or whose due date precedes "
                       "the invoice date (labelled \"defect\"), 0..1");
  invoices->add_option("--duplicate-share", options->duplicate_share,
                       "Share of invoices that re-send an earlier one (labelled \"defect\": "
                       "\"duplicate\"), 0..1");
  invoices->add_option("--dpi", options->dpi, "Resolution of the scanned PNGs, 72..600");
  invoices->callback([options, &exit_code] {
    absl::Time start = absl::Now();
    std::optional<samples::GenerateSummary> summary =
        Generate(*options, samples::ValidateOptions(*options), options->count,
                 &samples::GenerateSamples, exit_code);
    if (!summary) return;
    double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    std::cout << absl::StrFormat("wrote %d documents (%d scanned) to %s in %.1f s, %.1f MB\n",
                                 summary->documents, summary->scanned, options->out_dir, seconds,
                                 static_cast<double>(summary->bytes) / 1e6);
    for (const auto& [type, count] : summary->by_type) {
      std::cout << absl::StrFormat("  %-15s %d\n", type, count);
    }
    std::cout << absl::StrFormat("  defects %d, duplicates %d; labels: %s/labels.jsonl\n",
                                 summary->defects, summary->duplicates, options->out_dir);
  });

  auto claims_options = std::make_shared<samples::ClaimsOptions>();
  auto* claims = cmd->add_subcommand(
      "claims",
      "Write insurance claim emails for the claims workflow (workflows/claims/): "
      "DIR/cases/<id>.json\n"
      "(the run inputs), DIR/claims.jsonl (the cases with their expected fields, the JSONL "
      "dataset\n"
      "format of docs/datasets.md), DIR/fields.yaml (the fields' types) and DIR/policies.csv (the\n"
      "policy table: flowline reference load --table policies --from DIR/policies.csv --key\n"
      "policy_number). The same --seed gives the same files.");
  claims->add_option("--count", claims_options->count, "How many claims (1..100000)")->required();
  claims
      ->add_option("--out", claims_options->out_dir,
                   "Folder for the files (created if missing; files of the same names are "
                   "overwritten)")
      ->required();
  claims->add_option("--seed", claims_options->seed,
                     "Random seed: the same seed gives the same claims");
  claims->add_option("--fraud-share", claims_options->fraud_share,
                     "Share of suspected frauds (signals in the email, or a policy taken out days "
                     "before a large claim), 0..1");
  claims->add_option("--unknown-policy-share", claims_options->unknown_policy_share,
                     "Share of claims naming a policy that is not in policies.csv, 0..1");
  claims->callback([claims_options, &exit_code] {
    absl::Status valid = samples::ValidateClaimsOptions(*claims_options);
    if (!valid.ok()) {
      Fail(valid);
      exit_code = 2;  // a usage error
      return;
    }
    absl::StatusOr<samples::ClaimsSummary> summary = samples::GenerateClaims(*claims_options);
    if (!summary.ok()) {
      exit_code = Fail(summary.status());
      return;
    }
    std::cout << absl::StrFormat("wrote %d claims and %d policies to %s\n", summary->claims,
                                 summary->policies, claims_options->out_dir);
    for (const auto& [route, count] : summary->by_route) {
      std::cout << absl::StrFormat("  %-16s %d\n", route, count);
    }
    std::cout << absl::StrFormat("  unknown policy   %d; cases: %s/claims.jsonl\n",
                                 summary->unknown_policy, claims_options->out_dir);
  });
  AddOnboardingSamples(*cmd, exit_code);
}

}  // namespace flowline::cli
