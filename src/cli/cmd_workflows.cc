// flowline validate / flowline deploy.
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
      "Store specs as new versions (content-addressed) and make them live; runs already "
      "started stay on the version they started on");
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("files", *files, "Spec files (YAML)")->required()->check(CLI::ExistingFile);
  cmd->callback([files, &global, &exit_code] {
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
      absl::StatusOr<engine::DeployResult> result = engine->Deploy(*text, file);
      if (!result.ok()) {
        std::cerr << result.status().message() << "\n";
        exit_code = 1;
        continue;
      }
      std::cout << "deployed " << result->workflow << " version " << result->version.substr(0, 12)
                << (result->created ? "" : " (already deployed; now live)") << "\n";
    }
  });
}

}  // namespace flowline::cli
