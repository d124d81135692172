// Line items end to end on generated invoices: `flowline samples` writes PDFs and scans with
// labelled rows; document.read reads them (text layer or Tesseract); FindLineItems must give the
// labelled rows back. Slower than the unit tests (OCR), so few scans.
#include <fstream>
#include <iostream>
#include <sstream>

#include "ai/document/reader.h"
#include "ai/extract/line_items.h"
#include "common/temp_dir.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "samples/generator.h"

namespace flowline::ai {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct Tally {
  int documents = 0, exact = 0, rows = 0, right = 0, adds_up = 0;
};

// Reads every labelled invoice with line items in `dir` and counts how many rows come back;
// `strict`: every row must (text layers), else a wrong row is only printed (OCR).
Tally Check(const std::string& dir, bool strict) {
  Tally t;
  std::ifstream labels(dir + "/labels.jsonl");
  std::string line;
  ReadOptions options;
  options.keep_page_images = false;
  while (std::getline(labels, line)) {
    const nlohmann::json label = nlohmann::json::parse(line);
    if (label.value("doc_type", "") != "invoice" || !label["fields"].contains("line_items")) {
      continue;
    }
    const std::string file = label["file"];
    absl::StatusOr<Document> doc = ReadDocument(ReadAll(dir + "/" + file), file, options, nullptr);
    EXPECT_TRUE(doc.ok()) << file << ": " << doc.status();
    if (!doc.ok()) continue;
    const nlohmann::json& fields = label["fields"];
    const LineItemTable table =
        FindLineItems(*doc, {{"net_amount", fields.value("net_amount", "")}});
    const nlohmann::json& rows = fields["line_items"];
    ++t.documents;
    t.rows += static_cast<int>(rows.size());
    int right = 0;
    for (size_t i = 0; i < rows.size() && i < table.rows.size(); ++i) {
      const LineItem& got = table.rows[i];
      const bool same =
          std::stod(got.amount) == std::stod(rows[i]["amount"].get<std::string>()) &&
          got.quantity &&
          std::stod(*got.quantity) == std::stod(rows[i]["quantity"].get<std::string>());
      right += same ? 1 : 0;
      if (!same) {
        std::ostringstream message;
        message << file << " row " << i << ": got " << got.description << " | "
                << got.quantity.value_or("-") << " | " << got.amount << "; labelled "
                << rows[i].dump() << "\n";
        if (strict) {
          ADD_FAILURE() << message.str();
        } else {
          std::cerr << message.str();
        }
      }
    }
    t.right += right;
    if (right == static_cast<int>(rows.size()) && table.rows.size() == rows.size()) ++t.exact;
    if (table.adds_up_to) ++t.adds_up;
  }
  return t;
}

TEST(LineItemsSamplesTest, FindsTheLabelledRowsOnTextLayerPdfs) {
  common::TempDir dir;
  samples::GenerateOptions options;
  options.count = 40;
  options.out_dir = dir.path();
  options.seed = 11;
  options.scanned_share = 0;
  options.other_share = 0;
  options.defect_share = 0;
  options.duplicate_share = 0;
  ASSERT_TRUE(samples::GenerateSamples(options).ok());
  const Tally t = Check(dir.path(), true);
  EXPECT_GE(t.documents, 35);
  EXPECT_EQ(t.exact, t.documents);
  EXPECT_EQ(t.adds_up, t.documents);  // every table sums to its net amount
}

TEST(LineItemsSamplesTest, FindsMostRowsOnScans) {
  common::TempDir dir;
  samples::GenerateOptions options;
  options.count = 6;
  options.out_dir = dir.path();
  options.seed = 12;
  options.scanned_share = 1;
  options.other_share = 0;
  options.defect_share = 0;
  options.duplicate_share = 0;
  ASSERT_TRUE(samples::GenerateSamples(options).ok());
  const Tally t = Check(dir.path(), false);
  EXPECT_EQ(t.documents, 6);
  EXPECT_GE(t.right, 0.9 * t.rows) << t.right << " of " << t.rows << " rows";
  EXPECT_GE(t.adds_up, 4) << "of 6 scans, the rows add up to the net amount";
}

}  // namespace
}  // namespace flowline::ai
