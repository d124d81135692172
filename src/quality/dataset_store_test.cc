#include "quality/dataset_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <set>

#include "common/temp_dir.h"
#include "quality/case_files.h"
#include "quality/dataset_internal.h"
#include "quality/dataset_transfer.h"
#include "store/sqlite/scratch_options.h"

namespace flowline::quality {
namespace {

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class DatasetStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::sqlite::SqliteStore::Open(
        store::sqlite::ScratchStoreOptions(dir_.File("flowline.db")));
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
    artifacts_ = steps::NewFileArtifactStore(dir_.File("artifacts"));
  }

  std::string Dir(const std::string& sub) {
    std::string path = dir_.File(sub);
    mkdir(path.c_str(), 0755);
    return path;
  }

  // A flowline folder of `n` invoices whose total is the index (and one label `changed`).
  std::string Folder(int n, const std::string& total_of_first = "1.00") {
    const std::string root = Dir("folder");
    std::string lines;
    for (int i = 0; i < n; ++i) {
      const std::string file = "inv-" + std::to_string(i) + ".pdf";
      Write(root + "/" + file, "%PDF-" + std::to_string(i));
      const std::string total = i == 0 ? total_of_first : std::to_string(i + 1) + ".00";
      lines += R"({"file": ")" + file + R"(", "fields": {"total_amount": ")" + total +
               R"(", "vendor_name": "Vendor )" + std::to_string(i % 3) + R"("}})" + "\n";
    }
    Write(root + "/labels.jsonl", lines);
    return root;
  }

  absl::StatusOr<DatasetImportResult> Import(const std::string& from, int seconds = 0,
                                             const std::string& name = "inv") {
    DatasetImport import;
    import.name = name;
    import.from = from;
    import.workflow = "invoice-approval";
    import.now = absl::FromUnixSeconds(1'700'000'000 + seconds);
    return ImportDataset(*store_, *artifacts_, import);
  }

  common::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<steps::ArtifactStore> artifacts_;
};

TEST(DatasetRefTest, ParsesNameAndVersion) {
  auto plain = ParseDatasetRef("invoices");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->name, "invoices");
  EXPECT_EQ(plain->version, 0);
  auto pinned = ParseDatasetRef("invoice-approval.reviewed@12");
  ASSERT_TRUE(pinned.ok());
  EXPECT_EQ(pinned->name, "invoice-approval.reviewed");
  EXPECT_EQ(pinned->version, 12);
  EXPECT_EQ(DatasetRefName("inv", 3), "inv@3");
  EXPECT_FALSE(ParseDatasetRef("inv@0").ok());
  EXPECT_FALSE(ParseDatasetRef("inv@x").ok());
  EXPECT_FALSE(ParseDatasetRef("@2").ok());
}

TEST_F(DatasetStoreTest, ImportedFolderLoadsWithOpenableCopiesAndSlices) {
  const std::string folder = Folder(4);
  auto imported = Import(folder);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->format, "flowline");
  EXPECT_EQ(imported->cases, 4u);
  EXPECT_TRUE(imported->append.created);
  EXPECT_EQ(imported->append.version.version, 1);

  // The version does not change when the folder does.
  Write(folder + "/inv-0.pdf", "changed bytes");
  auto dataset = LoadStoredDataset(*store_, artifacts_.get(), "inv");
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  EXPECT_EQ(dataset->name, "inv");
  EXPECT_EQ(dataset->version, 1);
  EXPECT_EQ(dataset->format, "stored");
  EXPECT_EQ(dataset->dir, "dataset:inv@1");
  EXPECT_EQ(dataset->content_hash, imported->append.version.content_hash);
  EXPECT_EQ(dataset->test_share, 0.2);
  ASSERT_EQ(dataset->documents.size(), 4u);
  const LabelledDocument& first = dataset->documents[0];
  EXPECT_EQ(first.id, "inv-0.pdf");
  EXPECT_EQ(*internal::ReadWholeFile(first.path), "%PDF-0");
  EXPECT_EQ(first.fields.at("total_amount"), "1.00");
  EXPECT_EQ(first.source, "import:flowline");
  EXPECT_EQ(first.slices.at("vendor"), "Vendor 0");
  EXPECT_EQ(first.slices.at("doc_type"), "invoice");
  // The fields keep their types.
  std::map<std::string, ai::FieldType> types;
  for (const ai::FieldSpec& spec : dataset->fields) types[spec.name] = spec.type;
  EXPECT_EQ(types.at("total_amount"), ai::FieldType::kAmount);
  EXPECT_EQ(types.at("vendor_name"), ai::FieldType::kOrganisation);
}

TEST_F(DatasetStoreTest, ReimportIsIdempotentAndAChangedLabelIsANewVersion) {
  ASSERT_TRUE(Import(Folder(5)).ok());
  auto again = Import(Folder(5), 10);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->append.created);
  EXPECT_EQ(again->append.version.version, 1);

  auto relabelled = Import(Folder(5, "99.50"), 20);
  ASSERT_TRUE(relabelled.ok()) << relabelled.status();
  EXPECT_TRUE(relabelled->append.created);
  EXPECT_EQ(relabelled->append.version.version, 2);
  EXPECT_EQ(relabelled->append.changed, 1);

  auto v1 = LoadStoredDataset(*store_, artifacts_.get(), "inv", 1);
  auto v2 = LoadStoredDataset(*store_, artifacts_.get(), "inv", 2);
  ASSERT_TRUE(v1.ok() && v2.ok());
  EXPECT_EQ(v1->documents[0].fields.at("total_amount"), "1.00");
  EXPECT_EQ(v2->documents[0].fields.at("total_amount"), "99.50");
  EXPECT_NE(v1->content_hash, v2->content_hash);
}

TEST_F(DatasetStoreTest, SplitsAreByCaseKeyAndStableAcrossVersions) {
  ASSERT_TRUE(Import(Folder(60)).ok());
  std::map<std::string, Split> part_of;
  size_t total = 0;
  for (Split part : {Split::kTrain, Split::kValidation, Split::kTest}) {
    auto selected = LoadStoredDataset(*store_, artifacts_.get(), "inv", 0, part);
    ASSERT_TRUE(selected.ok()) << selected.status();
    EXPECT_FALSE(selected->documents.empty()) << SplitName(part);
    for (const auto& doc : selected->documents) {
      part_of[doc.id] = part;
      EXPECT_EQ(SplitOf(doc.id, 0.2, 0.2, 1), part);
    }
    total += selected->documents.size();
  }
  EXPECT_EQ(total, 60u);
  // More cases in a new version: the old ones keep their parts.
  ASSERT_TRUE(Import(Folder(90), 5).ok());
  for (Split part : {Split::kTrain, Split::kValidation, Split::kTest}) {
    auto selected = LoadStoredDataset(*store_, artifacts_.get(), "inv", 2, part);
    ASSERT_TRUE(selected.ok());
    for (const auto& doc : selected->documents) {
      if (auto it = part_of.find(doc.id); it != part_of.end()) {
        EXPECT_EQ(it->second, part) << doc.id;
      }
    }
  }
}

TEST_F(DatasetStoreTest, JsonlCasesWithInputsAndDocuments) {
  const std::string root = Dir("jsonl");
  Write(root + "/a.pdf", "%PDF-a");
  Write(
      root + "/cases.jsonl",
      R"({"id": "c1", "file": "a.pdf", "expected": {"fields": {"total_amount": "1,200.00"}}, "slices": {"region": "north"}})"
      "\n"
      R"({"input": {"amount": 12}, "expected": {"decision": "approve", "doc_type": "claim"}})"
      "\n");
  auto imported = Import(root + "/cases.jsonl");
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->format, "jsonl");
  auto dataset = LoadStoredDataset(*store_, artifacts_.get(), "inv");
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  ASSERT_EQ(dataset->documents.size(), 2u);
  const LabelledDocument& c1 = dataset->documents[0];
  EXPECT_EQ(c1.id, "c1");
  EXPECT_EQ(c1.fields.at("total_amount"), "1200.00");
  EXPECT_EQ(c1.slices.at("region"), "north");
  EXPECT_EQ(c1.source, "import:jsonl");
  EXPECT_EQ(*internal::ReadWholeFile(c1.path), "%PDF-a");
  const LabelledDocument& c2 = dataset->documents[1];
  EXPECT_EQ(c2.id, "line-2");
  EXPECT_EQ(c2.path, "");
  EXPECT_EQ(c2.input, (Json{{"amount", 12}}));
  EXPECT_EQ(c2.doc_type, "claim");
  EXPECT_EQ(c2.fields.at("decision"), "approve");
}

TEST_F(DatasetStoreTest, CsvCasesWithExpectedAndSliceColumns) {
  const std::string root = Dir("csv");
  Write(root + "/a.pdf", "%PDF-a");
  Write(root + "/b.pdf", "%PDF-b");
  Write(root + "/cases.csv",
        "file,expected.invoice_date,expected.total_amount,expected.doc_type,slice.region\n"
        "a.pdf,2026-03-14,\"1,469.06\",invoice,north\n"
        "b.pdf,,12,credit_note,\n");
  auto imported = Import(root + "/cases.csv");
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->format, "csv");
  auto dataset = LoadStoredDataset(*store_, artifacts_.get(), "inv");
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  ASSERT_EQ(dataset->documents.size(), 2u);
  EXPECT_EQ(dataset->documents[0].fields.at("total_amount"), "1469.06");
  EXPECT_EQ(dataset->documents[0].fields.at("invoice_date"), "2026-03-14");
  EXPECT_EQ(dataset->documents[0].slices.at("region"), "north");
  EXPECT_EQ(dataset->documents[1].doc_type, "credit_note");
  EXPECT_EQ(dataset->documents[1].fields.count("invoice_date"), 0u);
  EXPECT_EQ(dataset->documents[1].slices.count("region"), 0u);
}

TEST_F(DatasetStoreTest, BadRowsNameFileAndLineAndStoreNothing) {
  const std::string root = Dir("bad");
  Write(root + "/a.pdf", "%PDF-a");
  struct Case {
    const char* file;
    const char* text;
    const char* message;
  };
  for (const Case& c : {
           Case{"cases.jsonl",
                "{\"file\": \"a.pdf\", \"expected\": {}}\n{\"file\": \"nope.pdf\", \"expected\": "
                "{}}\n",
                "cases.jsonl:2: the file"},
           Case{"cases.jsonl", "{\"file\": \"a.pdf\", \"expected\": {}}\n\n{oops\n",
                "cases.jsonl:3: "},
           Case{"cases.jsonl",
                "{\"file\": \"a.pdf\", \"expected\": {\"total_amount\": \"twelve\"}}\n",
                "cases.jsonl:1: total_amount label 'twelve' is not a amount"},
           Case{"cases.jsonl", "{\"file\": \"a.pdf\"}\n", "cases.jsonl:1: a case needs"},
           Case{"cases.jsonl",
                "{\"file\": \"a.pdf\", \"expected\": {}}\n{\"file\": \"a.pdf\", \"expected\": "
                "{}}\n",
                "cases.jsonl:2: case id 'a.pdf' is used twice"},
           Case{"cases.csv",
                "id,file,expected.invoice_date\n1,a.pdf,2026-01-01\n2,a.pdf,31/31/2026\n",
                "cases.csv:3: invoice_date label"},
           Case{"cases.csv", "file,total\na.pdf,1\n", "cases.csv:1: unknown column 'total'"},
           Case{"cases.csv", "id,expected.total_amount\nx,1\n", "cases.csv:2: a case needs"},
       }) {
    Write(root + "/" + c.file, c.text);
    auto imported = Import(root + "/" + c.file);
    ASSERT_FALSE(imported.ok()) << c.text;
    EXPECT_EQ(imported.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(imported.status().message().find(c.message), std::string::npos) << imported.status();
  }
  EXPECT_EQ(Import(root + "/missing").status().code(), absl::StatusCode::kNotFound);
  auto datasets = store_->ListDatasets();
  ASSERT_TRUE(datasets.ok());
  EXPECT_TRUE(datasets->empty());
}

TEST_F(DatasetStoreTest, PublicFormatFolderImportKeepsTranscripts) {
  const std::string root = Dir("sroie");
  Dir("sroie/key");
  Dir("sroie/img");
  Dir("sroie/box");
  Write(root + "/img/000.jpg", "jpg");
  Write(root + "/box/000.csv", "1,1,2,2,3,3,4,4,TOTAL 9.00\n");
  Write(root + "/key/000.json", R"({"company": "BOOK TA .K SDN BHD", "total": "9.00"})");
  auto imported = Import(root);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->format, "sroie");
  auto dataset = LoadStoredDataset(*store_, artifacts_.get(), "inv");
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  ASSERT_EQ(dataset->documents.size(), 1u);
  const LabelledDocument& doc = dataset->documents[0];
  EXPECT_EQ(doc.id, "img/000.jpg");
  EXPECT_EQ(doc.doc_type, "receipt");
  EXPECT_EQ(doc.date_order, ai::DateOrder::kDmy);
  EXPECT_EQ(doc.source, "import:sroie");
  EXPECT_EQ(doc.slices.at("vendor"), "BOOK TA .K SDN BHD");
  EXPECT_EQ(*internal::ReadWholeFile(doc.transcript), "1,1,2,2,3,3,4,4,TOTAL 9.00\n");
}

TEST_F(DatasetStoreTest, ExportReadsBackAsTheSameCases) {
  ASSERT_TRUE(Import(Folder(3)).ok());
  auto dataset = LoadStoredDataset(*store_, artifacts_.get(), "inv");
  ASSERT_TRUE(dataset.ok());
  const std::string out = dir_.File("exported");
  auto exported = ExportDataset(*dataset, out);
  ASSERT_TRUE(exported.ok()) << exported.status();
  EXPECT_EQ(exported->written, 3u);
  auto back = LoadDataset(out);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->documents.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back->documents[i].id, dataset->documents[i].id);
    EXPECT_EQ(back->documents[i].fields, dataset->documents[i].fields);
    EXPECT_EQ(back->documents[i].source, "import:flowline");
    EXPECT_EQ(back->documents[i].slices, dataset->documents[i].slices);
    EXPECT_EQ(*internal::ReadWholeFile(back->documents[i].path),
              *internal::ReadWholeFile(dataset->documents[i].path));
  }
  // Re-importing the export under the same name changes nothing.
  auto again = Import(out, 30);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->append.created);
}

// The public sets, when the checkout has ../shared/data beside it: each imports whole, keeps its
// format as the cases' source, and imports again as the same version.
TEST_F(DatasetStoreTest, ImportsEveryPublicSet) {
  const std::string root = "/work/shared/data";
  struct stat st;
  if (stat(root.c_str(), &st) != 0) GTEST_SKIP() << root << " is absent";
  for (const auto& [folder, format] :
       std::vector<std::pair<std::string, std::string>>{{"sroie", "sroie"},
                                                        {"fcc-adbuy", "fcc"},
                                                        {"invoice2data", "invoice2data"},
                                                        {"zugferd", "zugferd"}}) {
    auto direct = LoadDataset(root + "/" + folder);
    ASSERT_TRUE(direct.ok()) << direct.status();
    auto imported = Import(root + "/" + folder, 0, folder);
    ASSERT_TRUE(imported.ok()) << folder << ": " << imported.status();
    EXPECT_EQ(imported->format, format);
    auto stored = LoadStoredDataset(*store_, artifacts_.get(), folder);
    ASSERT_TRUE(stored.ok()) << stored.status();
    ASSERT_EQ(stored->documents.size(), direct->documents.size()) << folder;
    std::map<std::string, const LabelledDocument*> by_id;
    for (const LabelledDocument& doc : direct->documents) by_id[doc.id] = &doc;
    for (const LabelledDocument& doc : stored->documents) {
      ASSERT_EQ(by_id.count(doc.id), 1u) << doc.id;
      EXPECT_EQ(doc.fields, by_id[doc.id]->fields) << doc.id;
      EXPECT_EQ(doc.line_count, by_id[doc.id]->line_count) << doc.id;
      EXPECT_EQ(doc.line_total, by_id[doc.id]->line_total) << doc.id;
      EXPECT_EQ(doc.source, "import:" + format);
    }
    auto again = Import(root + "/" + folder, 1, folder);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again->append.created) << folder;
  }
}

TEST_F(DatasetStoreTest, UnknownDatasetAndVersionAreNotFound) {
  EXPECT_EQ(LoadStoredDataset(*store_, artifacts_.get(), "nope").status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(Import(Folder(2)).ok());
  auto missing = LoadStoredDataset(*store_, artifacts_.get(), "inv", 7);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("newest is 1"), std::string::npos);
}

}  // namespace
}  // namespace flowline::quality
