// document_read_bench: how fast ReadDocument reads text-layer PDFs and scanned page images, and
// how its OCR throughput compares with Tesseract alone on the same images.
//
//   document_read_bench [--count N] [--threads T] [--pdf FILE]... [--scan FILE]... [--text-only]
//
// Without files it generates N one-page invoices with cairo (test_documents.h): text-layer PDFs,
// and the same pages as 300 dpi PNG scans. T threads (default 2: the machine's cores, as the
// engine's workers would) take documents from a shared queue. Page images are kept in a
// temporary artifact store, as the document.read step does. Prints documents/s and pages/s per
// path, and Tesseract alone (TessBaseAPI per thread: decode, SetImage, Recognize, read the
// words) on the scans.
#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ai/document/ocr.h"
#include "ai/document/reader.h"
#include "ai/document/test_documents.h"
#include "common/temp_dir.h"
#include "steps/artifacts.h"

namespace {

using flowline::ai::ReadDocument;
using flowline::ai::ReadOptions;

struct Result {
  double seconds = 0;
  int documents = 0;
  int pages = 0;
  bool failed = false;
};

// Runs work(i) for i in [0, n) on `threads` threads; work returns the pages done or -1.
Result RunParallel(int n, int threads, const std::function<int(int)>& work) {
  std::atomic<int> next{0};
  std::atomic<int> pages{0};
  std::atomic<bool> failed{false};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < n; i = next++) {
        const int done = work(i);
        if (done < 0)
          failed = true;
        else
          pages += done;
      }
    });
  }
  for (std::thread& thread : pool) thread.join();
  Result result;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.documents = n;
  result.pages = pages;
  result.failed = failed;
  return result;
}

void Print(const char* what, const Result& r) {
  std::printf("%-34s %4d docs %4d pages %7.2f s %8.2f docs/s %8.2f pages/s%s\n", what, r.documents,
              r.pages, r.seconds, r.documents / r.seconds, r.pages / r.seconds,
              r.failed ? "  (SOME FAILED)" : "");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Tesseract alone on one image: what a program that only OCRs would do per page.
int TesseractAlone(const std::string& image) {
  thread_local std::unique_ptr<tesseract::TessBaseAPI> api;
  if (api == nullptr) {
    auto tessdata = flowline::ai::FindTessdata("eng");
    if (!tessdata.ok()) return -1;
    api = std::make_unique<tesseract::TessBaseAPI>();
    api->SetVariable("debug_file", "/dev/null");
    if (api->Init(tessdata->c_str(), "eng", tesseract::OEM_LSTM_ONLY) != 0) return -1;
    // The same page segmentation as the reader (and the tesseract command's default); the
    // API's own default is a single block, which skips layout analysis.
    api->SetPageSegMode(tesseract::PSM_AUTO);
  }
  Pix* pix = pixReadMem(reinterpret_cast<const l_uint8*>(image.data()), image.size());
  if (pix == nullptr) return -1;
  api->SetImage(pix);
  api->SetSourceResolution(pixGetXRes(pix) > 0 ? pixGetXRes(pix) : 300);
  int words = 0;
  if (api->Recognize(nullptr) == 0) {
    std::unique_ptr<tesseract::ResultIterator> it(api->GetIterator());
    if (it != nullptr) {
      do {
        delete[] it->GetUTF8Text(tesseract::RIL_WORD);
        ++words;
      } while (it->Next(tesseract::RIL_WORD));
    }
  }
  api->Clear();
  pixDestroy(&pix);
  return words > 0 ? 1 : -1;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 20;
  int threads = 2;
  bool text_only = false;  // skip the OCR measurements (for profiling the text-layer path)
  std::vector<std::string> pdfs, scans;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--count" && i + 1 < argc)
      count = std::atoi(argv[++i]);
    else if (arg == "--threads" && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else if (arg == "--pdf" && i + 1 < argc)
      pdfs.push_back(ReadFile(argv[++i]));
    else if (arg == "--scan" && i + 1 < argc)
      scans.push_back(ReadFile(argv[++i]));
    else if (arg == "--text-only")
      text_only = true;
    else {
      std::fprintf(stderr,
                   "usage: document_read_bench [--count N] [--threads T] [--pdf FILE]... "
                   "[--scan FILE]... [--text-only]\n");
      return 2;
    }
  }
  if (count < 1 || threads < 1) {
    std::fprintf(stderr, "--count and --threads must be at least 1\n");
    return 2;
  }
  using flowline::ai::testing::ImageFormat;
  if (pdfs.empty()) {
    for (int i = 0; i < count; ++i) {
      pdfs.push_back(
          flowline::ai::testing::MakePdf({{.text = flowline::ai::testing::InvoiceText(i)}}));
    }
  }
  if (scans.empty() && !text_only) {
    for (int i = 0; i < count; ++i) {
      scans.push_back(flowline::ai::testing::MakePageImage(flowline::ai::testing::InvoiceText(i),
                                                           ImageFormat::kPng, 300));
    }
  }
  std::printf("threads %d, OMP_THREAD_LIMIT=%s\n", threads,
              std::getenv("OMP_THREAD_LIMIT") ? std::getenv("OMP_THREAD_LIMIT") : "(unset)");

  flowline::common::TempDir dir;
  std::unique_ptr<flowline::steps::ArtifactStore> artifacts =
      flowline::steps::NewFileArtifactStore(dir.path());
  auto read = [&](const std::vector<std::string>& files, bool images) {
    ReadOptions options;
    options.keep_page_images = images;
    return [&files, options, &artifacts](int i) {
      auto document = ReadDocument(files[i], "bench", options, artifacts.get());
      if (!document.ok()) {
        std::fprintf(stderr, "%s\n", std::string(document.status().message()).c_str());
        return -1;
      }
      return static_cast<int>(document->pages.size());
    };
  };
  Print("text-layer PDF, page images kept", RunParallel(pdfs.size(), threads, read(pdfs, true)));
  Print("text-layer PDF, no page images", RunParallel(pdfs.size(), threads, read(pdfs, false)));
  if (text_only) return 0;
  // Warm up each thread's Tesseract engine outside the timings.
  RunParallel(threads, threads, read(scans, false));
  const Result ocr = RunParallel(scans.size(), threads, read(scans, true));
  Print("scanned page (OCR), images kept", ocr);
  RunParallel(threads, threads, [&](int i) { return TesseractAlone(scans[i % scans.size()]); });
  const Result alone =
      RunParallel(scans.size(), threads, [&](int i) { return TesseractAlone(scans[i]); });
  Print("Tesseract alone, same scans", alone);
  std::printf("OCR path / Tesseract alone: %.1f%%\n",
              100.0 * (ocr.pages / ocr.seconds) / (alone.pages / alone.seconds));
  return ocr.failed || alone.failed ? 1 : 0;
}
