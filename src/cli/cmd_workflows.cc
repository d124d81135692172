// flowline validate / flowline deploy.
#include <cstdlib>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/inputs.h"
#include "engine/spec.h"
#include "steps/system_step_kinds.h"

namespace flowline::cli {

int Fail(const absl::Status& status) {
  std::cerr << "flowline: error: " << status.message() << "\n";
  return 1;
}

void AddValidateCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "validate", "Check workflow specs and report every mistake with file:line:column and a hint");
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("files", *files, "Spec files (YAML)")->required()->check(CLI::ExistingFile);
  cmd->callback([files, &global, &exit_code] {
    steps::StepKindRegistry registry;
    RegisterStepKinds(registry, global);
    int problems = 0;
    for (const std::string& file : *files) {
      absl::StatusOr<std::string> text = ReadFile(file);
      if (!text.ok()) {
        exit_code = Fail(text.status());
        ++problems;
        continue;
      }
      std::vector<engine::Diagnostic> diagnostics;
      absl::StatusOr<engine::WorkflowSpec> spec =
          engine::ParseSpec(*text, file, registry, &diagnostics);
      if (spec.ok()) {
        std::cout << file << ": ok: workflow " << spec->name << ", " << spec->steps.size()
                  << " steps, version " << spec->version.substr(0, 12) << "\n";
        continue;
      }
      if (diagnostics.empty()) {
        std::cerr << file << ": error: " << spec.status().message() << "\n";
        ++problems;
      }
      for (const engine::Diagnostic& d : diagnostics) std::cerr << d.ToString() << "\n";
      problems += static_cast<int>(diagnostics.size());
    }
    if (problems > 0) {
      std::cerr << problems << (problems == 1 ? " problem" : " problems") << " found\n";
      exit_code = 1;
    }
  });
}

void AddDeployCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "deploy",
      "Store specs as new versions (content-addressed) in a stage, live by default (the "
      "previous live version is retired); runs already started stay on the version they "
      "started on");
  auto files = std::make_shared<std::vector<std::string>>();
  auto stage = std::make_shared<std::string>();
  cmd->add_option("files", *files, "Spec files (YAML)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--stage", *stage,
                  "live, shadow (runs a suppressed copy of every live case) or draft (takes no "
                  "cases until `flowline promote`). Default: live, or draft when the spec "
                  "declares a release gate and the workflow has a live version")
      ->check(CLI::IsMember({"draft", "shadow", "live"}));
  cmd->callback([files, stage, &global, &exit_code] {
    absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
    if (!app.ok()) {
      exit_code = Fail(app.status());
      return;
    }
    auto engine = (*app)->NewEngine({});
    for (const std::string& file : *files) {
      absl::StatusOr<std::string> text = ReadFile(file);
      if (!text.ok()) {
        exit_code = Fail(text.status());
        continue;
      }
      const char* user = std::getenv("USER");
      absl::StatusOr<engine::DeployResult> result = engine->Deploy(
          *text, file, stage->empty() ? std::nullopt : store::ParseVersionStage(*stage),
          user != nullptr && *user != '\0' ? user : "cli");
      if (!result.ok()) {
        std::cerr << result.status().message() << "\n";
        exit_code = 1;
        continue;
      }
      std::cout << "deployed " << result->workflow << " version " << result->version.substr(0, 12)
                << (result->created ? " as " : " already; it is ")
                << store::VersionStageName(result->stage) << "\n";
      if (result->stage == store::VersionStage::kDraft) {
        std::cout << "  it takes no cases until promoted: flowline promote " << result->workflow
                  << " " << result->version.substr(0, 12) << " [--to shadow]\n";
      }
    }
  });
}

}  // namespace flowline::cli
