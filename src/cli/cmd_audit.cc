// flowline audit verify / export / prune / checkpoint / key: the tamper-evident decision record
// (docs/audit.md).
#include <fstream>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "audit/checkpoints.h"
#include "audit/key_dir.h"
#include "audit/retention.h"
#include "audit/run_story.h"
#include "audit/verifier.h"
#include "cli/commands.h"

namespace flowline::cli {
namespace {

struct VerifyArgs {
  std::string public_key;  // empty: the key directory's signing.pub
  bool no_signatures = false;
  bool all_signatures = false;
  bool json = false;
};

std::string Seconds(absl::Duration duration) {
  return absl::StrFormat("%.2f s", absl::ToDoubleSeconds(duration));
}

Json ReportJson(const audit::VerifyReport& report) {
  Json out = {{"intact", !report.finding.has_value()},
              {"records", report.records},
              {"first_seq", report.first_seq},
              {"last_seq", report.last_seq},
              {"checkpoints", report.checkpoints},
              {"signatures_checked", report.signatures_checked},
              {"signatures_verified", report.signatures_verified},
              {"signed_up_to", report.signed_up_to},
              {"cut", report.cut.has_value() ? Json(report.cut->seq) : Json()},
              {"seconds", absl::ToDoubleSeconds(report.elapsed)}};
  if (report.finding.has_value()) {
    const audit::Finding& f = *report.finding;
    out["finding"] = {{"problem", f.problem}, {"seq", f.seq},   {"run_id", f.run_id},
                      {"step_id", f.step_id}, {"kind", f.kind}, {"message", f.message}};
  }
  return out;
}

int Verify(const GlobalOptions& global, const VerifyArgs& args) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  std::optional<audit::PublicKey> trusted;
  if (!args.no_signatures) {
    std::string path = args.public_key;
    if (path.empty()) {
      absl::StatusOr<std::string> dir = (*app)->audit_key_dir();
      if (!dir.ok()) return Fail(dir.status());
      path = audit::PublicKeyPath(*dir);
    }
    absl::StatusOr<audit::PublicKey> key = audit::ReadPublicKeyFile(path);
    if (!key.ok()) return Fail(key.status());
    trusted = *std::move(key);
  }
  audit::VerifyOptions options;
  options.trusted_key = trusted.has_value() ? &*trusted : nullptr;
  options.all_signatures = args.all_signatures;
  absl::StatusOr<audit::VerifyReport> report = audit::VerifyChain((*app)->store(), options);
  if (!report.ok()) return Fail(report.status());
  if (args.json) {
    std::cout << ReportJson(*report).dump(2) << "\n";
    return report->finding.has_value() ? 1 : 0;
  }
  if (report->finding.has_value()) {
    const audit::Finding& finding = *report->finding;
    std::cout << "TAMPERED (" << finding.problem << "): " << finding.message << "\n";
    if (!finding.run_id.empty()) {
      std::cout << "  record " << finding.seq << ": run " << finding.run_id
                << (finding.step_id.empty() ? "" : ", step " + finding.step_id) << ", "
                << finding.kind << "\n";
    }
    std::cout << "  (" << report->records << " records before it are intact)\n";
    return 1;
  }
  const double rate =
      report->elapsed > absl::ZeroDuration()
          ? static_cast<double>(report->records) / absl::ToDoubleSeconds(report->elapsed)
          : 0;
  std::cout << "intact: " << report->records << " records";
  if (report->records > 0) {
    std::cout << " (" << report->first_seq << " to " << report->last_seq << ")";
  }
  std::cout << " in " << Seconds(report->elapsed) << absl::StrFormat(" (%.0f records/s)", rate)
            << "\n";
  if (report->cut.has_value()) {
    std::cout << "  starts after the retention cut at record " << report->cut->seq << " ("
              << absl::FormatTime("%Y-%m-%d", report->cut->signed_at, absl::UTCTimeZone()) << ")\n";
  }
  if (!report->signatures_checked) {
    std::cout << "  signatures NOT checked (--no-signatures): someone who rewrote every hash "
                 "from a record on would not be noticed\n";
  } else {
    std::cout << "  " << report->checkpoints << " checkpoint(s), " << report->signatures_verified
              << " signature(s) verified against " << trusted->id() << "; signed up to record "
              << report->signed_up_to << "\n";
  }
  if (report->last_seq > report->signed_up_to) {
    std::cout << "  " << report->last_seq - report->signed_up_to
              << " newer record(s) are not covered by a signature yet (the next checkpoint "
                 "covers them)\n";
  }
  return 0;
}

struct ExportArgs {
  std::string run_id;
  std::string html;  // write the page here
  std::string out;   // write the JSON here (default: stdout)
};

absl::Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return absl::FailedPreconditionError(absl::StrCat("cannot write ", path));
  file << text;
  file.close();
  if (!file) return absl::DataLossError(absl::StrCat("writing ", path, " failed"));
  return absl::OkStatus();
}

int Export(const GlobalOptions& global, const ExportArgs& args) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  absl::StatusOr<store::Run> run = (*app)->store().GetRun(args.run_id);
  if (!run.ok()) return Fail(run.status());
  // The personal data paths of the version the run is pinned to.
  auto engine = (*app)->NewEngine({});
  absl::StatusOr<std::shared_ptr<const engine::Plan>> plan =
      engine->GetPlan(run->workflow, run->version);
  if (!plan.ok()) {
    // Without the version's `personal:` paths the export could show personal data in plain.
    return Fail(absl::Status(
        plan.status().code(),
        absl::StrCat("cannot read the personal data paths of version ", run->version.substr(0, 12),
                     " (", plan.status().message(),
                     "); run the export with the --models and --reference the server uses")));
  }
  engine::EngineOptions keyed;
  if (absl::Status status = (*app)->AddPersonalDataKey(keyed); !status.ok()) return Fail(status);
  const audit::PersonalDigest digest(keyed.personal_data_key);
  // AddPersonalDataKey succeeded, so the key directory is known.
  absl::StatusOr<audit::PublicKey> trusted =
      audit::ReadPublicKeyFile(audit::PublicKeyPath(*(*app)->audit_key_dir()));

  audit::RunStoryOptions options;
  options.personal = &(*plan)->personal();
  options.digest = &digest;
  options.trusted_key = trusted.ok() ? &*trusted : nullptr;
  absl::StatusOr<Json> story = audit::RunStory((*app)->store(), args.run_id, options);
  if (!story.ok()) return Fail(story.status());
  if (!args.html.empty()) {
    if (absl::Status written = WriteText(args.html, audit::RunStoryHtml(*story)); !written.ok()) {
      return Fail(written);
    }
    std::cerr << "wrote " << args.html << "\n";
  }
  if (!args.out.empty()) {
    if (absl::Status written = WriteText(args.out, story->dump(2) + "\n"); !written.ok()) {
      return Fail(written);
    }
    std::cerr << "wrote " << args.out << "\n";
  } else if (args.html.empty()) {
    std::cout << story->dump(2) << "\n";
  }
  return 0;
}

struct PruneArgs {
  std::string retention = "13mo";
  bool dry_run = false;
};

int Prune(const GlobalOptions& global, const PruneArgs& args) {
  absl::StatusOr<audit::Retention> retention = audit::Retention::Parse(args.retention);
  if (!retention.ok()) return Fail(retention.status());
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  absl::StatusOr<const audit::SigningKey*> key = (*app)->signing_key();
  if (!key.ok()) return Fail(key.status());
  audit::PruneOptions options;
  options.retention = *retention;
  options.dry_run = args.dry_run;
  absl::StatusOr<audit::PruneResult> pruned =
      audit::PruneExpiredRecords((*app)->store(), **key, (*app)->clock().Now(), options);
  if (!pruned.ok()) return Fail(pruned.status());
  const std::string cutoff =
      absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", pruned->cutoff, absl::UTCTimeZone());
  if (pruned->removed == 0) {
    std::cout << "nothing to prune: no record is older than " << cutoff << " (retention "
              << retention->ToString() << ")\n";
  } else if (args.dry_run) {
    std::cout << "would remove " << pruned->removed << " records up to record " << pruned->cut_seq
              << " (older than " << cutoff << ")\n";
  } else {
    std::cout << "removed " << pruned->removed << " records up to record " << pruned->cut_seq
              << " (older than " << cutoff << "), signed retention cut"
              << (pruned->cuts > 1 ? absl::StrCat("s: ", pruned->cuts) : std::string()) << "\n";
  }
  return 0;
}

int SignNow(const GlobalOptions& global) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  absl::StatusOr<const audit::SigningKey*> key = (*app)->signing_key();
  if (!key.ok()) return Fail(key.status());
  absl::StatusOr<std::optional<store::Checkpoint>> written =
      audit::CheckpointHead((*app)->store(), **key, (*app)->clock().Now(), "manual");
  if (!written.ok()) return Fail(written.status());
  if (!written->has_value()) {
    std::cout << "nothing new to sign: the head is already covered by the last checkpoint\n";
  } else {
    std::cout << "checkpoint " << (*written)->id << ": record " << (*written)->seq << " signed by "
              << (**key).public_key().id() << "\n";
  }
  return 0;
}

int ShowKey(const GlobalOptions& global) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  absl::StatusOr<const audit::SigningKey*> key = (*app)->signing_key();
  if (!key.ok()) return Fail(key.status());
  std::cerr << "signing key " << (**key).public_key().id() << " in " << *(*app)->audit_key_dir()
            << "; keep a copy of this public key where the database's writers cannot change it, "
               "and verify with --public-key\n";
  std::cout << (**key).public_key().ToPem();
  return 0;
}

}  // namespace

void AddAuditCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto* audit = app.add_subcommand(
      "audit",
      "The tamper-evident decision record: verify the hash chain and its signed checkpoints, "
      "export one case's story, prune expired records (docs/audit.md).");
  audit->require_subcommand(1);

  auto verify_args = std::make_shared<VerifyArgs>();
  auto* verify = audit->add_subcommand(
      "verify",
      "Walk the whole decision record and report the first record that was changed, removed or "
      "reordered, a tail cut off before the last signed checkpoint, or a bad checkpoint. Exit "
      "code 0: intact; 1: a finding (or an error).");
  verify->add_option("--public-key", verify_args->public_key,
                     "The public key checkpoints must be signed with (PEM); default: signing.pub "
                     "in the audit key directory — a copy kept elsewhere is safer");
  verify->add_flag("--no-signatures", verify_args->no_signatures,
                   "Check the chain only, not the checkpoints' signatures");
  verify->add_flag("--all-signatures", verify_args->all_signatures,
                   "Check every checkpoint's signature, not only the retention cut's, the "
                   "furthest one's and any that disagrees with the chain");
  verify->add_flag("--json", verify_args->json, "Print the report as JSON");
  verify->callback(
      [verify_args, &global, &exit_code] { exit_code = Verify(global, *verify_args); });

  auto export_args = std::make_shared<ExportArgs>();
  auto* exporter = audit->add_subcommand(
      "export",
      "The whole story of one case: run, steps, people's tasks and corrections, and every "
      "decision record with its hash, as JSON (stdout, or --out FILE; not printed when only "
      "--html is given) and as a self-contained page (--html). Personal data appears as digests "
      "only.");
  exporter->add_option("--run", export_args->run_id, "The run to export")->required();
  exporter->add_option("--html", export_args->html, "Write a readable HTML page to this file");
  exporter->add_option("--out", export_args->out, "Write the JSON to this file, not stdout");
  exporter->callback(
      [export_args, &global, &exit_code] { exit_code = Export(global, *export_args); });

  auto prune_args = std::make_shared<PruneArgs>();
  auto* prune = audit->add_subcommand(
      "prune",
      "Remove decision records older than the retention period, behind a signed retention cut "
      "from which the rest still verifies. `flowline serve` does this every hour.");
  prune->add_option("--retention", prune_args->retention,
                    "How long records are kept: months (13mo, the default), years (2y) or days "
                    "(400d); never less than 6 months");
  prune->add_flag("--dry-run", prune_args->dry_run, "Say what would be removed; remove nothing");
  prune->callback([prune_args, &global, &exit_code] { exit_code = Prune(global, *prune_args); });

  audit
      ->add_subcommand("checkpoint",
                       "Sign the chain's head now (`flowline serve` does it every minute the head "
                       "moved, and on shutdown)")
      ->callback([&global, &exit_code] { exit_code = SignNow(global); });
  audit
      ->add_subcommand("key",
                       "Print the public key that checkpoints are signed with (PEM), making the "
                       "key pair if there is none yet")
      ->callback([&global, &exit_code] { exit_code = ShowKey(global); });
}

}  // namespace flowline::cli
