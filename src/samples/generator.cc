#include "samples/generator.h"

#include <cstdlib>
#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "samples/render.h"
#include "samples/sample_files.h"
#include "samples/scan.h"

namespace flowline::samples {
namespace {

// Seeds of the independent random streams per document: what it says, how it looks, and how
// its scan is degraded. Separate streams keep e.g. the scan noise from shifting the content.
constexpr uint64_t kLayoutStream = 0x6c61796f7574ULL;
constexpr uint64_t kScanStream = 0x7363616e6e6572ULL;

}  // namespace

absl::Status ValidateOptions(const GenerateOptions& options) {
  RETURN_IF_ERROR(CheckCountAndOut(options.count, options.out_dir));
  RETURN_IF_ERROR(CheckShare("--scanned-share", options.scanned_share));
  RETURN_IF_ERROR(CheckShare("--other-share", options.other_share));
  RETURN_IF_ERROR(CheckShare("--defect-share", options.defect_share));
  RETURN_IF_ERROR(CheckShare("--duplicate-share", options.duplicate_share));
  if (!(options.dpi >= 72 && options.dpi <= 600)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--dpi must be between 72 and 600, got %g", options.dpi));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PlannedSample>> PlanSamples(const GenerateOptions& options) {
  RETURN_IF_ERROR(ValidateOptions(options));
  std::vector<PlannedSample> samples;
  samples.reserve(static_cast<size_t>(options.count));
  std::vector<size_t> originals;  // invoices a later duplicate may copy
  for (int i = 0; i < options.count; ++i) {
    Rng rng = Rng::ForDocument(options.seed, static_cast<uint64_t>(i));
    PlannedSample sample;
    sample.scanned = rng.Chance(options.scanned_share);
    sample.file = absl::StrFormat("sample-%05d.%s", i + 1, sample.scanned ? "png" : "pdf");
    bool other = rng.Chance(options.other_share);
    bool duplicate = !other && !originals.empty() && rng.Chance(options.duplicate_share);
    if (other) {
      sample.document = GenerateOtherDocument(rng);
    } else if (duplicate) {
      // The same invoice sent again (a reminder copy, a second channel): same vendor, number
      // and amounts, laid out afresh below.
      const PlannedSample& original = samples[originals[rng.Index(originals.size())]];
      sample.document = original.document;
      sample.document.defect = "duplicate";
      sample.document.duplicate_of = original.file;
    } else {
      sample.document = GenerateInvoice(rng, options.defect_share);
      if (sample.document.defect.empty()) originals.push_back(samples.size());
    }
    Rng layout_rng = Rng::ForDocument(options.seed ^ kLayoutStream, static_cast<uint64_t>(i));
    sample.layout = LayOut(sample.document, layout_rng);
    sample.label = LabelFor(sample.file, sample.scanned, sample.document, sample.layout);
    samples.push_back(std::move(sample));
  }
  return samples;
}

namespace {

std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string Cents(int64_t cents) {
  return absl::StrFormat("%s%d.%02d", cents < 0 ? "-" : "", std::abs(cents) / 100,
                         std::abs(cents) % 100);
}

}  // namespace

// The business's reference data for the batch, as `flowline reference load` reads it:
// vendors.csv (the vendor master: every invoicing vendor but about one in twenty, so some
// invoices come from unknown vendors) and purchase_orders.csv (one open order per invoice that
// prints a PO number, for its total).
absl::Status WriteReferenceData(const std::filesystem::path& dir,
                                const std::vector<PlannedSample>& samples) {
  std::string vendors = "vendor_id,name,country,tax_id,iban\n";
  std::string orders = "po_number,vendor,amount,currency\n";
  std::set<std::string> seen;
  std::set<std::string> seen_orders;
  for (const PlannedSample& sample : samples) {
    const SampleDocument& doc = sample.document;
    if (doc.type != DocType::kInvoice) continue;
    const std::string id = common::Sha256Hex(doc.vendor.name).substr(0, 8);
    if (seen.insert(doc.vendor.name).second && std::stoul(id, nullptr, 16) % 20 != 0) {
      vendors +=
          absl::StrCat("V-", id, ",", CsvField(doc.vendor.name), ",", doc.vendor.country_code, ",",
                       CsvField(doc.vendor.tax_id), ",", CsvField(doc.vendor.iban), "\n");
    }
    if (!doc.po_number.empty() && seen_orders.insert(doc.po_number).second) {
      orders += absl::StrCat(CsvField(doc.po_number), ",", CsvField(doc.vendor.name), ",",
                             Cents(doc.total_cents), ",", doc.currency, "\n");
    }
  }
  RETURN_IF_ERROR(WriteSampleFile(dir / "vendors.csv", vendors));
  return WriteSampleFile(dir / "purchase_orders.csv", orders);
}

absl::StatusOr<GenerateSummary> GenerateSamples(const GenerateOptions& options,
                                                const std::function<void(int, int)>& progress) {
  ASSIGN_OR_RETURN(std::vector<PlannedSample> samples, PlanSamples(options));
  std::filesystem::path dir(options.out_dir);
  RETURN_IF_ERROR(MakeSampleFolder(dir));
  GenerateSummary summary;
  std::string labels;
  ScanOptions scan;
  scan.dpi = options.dpi;
  int done = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    const PlannedSample& sample = samples[i];
    std::string bytes;
    if (sample.scanned) {
      Rng scan_rng = Rng::ForDocument(options.seed ^ kScanStream, i);
      ASSIGN_OR_RETURN(GreyImage image, ScanPage(sample.layout.page, scan, scan_rng));
      ASSIGN_OR_RETURN(bytes, EncodePng(image));
      ++summary.scanned;
    } else {
      ASSIGN_OR_RETURN(bytes, RenderPdf(sample.layout.page));
    }
    RETURN_IF_ERROR(WriteSampleFile(dir / sample.file, bytes));
    summary.bytes += static_cast<int64_t>(bytes.size());
    ++summary.documents;
    ++summary.by_type[DocTypeName(sample.document.type)];
    if (sample.document.defect == "duplicate") {
      ++summary.duplicates;
    } else if (!sample.document.defect.empty()) {
      ++summary.defects;
    }
    labels += sample.label.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    labels += "\n";
    if (progress) progress(++done, static_cast<int>(samples.size()));
  }
  RETURN_IF_ERROR(WriteSampleFile(dir / "labels.jsonl", labels));
  summary.bytes += static_cast<int64_t>(labels.size());
  RETURN_IF_ERROR(WriteReferenceData(dir, samples));
  return summary;
}

}  // namespace flowline::samples
