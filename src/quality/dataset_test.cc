#include "quality/dataset.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <set>

#include "common/temp_dir.h"

namespace flowline::quality {
namespace {

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class DatasetTest : public ::testing::Test {
 protected:
  std::string Dir(const std::string& sub) {
    std::string path = dir_.path() + "/" + sub;
    mkdir(path.c_str(), 0755);
    return path;
  }
  common::TempDir dir_;
};

TEST_F(DatasetTest, FlowlineFormatNormalisesAndSkipsMissingFiles) {
  std::string root = Dir("samples");
  Write(root + "/a.pdf", "%PDF");
  Write(
      root + "/labels.jsonl",
      R"({"file": "a.pdf", "doc_type": "invoice", "date_order": "dmy", "fields": {"invoice_date": "03/04/2026", "total_amount": "1,234.50", "currency": "€", "invoice_number": " INV  7 ", "line_items": [{"amount": "1"}]}})"
      "\n\n"
      R"({"file": "missing.pdf", "fields": {}})"
      "\n");
  auto dataset = LoadDataset(root);
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  EXPECT_EQ(dataset->format, "flowline");
  ASSERT_EQ(dataset->documents.size(), 1u);
  const LabelledDocument& doc = dataset->documents[0];
  EXPECT_EQ(doc.id, "a.pdf");
  EXPECT_EQ(doc.fields.at("invoice_date"), "2026-04-03");  // day-first, as labelled
  EXPECT_EQ(doc.fields.at("total_amount"), "1234.50");
  EXPECT_EQ(doc.fields.at("currency"), "EUR");
  EXPECT_EQ(doc.fields.at("invoice_number"), "INV 7");
  EXPECT_EQ(doc.line_items.size(), 1u);
  ASSERT_EQ(dataset->warnings.size(), 1u);
  EXPECT_NE(dataset->warnings[0].find("labels.jsonl:3: "), std::string::npos);
}

TEST_F(DatasetTest, FlowlineFormatBadLineNamesFileAndLine) {
  std::string root = Dir("bad");
  Write(root + "/labels.jsonl", "{\"file\": \"a.pdf\"}\n{oops\n");
  auto dataset = LoadDataset(root);
  ASSERT_FALSE(dataset.ok());
  EXPECT_NE(dataset.status().message().find("labels.jsonl:2:"), std::string::npos)
      << dataset.status();
}

TEST_F(DatasetTest, SroieKeysAreImported) {
  std::string root = Dir("sroie");
  Dir("sroie/key");
  Dir("sroie/img");
  Write(root + "/img/000.jpg", "jpg");
  Write(
      root + "/key/000.json",
      R"({"company": "BOOK TA .K SDN BHD", "date": "25/12/2018", "address": "NO.53, JOHOR.", "total": "9.00"})");
  Write(root + "/key/001.json", R"({"company": "no image"})");
  auto dataset = LoadDataset(root);
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  EXPECT_EQ(dataset->format, "sroie");
  ASSERT_EQ(dataset->documents.size(), 1u);
  EXPECT_EQ(dataset->documents[0].id, "img/000.jpg");
  EXPECT_EQ(dataset->documents[0].fields.at("date"), "2018-12-25");
  EXPECT_EQ(dataset->documents[0].fields.at("total"), "9.00");
  EXPECT_EQ(dataset->documents[0].fields.at("company"), "BOOK TA .K SDN BHD");
  EXPECT_EQ(dataset->documents[0].transcript, "");  // no box/000.csv
  EXPECT_EQ(dataset->documents[0].source, "import:sroie");
  EXPECT_EQ(dataset->documents[0].slices.at("vendor"), "BOOK TA .K SDN BHD");
  EXPECT_EQ(dataset->documents[0].slices.at("doc_type"), "receipt");
  EXPECT_EQ(dataset->warnings.size(), 1u);
}

TEST_F(DatasetTest, SroieTranscriptIsTheBoxCsvBesideTheKey) {
  std::string root = Dir("sroie-box");
  Dir("sroie-box/key");
  Dir("sroie-box/img");
  Dir("sroie-box/box");
  Write(root + "/img/000.jpg", "jpg");
  Write(root + "/box/000.csv", "1,1,9,1,9,5,1,5,TOTAL 9.00\n");
  Write(root + "/key/000.json", R"({"total": "9.00"})");
  auto dataset = LoadDataset(root);
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  ASSERT_EQ(dataset->documents.size(), 1u);
  EXPECT_EQ(dataset->documents[0].transcript, root + "/box/000.csv");
}

TEST_F(DatasetTest, FccLabelsAreMonthFirstAndNoisyLabelsAreReported) {
  std::string root = Dir("fcc");
  Dir("fcc/pdfs");
  Write(root + "/pdfs/u1.pdf", "%PDF");
  Write(root + "/pdfs/u2.pdf", "%PDF");
  Write(root + "/labels.csv",
        "file_id,title,contract_num,advertiser,gross_amount,flight_from,flight_to,issues,url\n"
        "u1,t,950658-1,\"Michael Bloomberg 2020, Inc\",\"$5,625.00\",12/30/19,03/01/20,,x\n"
        "u2,t,77,POL/X,$210,not a date,,,x\n");
  auto dataset = LoadDataset(root);
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  EXPECT_EQ(dataset->format, "fcc");
  ASSERT_EQ(dataset->documents.size(), 2u);
  const auto& first = dataset->documents[0].fields;
  EXPECT_EQ(first.at("flight_from"), "2019-12-30");
  EXPECT_EQ(first.at("flight_to"), "2020-03-01");  // month-first
  EXPECT_EQ(first.at("gross_amount"), "5625.00");
  EXPECT_EQ(first.at("advertiser"), "Michael Bloomberg 2020, Inc");
  const auto& second = dataset->documents[1].fields;
  EXPECT_EQ(second.count("flight_from"), 0u);  // unparseable: dropped, with a warning
  EXPECT_EQ(second.count("flight_to"), 0u);    // empty: not on the document
  ASSERT_EQ(dataset->warnings.size(), 1u);
  EXPECT_NE(dataset->warnings[0].find("labels.csv:3: flight_from label 'not a date'"),
            std::string::npos)
      << dataset->warnings[0];
}

TEST_F(DatasetTest, ZugferdAndInvoice2dataMapOntoInvoiceFields) {
  std::string z = Dir("z");
  Dir("z/pdf");
  Write(z + "/pdf/EN1.pdf", "%PDF");
  Write(z + "/fields.csv",
        "file,invoice_number,type_code,issue_date,due_date,currency,seller_name,seller_vat_id,"
        "buyer_name,line_count,line_total,tax_basis_total,tax_total,grand_total,due_payable,iban\n"
        "EN1,471102,380,20180605,,EUR,Lieferant GmbH,DE1,Kunden AG,4,180.76,177.49,20.16,197.65,"
        "147.65,\n");
  auto zugferd = LoadDataset(z);
  ASSERT_TRUE(zugferd.ok()) << zugferd.status();
  EXPECT_EQ(zugferd->format, "zugferd");
  EXPECT_EQ(zugferd->documents[0].fields.at("invoice_date"), "2018-06-05");
  EXPECT_EQ(zugferd->documents[0].fields.at("total_amount"), "197.65");
  EXPECT_EQ(zugferd->documents[0].fields.at("vendor_name"), "Lieferant GmbH");
  EXPECT_EQ(zugferd->documents[0].fields.count("due_date"), 0u);

  std::string i = Dir("i");
  Dir("i/files");
  Write(i + "/files/aws.pdf", "%PDF");
  Write(
      i + "/files/aws.json",
      R"([{"issuer": "AWS", "invoice_number": "123", "date": "2014-09-03", "amount": 4.11, "currency": "USD", "desc": "Invoice from AWS"}])");
  Write(i + "/files/orlen.json", R"([{"amount": 1}])");
  auto i2d = LoadDataset(i);
  ASSERT_TRUE(i2d.ok()) << i2d.status();
  EXPECT_EQ(i2d->format, "invoice2data");
  ASSERT_EQ(i2d->documents.size(), 1u);
  EXPECT_EQ(i2d->documents[0].fields.at("total_amount"), "4.11");
  EXPECT_EQ(i2d->documents[0].fields.at("invoice_date"), "2014-09-03");
  EXPECT_EQ(i2d->documents[0].fields.count("issuer"), 0u);  // template metadata
  EXPECT_EQ(i2d->warnings.size(), 1u);                      // orlen has no PDF
}

TEST_F(DatasetTest, UnknownFolderAndFormatAreClearErrors) {
  std::string root = Dir("empty");
  auto unknown = LoadDataset(root);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("--format"), std::string::npos);
  EXPECT_EQ(LoadDataset(root, "csv").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadDataset(dir_.path() + "/nope").status().code(), absl::StatusCode::kNotFound);
}

TEST(SplitTest, TrainAndTestPartition) {
  Dataset dataset;
  for (int i = 0; i < 400; ++i) {
    LabelledDocument doc;
    doc.id = "doc" + std::to_string(i);
    dataset.documents.push_back(doc);
  }
  Dataset train = SelectSplit(dataset, Split::kTrain, 0.25, 7);
  Dataset test = SelectSplit(dataset, Split::kTest, 0.25, 7);
  EXPECT_EQ(train.documents.size() + test.documents.size(), 400u);
  EXPECT_NEAR(static_cast<double>(test.documents.size()) / 400, 0.25, 0.07);
  for (const auto& doc : test.documents) EXPECT_TRUE(InTestPart(doc.id, 0.25, 7));
  for (const auto& doc : train.documents) EXPECT_FALSE(InTestPart(doc.id, 0.25, 7));
  // Another seed, another split; the same seed, the same split.
  EXPECT_NE(SelectSplit(dataset, Split::kTest, 0.25, 8).documents.front().id,
            test.documents.front().id);
  EXPECT_EQ(SelectSplit(dataset, Split::kTest, 0.25, 7).documents.size(), test.documents.size());
  EXPECT_EQ(ParseSplit("test"), Split::kTest);
  EXPECT_FALSE(ParseSplit("half").has_value());
}

TEST(SplitTest, ThreeWaySplitIsDeterministicWithSharesWithinTolerance) {
  std::map<Split, int> counts;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = "case-" + std::to_string(i);
    const Split part = SplitOf(id, 0.2, 0.2, 1);
    EXPECT_EQ(SplitOf(id, 0.2, 0.2, 1), part);  // the same every time
    EXPECT_NE(part, Split::kAll);
    ++counts[part];
    // The test part is the two-way split's test part, whatever the validation share.
    EXPECT_EQ(part == Split::kTest, InTestPart(id, 0.2, 1)) << id;
    EXPECT_EQ(SplitOf(id, 0.5, 0.2, 1) == Split::kTest, part == Split::kTest) << id;
  }
  // Binomial(10000, 0.2): the standard deviation is 40, so 200 is five of them.
  EXPECT_NEAR(counts[Split::kTest], 2000, 200);
  EXPECT_NEAR(counts[Split::kValidation], 2000, 200);
  EXPECT_NEAR(counts[Split::kTrain], 6000, 200);
  EXPECT_EQ(SplitOf("x", 0.0, 0.0, 1), Split::kTrain);
  EXPECT_EQ(SplitOf("x", 0.0, 1.0, 1), Split::kTest);
  EXPECT_EQ(SplitOf("x", 1.0, 0.0, 1), Split::kValidation);
}

TEST(SplitTest, SelectSplitPartitionsThreeWays) {
  Dataset dataset;
  for (int i = 0; i < 300; ++i) {
    LabelledDocument doc;
    doc.id = "doc" + std::to_string(i);
    dataset.documents.push_back(doc);
  }
  size_t total = 0;
  for (Split part : {Split::kTrain, Split::kValidation, Split::kTest}) {
    Dataset selected = SelectSplit(dataset, part, 0.3, 0.2, 5);
    EXPECT_FALSE(selected.documents.empty()) << SplitName(part);
    for (const auto& doc : selected.documents) EXPECT_EQ(SplitOf(doc.id, 0.3, 0.2, 5), part);
    total += selected.documents.size();
  }
  EXPECT_EQ(total, 300u);
  EXPECT_EQ(SelectSplit(dataset, Split::kAll, 0.3, 0.2, 5).documents.size(), 300u);
  EXPECT_EQ(ParseSplit("validation"), Split::kValidation);
  EXPECT_EQ(SplitName(Split::kValidation), "validation");
}

TEST(SplitTest, FoldsAreBalancedDeterministicAndFollowTheSplitPosition) {
  std::vector<std::string> ids;
  for (int i = 0; i < 23; ++i) ids.push_back("doc" + std::to_string(i));
  const std::vector<int> folds = AssignFolds(ids, 5, 1);
  ASSERT_EQ(folds.size(), ids.size());
  EXPECT_EQ(AssignFolds(ids, 5, 1), folds);  // the same every time
  EXPECT_NE(AssignFolds(ids, 5, 2), folds);  // the seed matters
  std::map<int, int> sizes;
  for (int f : folds) ++sizes[f];
  ASSERT_EQ(sizes.size(), 5u);  // every fold 0..4 has documents: 23 = 5 + 5 + 5 + 4 + 4
  for (const auto& [fold, size] : sizes) {
    EXPECT_GE(fold, 0);
    EXPECT_LT(fold, 5);
    EXPECT_TRUE(size == 4 || size == 5) << fold << ": " << size;
  }
  // Folds are runs of the split position: every document of fold f lies below every one of f+1.
  for (size_t a = 0; a < ids.size(); ++a) {
    for (size_t b = 0; b < ids.size(); ++b) {
      if (folds[a] < folds[b]) {
        EXPECT_LT(SplitPosition(ids[a], 1), SplitPosition(ids[b], 1));
      }
    }
  }
  // The order of the input does not matter, only the ids.
  std::vector<std::string> reversed(ids.rbegin(), ids.rend());
  const std::vector<int> again = AssignFolds(reversed, 5, 1);
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(again[ids.size() - 1 - i], folds[i]);
  // As many folds as documents: one document each.
  const std::vector<int> single = AssignFolds({"a", "b", "c"}, 3, 1);
  EXPECT_EQ(std::set<int>(single.begin(), single.end()), (std::set<int>{0, 1, 2}));
}

TEST_F(DatasetTest, ImportsFillSourceAndSlices) {
  std::string root = Dir("sliced");
  Write(root + "/a.pdf", "%PDF");
  Write(root + "/b.pdf", "%PDF");
  Write(
      root + "/labels.jsonl",
      R"({"file": "a.pdf", "fields": {"vendor_name": "ACME Ltd", "total_amount": "5"}})"
      "\n"
      R"({"file": "b.pdf", "doc_type": "credit_note", "source": "review:t-9", "slices": {"region": "north"}, "fields": {}})"
      "\n");
  auto dataset = LoadDataset(root);
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  ASSERT_EQ(dataset->documents.size(), 2u);
  const LabelledDocument& a = dataset->documents[0];
  EXPECT_EQ(a.source, "import:flowline");
  EXPECT_EQ(a.slices, (std::map<std::string, std::string>{
                          {"doc_type", "invoice"}, {"source", "import"}, {"vendor", "ACME Ltd"}}));
  const LabelledDocument& b = dataset->documents[1];
  EXPECT_EQ(b.source, "review:t-9");
  EXPECT_EQ(b.slices, (std::map<std::string, std::string>{
                          {"doc_type", "credit_note"}, {"region", "north"}, {"source", "review"}}));

  // What `flowline samples` writes: how the file was made, a slice.
  Write(root + "/labels.jsonl", R"({"file": "a.pdf", "source": "scan", "fields": {}})"
                                "\n");
  auto sample = LoadDataset(root);
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_EQ(sample->documents[0].source, "import:flowline");
  EXPECT_EQ(sample->documents[0].slices.at("medium"), "scan");

  // What `flowline labels export` writes.
  Write(root + "/labels.jsonl",
        R"({"file": "a.pdf", "source": {"run_id": "r-1", "task_id": "t-1"}, "fields": {}})"
        "\n");
  auto exported = LoadDataset(root);
  ASSERT_TRUE(exported.ok()) << exported.status();
  EXPECT_EQ(exported->documents[0].source, "review:t-1");

  Write(root + "/labels.jsonl", R"({"file": "a.pdf", "slices": ["x"]})"
                                "\n");
  auto bad = LoadDataset(root);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("labels.jsonl:1: \"slices\" must be an object"),
            std::string::npos)
      << bad.status();
}

// The real sets, when the checkout has ../shared/data beside it.
TEST(SharedDataTest, ImportsEveryPublicSet) {
  const std::string root = "/work/shared/data";
  struct stat st;
  if (stat(root.c_str(), &st) != 0) GTEST_SKIP() << root << " is absent";
  struct Expect {
    const char* folder;
    const char* format;
    size_t min_documents;
  };
  for (const Expect& e :
       {Expect{"sroie", "sroie", 50}, Expect{"fcc-adbuy", "fcc", 69},
        Expect{"invoice2data", "invoice2data", 11}, Expect{"zugferd", "zugferd", 26}}) {
    auto dataset = LoadDataset(root + "/" + e.folder);
    ASSERT_TRUE(dataset.ok()) << e.folder << ": " << dataset.status();
    EXPECT_EQ(dataset->format, e.format);
    EXPECT_GE(dataset->documents.size(), e.min_documents) << e.folder;
    size_t labelled = 0;
    for (const auto& doc : dataset->documents) labelled += doc.fields.size();
    EXPECT_GE(labelled, dataset->documents.size() * 3) << e.folder;
  }
}

}  // namespace
}  // namespace flowline::quality
