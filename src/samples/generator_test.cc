#include "samples/generator.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/temp_dir.h"
#include "gtest/gtest.h"
#include "samples/label_check.h"

namespace flowline::samples {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<PlannedSample> Plan(int count, uint64_t seed) {
  GenerateOptions options;
  options.count = count;
  options.out_dir = "unused";
  options.seed = seed;
  absl::StatusOr<std::vector<PlannedSample>> samples = PlanSamples(options);
  EXPECT_TRUE(samples.ok()) << samples.status();
  return samples.ok() ? *std::move(samples) : std::vector<PlannedSample>{};
}

TEST(GeneratorTest, SameSeedGivesByteIdenticalFilesAndLabels) {
  common::TempDir a, b;
  GenerateOptions options;
  options.count = 14;
  options.seed = 42;
  options.scanned_share = 0.5;
  options.dpi = 72;  // small scans keep the test fast; the pipeline is the same
  options.out_dir = a.path();
  ASSERT_TRUE(GenerateSamples(options).ok());
  options.out_dir = b.path();
  absl::StatusOr<GenerateSummary> summary = GenerateSamples(options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->documents, 14);
  EXPECT_GT(summary->scanned, 0);
  int compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(a.path())) {
    std::string name = entry.path().filename().string();
    EXPECT_EQ(ReadAll(entry.path().string()), ReadAll(b.File(name))) << name << " differs";
    ++compared;
  }
  EXPECT_EQ(compared, 17);  // 14 documents, labels.jsonl, vendors.csv, purchase_orders.csv

  options.seed = 43;
  common::TempDir c;
  options.out_dir = c.path();
  ASSERT_TRUE(GenerateSamples(options).ok());
  EXPECT_NE(ReadAll(a.File("labels.jsonl")), ReadAll(c.File("labels.jsonl")));
}

TEST(GeneratorTest, ReferenceDataListsTheBatchsVendorsAndOrders) {
  common::TempDir dir;
  GenerateOptions options;
  options.count = 200;
  options.out_dir = dir.path();
  options.scanned_share = 0;
  ASSERT_TRUE(GenerateSamples(options).ok());
  absl::StatusOr<std::vector<PlannedSample>> planned = PlanSamples(options);
  ASSERT_TRUE(planned.ok());
  const std::string vendors = ReadAll(dir.File("vendors.csv"));
  const std::string orders = ReadAll(dir.File("purchase_orders.csv"));
  EXPECT_EQ(vendors.rfind("vendor_id,name,country,tax_id,iban\n", 0), 0u);
  std::set<std::string> invoicing;
  int in_master = 0;
  int with_po = 0;
  for (const PlannedSample& sample : *planned) {
    if (sample.document.type != DocType::kInvoice) continue;
    if (!invoicing.insert(sample.document.vendor.name).second) continue;
    std::string name = sample.document.vendor.name;
    if (vendors.find(name) != std::string::npos) ++in_master;
  }
  for (const PlannedSample& sample : *planned) {
    if (sample.document.type == DocType::kInvoice && !sample.document.po_number.empty()) {
      ++with_po;
      EXPECT_NE(orders.find(sample.document.po_number), std::string::npos);
    }
  }
  // Most vendors are in the master, a few are not (unknown-vendor exceptions for the demo).
  EXPECT_GT(in_master, static_cast<int>(invoicing.size()) * 8 / 10);
  EXPECT_LT(in_master, static_cast<int>(invoicing.size()));
  EXPECT_GT(with_po, 0);
}

TEST(GeneratorTest, LabelsAreArithmeticallyConsistentExceptFlaggedDefects) {
  std::vector<PlannedSample> samples = Plan(600, 7);
  std::map<std::string, const PlannedSample*> by_file;
  for (const PlannedSample& s : samples) by_file[s.file] = &s;
  std::map<std::string, int> defects;
  int consistent = 0;
  for (const PlannedSample& s : samples) {
    const nlohmann::ordered_json& label = s.label;
    if (label["doc_type"] != "invoice") continue;
    std::string defect = label.value("defect", "");
    ++defects[defect];
    ArithmeticCheck check = CheckArithmetic(label["fields"]);
    SCOPED_TRACE(label.dump());
    if (defect.empty() || defect == "duplicate") {
      EXPECT_TRUE(check.lines_match_net);
      EXPECT_TRUE(check.each_line_is_quantity_times_price);
      EXPECT_TRUE(check.net_plus_tax_is_total);
      EXPECT_TRUE(check.due_not_before_issue);
      ++consistent;
    } else if (defect == "sum_mismatch") {
      EXPECT_FALSE(check.lines_match_net);
      EXPECT_TRUE(check.net_plus_tax_is_total);
    } else if (defect == "total_mismatch") {
      EXPECT_TRUE(check.lines_match_net);
      EXPECT_FALSE(check.net_plus_tax_is_total);
    } else if (defect == "due_before_issue") {
      EXPECT_FALSE(check.due_not_before_issue);
    } else {
      ADD_FAILURE() << "unknown defect " << defect;
    }
    if (defect == "duplicate") {
      const PlannedSample* original = by_file[label["duplicate_of"]];
      ASSERT_NE(original, nullptr);
      EXPECT_EQ(original->label["fields"]["vendor_name"], label["fields"]["vendor_name"]);
      EXPECT_EQ(original->label["fields"]["invoice_number"], label["fields"]["invoice_number"]);
      EXPECT_LT(original->file, s.file);
    }
  }
  int invoices = 0;
  for (const auto& [name, n] : defects) invoices += n;
  // Defaults: 20% non-invoices, 5% defects, 3% duplicates (binomial; bounds are loose).
  EXPECT_GT(invoices, 420);
  EXPECT_LT(invoices, 540);
  EXPECT_GT(consistent, invoices * 8 / 10);
  EXPECT_GT(defects["sum_mismatch"] + defects["total_mismatch"] + defects["due_before_issue"], 5);
  EXPECT_GT(defects["duplicate"], 3);
}

TEST(GeneratorTest, EveryLabelledValueIsWhatTheLayoutPrinted) {
  int checked = 0;
  for (const PlannedSample& s : Plan(300, 11)) {
    SCOPED_TRACE(s.label.dump());
    std::vector<std::string> problems = CheckPrintedValues(s.label, s.layout.page);
    for (const std::string& p : problems) ADD_FAILURE() << p;
    checked += problems.empty() ? 1 : 0;
  }
  EXPECT_EQ(checked, 300);
}

TEST(GeneratorTest, FormatsAndLayoutsVaryAcrossABatch) {
  std::set<std::string> date_orders, doc_types, currencies, layouts, invoice_labels;
  std::set<int> date_styles, number_styles, currency_styles, tables, headers, line_counts;
  std::set<Language> languages;
  int with_po = 0, with_due = 0, invoices = 0;
  for (const PlannedSample& s : Plan(400, 3)) {
    doc_types.insert(s.label["doc_type"].get<std::string>());
    if (s.label.contains("date_order")) date_orders.insert(s.label["date_order"]);
    if (s.document.type != DocType::kInvoice) continue;
    ++invoices;
    const nlohmann::ordered_json& f = s.label["fields"];
    currencies.insert(f["currency"].is_string() ? f["currency"].get<std::string>() : "");
    with_po += f.contains("po_number") ? 1 : 0;
    with_due += f.contains("due_date") ? 1 : 0;
    line_counts.insert(static_cast<int>(s.document.lines.size()));
    layouts.insert(s.layout.style.Id());
    date_styles.insert(static_cast<int>(s.layout.style.date));
    number_styles.insert(static_cast<int>(s.layout.style.number));
    currency_styles.insert(static_cast<int>(s.layout.style.currency));
    tables.insert(s.layout.style.table);
    headers.insert(s.layout.style.header);
    languages.insert(s.document.language);
    // The text printed just before the invoice number: its label word.
    const std::vector<TextItem>& texts = s.layout.page.texts;
    for (size_t i = 1; i < texts.size(); ++i) {
      for (const std::string& field : texts[i].fields) {
        if (field == "invoice_number") invoice_labels.insert(texts[i - 1].text);
      }
    }
  }
  EXPECT_EQ(doc_types.size(), 5u);
  EXPECT_EQ(date_orders, (std::set<std::string>{"dmy", "mdy", "ymd"}));
  EXPECT_EQ(date_styles.size(), static_cast<size_t>(kDateStyleCount));
  EXPECT_EQ(number_styles.size(), static_cast<size_t>(kNumberStyleCount));
  EXPECT_EQ(currency_styles.size(), static_cast<size_t>(kCurrencyStyleCount));
  EXPECT_EQ(tables.size(), 5u);
  EXPECT_EQ(headers.size(), 3u);
  EXPECT_EQ(languages.size(), 4u);
  EXPECT_GE(currencies.size(), 7u);
  EXPECT_GE(invoice_labels.size(), 12u);
  EXPECT_GE(layouts.size(), 100u);
  EXPECT_TRUE(line_counts.count(1) && line_counts.count(15)) << "line counts should span 1..15";
  EXPECT_GT(with_po, invoices / 5);
  EXPECT_LT(with_po, invoices * 4 / 5);
  EXPECT_GT(with_due, invoices / 3);
  EXPECT_LT(with_due, invoices * 9 / 10);
}

TEST(GeneratorTest, BadOptionsSayWhatIsWrongAndTheAllowedRange) {
  GenerateOptions ok;
  ok.count = 10;
  ok.out_dir = "/tmp/x";
  EXPECT_TRUE(ValidateOptions(ok).ok());

  auto message = [](GenerateOptions o) { return std::string(ValidateOptions(o).message()); };
  GenerateOptions o = ok;
  o.count = 0;
  EXPECT_EQ(message(o), "--count must be between 1 and 100000, got 0");
  o = ok;
  o.out_dir = "";
  EXPECT_EQ(message(o), "--out is required: the folder to write the samples to");
  o = ok;
  o.scanned_share = 1.5;
  EXPECT_EQ(message(o), "--scanned-share must be a share between 0 and 1 (e.g. 0.25), got 1.5");
  o = ok;
  o.other_share = -0.1;
  EXPECT_EQ(message(o), "--other-share must be a share between 0 and 1 (e.g. 0.25), got -0.1");
  o = ok;
  o.dpi = 20;
  EXPECT_EQ(message(o), "--dpi must be between 72 and 600, got 20");
  EXPECT_EQ(PlanSamples(o).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(GeneratorTest, UnwritableOutputFolderIsAClearError) {
  common::TempDir dir;
  std::ofstream(dir.File("taken")) << "a file, not a folder";
  GenerateOptions options;
  options.count = 1;
  options.out_dir = dir.File("taken");
  absl::StatusOr<GenerateSummary> summary = GenerateSamples(options);
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.status().message().find("cannot create the output folder"),
            absl::string_view::npos)
      << summary.status();
}

TEST(GeneratorTest, SharesOfZeroAndOneAreHonoured) {
  GenerateOptions options;
  options.count = 50;
  options.out_dir = "unused";
  options.other_share = 0;
  options.scanned_share = 1;
  options.defect_share = 0;
  options.duplicate_share = 0;
  absl::StatusOr<std::vector<PlannedSample>> samples = PlanSamples(options);
  ASSERT_TRUE(samples.ok());
  for (const PlannedSample& s : *samples) {
    EXPECT_EQ(s.label["doc_type"], "invoice");
    EXPECT_TRUE(s.scanned);
    EXPECT_TRUE(s.file.ends_with(".png"));
    EXPECT_FALSE(s.label.contains("defect"));
  }
}

}  // namespace
}  // namespace flowline::samples

namespace flowline::samples {
namespace {

// About a third of the invoices print every sum on a line of its own, as EN 16931 e-invoices do:
// the sum of the lines before the net, and after the total the prepaid amount and the amount
// due, which repeats the total below it in the same column; some set the values a little below
// their labels' baseline.
TEST(GeneratorTest, SomeInvoicesPrintEverySumLikeAnEInvoice) {
  int invoices = 0, every_sum = 0, dropped = 0;
  for (const PlannedSample& s : Plan(300, 5)) {
    if (s.document.type != DocType::kInvoice) continue;
    ++invoices;
    const std::vector<TextItem>& texts = s.layout.page.texts;
    for (size_t i = 1; i < texts.size(); ++i) {
      const bool total = std::find(texts[i].fields.begin(), texts[i].fields.end(),
                                   "total_amount") != texts[i].fields.end();
      if (!total || texts[i].align != Align::kRight) continue;
      for (size_t j = i + 1; j < texts.size(); ++j) {
        if (texts[j].text == texts[i].text && texts[j].y > texts[i].y && texts[j].fields.empty()) {
          ++every_sum;
          dropped += texts[i].y > texts[i - 1].y ? 1 : 0;  // the total's label comes just before
          break;
        }
      }
    }
  }
  ASSERT_GT(invoices, 150);
  EXPECT_GT(every_sum, invoices / 5);
  EXPECT_LT(every_sum, invoices / 2);
  EXPECT_GT(dropped, every_sum / 4);
  EXPECT_LT(dropped, every_sum * 3 / 4);
}

}  // namespace
}  // namespace flowline::samples
