// `flowline tune` and `flowline train extract --dataset` as a user runs them, on generated
// invoices: train a model, tune its thresholds on a folder and on a stored dataset, write them
// into the invoice workflow's spec (only the thresholds change, and it validates), and retrain
// from a stored dataset with a workflow's reviewed cases.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "CLI/CLI.hpp"
#include "cli/command_test_util.h"
#include "cli/commands.h"
#include "common/json_util.h"
#include "common/temp_dir.h"
#include "engine/spec_edit.h"

namespace flowline::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class TuneCommandsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // 60 generated invoices (text layers, no OCR) and a model trained on a third of them.
    CommandResult made = Run({"samples", "invoices", "--count", "60", "--out", Samples(),
                              "--scanned-share", "0", "--seed", "4"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    CommandResult trained = Run(
        TrainExtract(Dir().File("models/invoice-fields"),
                     "invoice_number:id,invoice_date:date,currency:currency,total_amount:amount",
                     {"--rounds", "40", "--folds", "3"}));
    ASSERT_EQ(trained.exit_code, 0) << trained.err;
  }

  static std::string Samples() { return Dir().File("samples"); }

  // `train extract` on the train part of the samples (validation and test 0.3 each), then `more`.
  static std::vector<std::string> TrainExtract(const std::string& out, const std::string& fields,
                                               std::vector<std::string> more) {
    std::vector<std::string> args = {
        "train", "extract",      "--data", Samples(), "--split", "train",   "--validation-share",
        "0.3",   "--test-share", "0.3",    "--out",   out,       "--quiet", "--cache",
        "",      "--fields",     fields};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  static CommandResult Run(std::vector<std::string> args) {
    GlobalOptions global;
    global.store_path = Dir().File("flowline.db");
    global.models_dir = Dir().File("models");
    global.reference_db = Dir().File("reference.db");
    return RunCommands(
        [&global](CLI::App& app, int& exit_code) {
          AddSamplesCommand(app, global, exit_code);
          CLI::App* train = AddTrainCommand(app, global, exit_code);
          AddTrainExtractCommand(*train, global, exit_code);
          AddTrainClassifyCommand(*train, global, exit_code);
          AddDatasetCommand(app, global, exit_code);
          AddTuneCommand(app, global, exit_code);
          AddDeployCommand(app, global, exit_code);
          AddEvalCommand(app, global, exit_code);
        },
        std::move(args));
  }

  // A workflow with an extract step using the model trained above and a policy to tune.
  static std::string TinySpec() {
    const std::string spec = Dir().File("invoice.yaml");
    std::ofstream out(spec);
    out << "workflow: tiny\n"
           "steps:\n"
           "  - id: read\n"
           "    uses: document.read\n"
           "    actor: ai\n"
           "    with: { file: '${{ input.file }}' }\n"
           "  - id: fields\n"
           "    uses: extract\n"
           "    actor: ai\n"
           "    with:\n"
           "      model: invoice-fields   # the model tuned\n"
           "      document: ${{ steps.read.output }}\n"
           "  - id: review\n"
           "    uses: review\n"
           "    actor: human\n"
           "    with: { gate: true, queue: ap }\n"
           "# When a person looks.\n"
           "exceptions:\n"
           "  fields:\n"
           "    total_amount: 0.9\n"
           "    invoice_number: 0.9\n"
           "    po_number: 0.8\n"
           "  confirmed_by:\n"
           "    total_amount: ${{ true }}\n"
           "  audit_rate: 0.02\n";
    return spec;
  }

  // One folder for the suite (the samples and the model are made once), removed at exit.
  static common::TempDir& Dir() {
    static common::TempDir dir;
    return dir;
  }
};

TEST_F(TuneCommandsTest, ChoosesThresholdsOnValidationAndReportsTheTestPart) {
  CommandResult tuned = Run({"tune", "--model", "invoice-fields", "--data", Samples(),
                             "--validation-share", "0.3", "--test-share", "0.3", "--target", "0.95",
                             "--min-accepted", "3", "--cache", "", "--quiet", "--json"});
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  absl::StatusOr<Json> report = common::ParseJson(tuned.out, "tune --json");
  ASSERT_TRUE(report.ok()) << tuned.out;
  EXPECT_EQ((*report)["fields"].size(), 4u);
  const Json& choice = (*report)["choice"];
  EXPECT_EQ(choice["target_accuracy"], 0.95);
  const Json& test = (*report)["test"];
  EXPECT_EQ(test["cases"].get<int>() + choice["validation"]["cases"].get<int>() > 20, true);
  // The interval brackets the estimate; the verdict is one of the three.
  const Json& stp = test["straight_through"];
  EXPECT_LE(stp["low"].get<double>(), stp["estimate"].get<double>());
  EXPECT_GE(stp["high"].get<double>(), stp["estimate"].get<double>());
  EXPECT_EQ(stp["trials"], test["cases"]);
  for (const Json& field : choice["fields"]) {
    const double threshold = field["threshold"].get<double>();
    EXPECT_TRUE(threshold == 2.0 || (threshold >= 0 && threshold <= 1)) << field.dump();
    // What the spec gets is the threshold rounded down to 4 decimals.
    const double written = (*report)["thresholds"][field["field"].get<std::string>()];
    EXPECT_LE(written, threshold);
    EXPECT_GT(written, threshold - 1e-4 - 1e-12);
  }
  // The validation cases' auto-accepted values reach the target.
  const Json& validation = choice["validation"];
  if (validation["auto_accepted"].get<int>() > 0) {
    EXPECT_GE(validation["auto_accepted_accuracy"].get<double>(), 0.95);
  }
}

TEST_F(TuneCommandsTest, WritesTheThresholdsIntoTheWorkflowSpec) {
  const std::string spec = TinySpec();
  const std::string out = Dir().File("tuned.yaml");
  CommandResult tuned =
      Run({"tune", "--workflow", spec, "--data", Samples(), "--validation-share", "0.3",
           "--test-share", "0.3", "--cache", "", "--spec-out", out, "--out", Dir().File("t.json")});
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  EXPECT_THAT(tuned.out, HasSubstr("wrote the tuned spec to"));
  // The workflow ran: its `confirmed_by:` confirmed every total, so no total is judged on its
  // confidence, and a case goes through on its invoice number alone.
  absl::StatusOr<Json> report = common::ParseJson(ReadAll(Dir().File("t.json")), "report");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ((*report)["ran"], "workflow");
  const Json& total = (*report)["choice"]["fields"][0];
  EXPECT_EQ(total["field"], "total_amount");
  EXPECT_THAT(total["why"].get<std::string>(), HasSubstr("no labelled, unconfirmed values"));
  const Json& validation = (*report)["choice"]["validation"];
  EXPECT_EQ(validation["fields"]["total_amount"]["accepted"],
            validation["fields"]["total_amount"]["labelled"]);
  // po_number is not labelled: left as it was, and said so.
  EXPECT_THAT(tuned.err, HasSubstr("po_number is not labelled"));
  const std::string text = ReadAll(out);
  EXPECT_THAT(text, HasSubstr("      model: invoice-fields   # the model tuned\n"));
  EXPECT_THAT(text, HasSubstr("# When a person looks.\nexceptions:\n  fields:  # flowline tune"));
  EXPECT_THAT(text, HasSubstr("  audit_rate: 0.02\n"));
  absl::StatusOr<std::vector<engine::ThresholdLine>> lines = engine::ThresholdFields(text);
  ASSERT_TRUE(lines.ok()) << lines.status();
  ASSERT_EQ(lines->size(), 3u);  // the two tuned, then the one kept
  EXPECT_EQ((*lines)[0].field, "total_amount");
  EXPECT_EQ((*lines)[1].field, "invoice_number");
  EXPECT_EQ((*lines)[2].field, "po_number");
  EXPECT_DOUBLE_EQ((*lines)[2].threshold, 0.8);
}

TEST_F(TuneCommandsTest, TunesAndRetrainsFromStoredDatasets) {
  ASSERT_EQ(Run({"dataset", "import", "invoices", "--from", Samples()}).exit_code, 0);
  CommandResult tuned = Run(
      {"tune", "--model", "invoice-fields", "--dataset", "invoices@1", "--cache", "", "--quiet"});
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  EXPECT_THAT(tuned.out, HasSubstr("on dataset:invoices@1"));

  // With no reviewed case yet, --with-corrections says so.
  const std::string model = Dir().File("models/retrained");
  CommandResult none = Run({"train", "extract", "--dataset", "invoices", "--with-corrections",
                            "invoice", "--out", model, "--quiet", "--cache", ""});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_THAT(none.err, HasSubstr("invoice.reviewed"));
  // A reviewed dataset's train part joins the dataset's train part.
  ASSERT_EQ(Run({"dataset", "import", "invoice.reviewed", "--from", Samples()}).exit_code, 0);
  CommandResult trained =
      Run({"train", "extract", "--dataset", "invoices", "--with-corrections", "invoice", "--out",
           model, "--rounds", "20", "--folds", "2", "--cache", "", "--fields",
           "invoice_number:id,total_amount:amount", "--json"});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_THAT(trained.err, HasSubstr("reviewed case(s) of invoice"));
  absl::StatusOr<Json> model_json = common::ParseJson(trained.out, "model.json");
  ASSERT_TRUE(model_json.ok()) << trained.out;
  // Both train parts: the same documents twice under different ids, so twice the train part.
  const int documents = (*model_json)["documents"].get<int>();
  EXPECT_GT(documents, 40);
  EXPECT_EQ(documents % 2, 0);
  EXPECT_TRUE(std::filesystem::exists(model + "/model.json"));
}

TEST_F(TuneCommandsTest, RetrainingMakesANewVersionOfTheWorkflowAndComparesTheModels) {
  const std::string model = Dir().File("models/invoice-fields.2");
  const std::string out = Dir().File("retrained.yaml");
  CommandResult trained = Run(TrainExtract(
      model, "invoice_number:id,total_amount:amount",
      {"--rounds", "20", "--folds", "2", "--workflow", TinySpec(), "--spec-out", out}));
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_THAT(trained.out, HasSubstr("the old model (invoice-fields) and the new one on"));
  EXPECT_THAT(trained.out, HasSubstr("total_amount"));
  EXPECT_THAT(trained.out, HasSubstr("wrote the new version"));
  const std::string text = ReadAll(out);
  EXPECT_THAT(text, HasSubstr("      model: " + model + "   # the model tuned\n"));
  EXPECT_THAT(text, HasSubstr("    total_amount: 0.9\n"));  // nothing else changed
}

// The maintenance loop in one command: retraining a deployed workflow that has a release gate
// deploys a draft that uses the new model, evaluates it and the live version on the gate's
// dataset (both evaluations kept), prints the comparison, and leaves the live version live.
TEST_F(TuneCommandsTest, RetrainingADeployedWorkflowMakesADraftAndComparesItWithLive) {
  ASSERT_EQ(Run({"dataset", "import", "gate-invoices", "--from", Samples()}).exit_code, 0);
  std::string spec = ReadAll(TinySpec());
  spec.replace(spec.find("workflow: tiny"), 14, "workflow: retrained");
  spec += "release:\n  gate:\n    dataset: gate-invoices\n    target_accuracy: 0.9\n";
  const std::string path = Dir().File("retrained.yaml");
  std::ofstream(path) << spec;
  CommandResult deployed = Run({"deploy", path});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.err;

  const std::string model = Dir().File("models/retrained-gate");
  CommandResult trained =
      Run({"train", "extract", "--dataset", "gate-invoices", "--out", model, "--rounds", "20",
           "--folds", "2", "--cache", "", "--quiet", "--fields",
           "invoice_number:id,invoice_date:date,currency:currency,total_amount:amount",
           "--workflow", "retrained"});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_THAT(trained.out, HasSubstr("deployed retrained version "));
  EXPECT_THAT(trained.out, HasSubstr(" as draft"));
  EXPECT_THAT(trained.out, HasSubstr("release gate of retrained: candidate "));
  EXPECT_THAT(trained.out, HasSubstr(" vs live "));
  EXPECT_THAT(trained.out, HasSubstr("on gate-invoices (test), target accuracy 0.9"));
  EXPECT_THAT(trained.out, HasSubstr("field_accuracy.total_amount"));
  // With a gate, the versions are compared, not the bare models.
  EXPECT_THAT(trained.out, Not(HasSubstr("the old model")));
  const bool passed = trained.out.find("passes the release gate") != std::string::npos;
  const bool refused = trained.out.find("does not pass the release gate") != std::string::npos;
  EXPECT_NE(passed, refused) << trained.out;

  // Both versions' evaluations are kept, and the live version is still the old one.
  CommandResult listed = Run({"eval", "list", "--workflow", "retrained", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  absl::StatusOr<Json> evaluations = common::ParseJson(listed.out, "eval list");
  ASSERT_TRUE(evaluations.ok()) << listed.out;
  ASSERT_TRUE(evaluations->is_array()) << listed.out;
  EXPECT_EQ(evaluations->size(), 2u) << listed.out;
  CommandResult again = Run({"deploy", path});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("live")) << "the first version stays live";
}

// The classifier learns from a stored dataset's train part too: each document's text, labelled
// with its doc_type.
TEST_F(TuneCommandsTest, TrainsTheClassifierFromAStoredDataset) {
  ASSERT_EQ(Run({"dataset", "import", "typed", "--from", Samples()}).exit_code, 0);
  CommandResult cases = Run({"dataset", "cases", "typed", "--split", "train", "--json"});
  ASSERT_EQ(cases.exit_code, 0) << cases.err;
  CommandResult trained = Run({"train", "classify", "--dataset", "typed", "--out",
                               Dir().File("models/types"), "--cache", "", "--json"});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  absl::StatusOr<Json> manifest = common::ParseJson(trained.out, "model.json");
  ASSERT_TRUE(manifest.ok()) << trained.out;
  // Every train-part case is an example, and the labels are their doc_types.
  absl::StatusOr<Json> listed = common::ParseJson(cases.out, "dataset cases");
  ASSERT_TRUE(listed.ok()) << cases.out;
  std::set<std::string> types;
  for (const Json& c : *listed) types.insert(c["doc_type"].get<std::string>());
  std::set<std::string> labels;
  for (const Json& label : (*manifest)["labels"]) labels.insert(label.get<std::string>());
  EXPECT_EQ(labels, types);
  EXPECT_GE(labels.size(), 2u);
  EXPECT_EQ(
      (*manifest)["counts"]["train"].get<int>() + (*manifest)["counts"]["held_out"].get<int>(),
      static_cast<int>(listed->size()));

  CommandResult both = Run({"train", "classify", "--dataset", "typed", "--data", Samples(), "--out",
                            Dir().File("models/x")});
  EXPECT_NE(both.exit_code, 0);
  EXPECT_THAT(both.err, HasSubstr("exactly one of --data"));
  CommandResult unknown =
      Run({"train", "classify", "--dataset", "nosuch", "--out", Dir().File("models/x")});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.err, HasSubstr("nosuch"));
}

}  // namespace
}  // namespace flowline::cli
