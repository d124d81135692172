// flowline users add / list; flowline labels export (people's corrections as a labelled folder);
// flowline pause / resume (the stop switch).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "common/json_util.h"
#include "common/status_macros.h"
#include "server/auth.h"
#include "steps/artifacts.h"

namespace flowline::cli {
namespace {

// The password for `users add`: from the environment variable FLOWLINE_PASSWORD, else the first
// line of standard input (never a command-line argument, which other users can see in ps).
absl::StatusOr<std::string> ReadPassword() {
  if (const char* env = std::getenv("FLOWLINE_PASSWORD"); env != nullptr && *env != '\0') {
    return std::string(env);
  }
  std::string line;
  if (!std::getline(std::cin, line) || line.empty()) {
    return absl::InvalidArgumentError(
        "no password: write it on standard input (e.g. `flowline users add ann --role reviewer "
        "< password.txt`) or set FLOWLINE_PASSWORD");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

struct LabelledDocument {
  std::string run_id;
  Json document;
  Json fields = Json::object();
  int changed = 0;
};

// Writes the corrections of `workflow` as a flowline labelled folder: labels.jsonl (one line per
// decided document, the values people accepted or entered) and the documents beside it.
absl::Status ExportLabels(App& app, const std::string& workflow, const std::string& out,
                          bool changed_only) {
  std::map<std::string, LabelledDocument> documents;  // by task, in order of decision
  std::vector<std::string> order;
  store::CorrectionFilter filter;
  filter.workflow = workflow;
  filter.limit = 10000;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<store::Correction> page, app.store().ListCorrections(filter));
    for (const store::Correction& c : page) {
      auto [it, added] = documents.try_emplace(c.task_id);
      if (added) {
        order.push_back(c.task_id);
        it->second.run_id = c.run_id;
        absl::StatusOr<Json> document = common::ParseJson(
            c.document_json.empty() ? "null" : c.document_json, "a correction's document");
        it->second.document = document.ok() ? *document : Json();
      }
      absl::StatusOr<Json> value = common::ParseJson(c.value.human_value_json, "a value");
      it->second.fields[c.value.field] = value.ok() ? *value : Json();
      it->second.changed += c.value.changed;
      filter.after_seq = c.seq;
    }
    if (static_cast<int>(page.size()) < filter.limit) break;
  }
  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", out, ": ", error.message()));
  }
  std::ofstream labels(std::filesystem::path(out) / "labels.jsonl");
  int written = 0;
  int missing = 0;
  for (const std::string& task_id : order) {
    const LabelledDocument& doc = documents[task_id];
    if (changed_only && doc.changed == 0) continue;
    const Json file = doc.document.is_object() ? doc.document.value("file", Json()) : Json();
    if (!file.is_string()) {
      ++missing;
      continue;
    }
    const std::string source = file.get<std::string>();
    std::string from = source;
    if (steps::IsArtifactKey(source)) {
      if (app.artifacts() == nullptr) {
        ++missing;
        continue;
      }
      absl::StatusOr<std::string> path = app.artifacts()->PathOf(source);
      if (!path.ok()) {
        ++missing;
        continue;
      }
      from = *path;
    }
    const std::string name =
        absl::StrCat(doc.run_id, std::filesystem::path(from).extension().string());
    std::filesystem::copy_file(from, std::filesystem::path(out) / name,
                               std::filesystem::copy_options::overwrite_existing, error);
    if (error) {
      std::cerr << "labels: skipped " << source << ": " << error.message() << "\n";
      ++missing;
      continue;
    }
    Json line = {{"file", name},
                 {"fields", doc.fields},
                 {"source", {{"run_id", doc.run_id}, {"task_id", task_id}}}};
    labels << line.dump() << "\n";
    ++written;
  }
  labels.close();
  if (!labels) return absl::DataLossError(absl::StrCat("cannot write ", out, "/labels.jsonl"));
  std::cout << "exported " << written << " labelled document(s) of " << workflow << " to " << out
            << (missing > 0 ? absl::StrCat(" (", missing, " without a readable document skipped)")
                            : std::string())
            << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddPeopleCommands(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto* users = app.add_subcommand("users", "People who sign in to the web UI: add, list");
  users->require_subcommand(1);
  auto name = std::make_shared<std::string>();
  auto role = std::make_shared<std::string>();
  auto* add = users->add_subcommand(
      "add",
      "Add a person (or change their role and password); the password is read from standard "
      "input or FLOWLINE_PASSWORD and stored only as an Argon2id hash");
  add->add_option("name", *name, "The user name they sign in with")->required();
  add->add_option("--role,-r", *role, "What they may do")
      ->required()
      ->check(CLI::IsMember({"admin", "operator", "reviewer", "viewer"}));
  add->callback([=, &global, &exit_code] {
    absl::StatusOr<std::string> password = ReadPassword();
    if (!password.ok()) {
      exit_code = Fail(password.status());
      return;
    }
    absl::StatusOr<std::unique_ptr<App>> opened = App::Open(global);
    if (!opened.ok()) {
      exit_code = Fail(opened.status());
      return;
    }
    server::TokenAuthority authority((*opened)->store(), (*opened)->clock(), (*opened)->random());
    absl::Status added = authority.AddUser(*name, *role, *password);
    if (!added.ok()) {
      exit_code = Fail(added);
      return;
    }
    std::cout << "user " << *name << " (" << *role << ") saved\n";
  });
  auto* list = users->add_subcommand("list", "List users (never their passwords)");
  list->callback([&global, &exit_code] {
    absl::StatusOr<std::unique_ptr<App>> opened = App::Open(global);
    if (!opened.ok()) {
      exit_code = Fail(opened.status());
      return;
    }
    absl::StatusOr<std::vector<store::UserInfo>> all = (*opened)->store().ListUsers();
    if (!all.ok()) {
      exit_code = Fail(all.status());
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const store::UserInfo& user : *all) {
      rows.push_back({user.name, user.role, HumanTime(user.created_at),
                      user.disabled ? "disabled" : "active"});
    }
    PrintTable(std::cout, {"USER", "ROLE", "ADDED", "STATE"}, rows);
  });

  auto* labels = app.add_subcommand("labels", "People's corrections as labelled cases");
  labels->require_subcommand(1);
  auto workflow = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto changed_only = std::make_shared<bool>(false);
  auto* export_cmd = labels->add_subcommand(
      "export",
      "Write the documents people decided, with the values they accepted or entered, as a "
      "labelled folder (labels.jsonl) for `flowline train extract` and `flowline eval`");
  export_cmd->add_option("--workflow,-w", *workflow, "Whose corrections")->required();
  export_cmd->add_option("--out,-o", *out, "The folder to write")->required();
  export_cmd->add_flag("--changed-only", *changed_only,
                       "Only documents where a person changed at least one value");
  export_cmd->callback([=, &global, &exit_code] {
    absl::StatusOr<std::unique_ptr<App>> opened = App::Open(global);
    if (!opened.ok()) {
      exit_code = Fail(opened.status());
      return;
    }
    absl::Status exported = ExportLabels(**opened, *workflow, *out, *changed_only);
    if (!exported.ok()) exit_code = Fail(exported);
  });

  for (bool pause : {true, false}) {
    auto target = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand(
        pause ? "pause" : "resume",
        pause ? "The stop switch: no case of the workflow completes automatically and new cases "
                "wait, until `flowline resume`"
              : "Lift the stop switch: the workflow's waiting cases carry on");
    cmd->add_option("workflow", *target, "The workflow")->required();
    cmd->callback([=, &global, &exit_code] {
      absl::StatusOr<std::unique_ptr<App>> opened = App::Open(global);
      if (!opened.ok()) {
        exit_code = Fail(opened.status());
        return;
      }
      const char* by = std::getenv("USER");
      absl::StatusOr<store::WorkflowInfo> info = (*opened)->store().SetWorkflowPaused(
          *target, pause, by != nullptr ? by : "cli", (*opened)->clock().Now());
      if (!info.ok()) {
        exit_code = Fail(info.status());
        return;
      }
      std::cout << *target << (pause ? " is paused\n" : " is running again\n");
    });
  }
}

}  // namespace flowline::cli
