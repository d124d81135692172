// flowline samples invoices|claims: synthetic labelled documents and claim emails
// (docs/samples.md). Needs no store.
#include <iostream>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "samples/claims.h"
#include "samples/generator.h"

namespace flowline::cli {

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
    absl::Status valid = samples::ValidateOptions(*options);
    if (!valid.ok()) {
      Fail(valid);
      exit_code = 2;  // a usage error
      return;
    }
    absl::Time start = absl::Now();
    ProgressBar bar("samples", options->count);
    absl::StatusOr<samples::GenerateSummary> summary =
        samples::GenerateSamples(*options, [&bar](int done, int) { bar.Update(done); });
    bar.Finish();
    if (!summary.ok()) {
      exit_code = Fail(summary.status());
      return;
    }
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
}

}  // namespace flowline::cli
