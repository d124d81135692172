#include "cli/document_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cli/inputs.h"
#include "common/ids.h"
#include "common/json_util.h"
#include "quality/transcript.h"

namespace flowline::cli {

namespace {

void MakeDirs(const std::string& path) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    mkdir(path.substr(0, slash).c_str(), 0755);
  }
  mkdir(path.c_str(), 0755);
}

// The options that change what a read produces, as part of the cache key, and the reader's
// version (this program's reader and the Tesseract library it runs with: ai::ReaderVersion), so
// a changed OCR is never served stale from the cache.
std::string OptionsKey(const ai::ReadOptions& read) {
  return common::Sha256Hex(absl::StrCat(read.languages, "|", read.dpi, "|", read.min_text_chars,
                                        "|", static_cast<int>(read.ocr), "|", ai::ReaderVersion()))
      .substr(0, 12);
}

absl::StatusOr<ai::Document> ReadOne(const std::string& path, const DocumentCacheOptions& options) {
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  std::string cache_file;
  if (!options.dir.empty()) {
    std::string sha = common::Sha256Hex(*bytes);
    cache_file = absl::StrCat(options.dir, "/", sha.substr(0, 2), "/", sha, ".",
                              OptionsKey(options.read), ".json");
    if (absl::StatusOr<std::string> cached = ReadFile(cache_file); cached.ok()) {
      absl::StatusOr<Json> json = common::ParseJson(*cached, cache_file);
      if (json.ok()) {
        absl::StatusOr<ai::Document> doc = ai::Document::FromJson(*json);
        if (doc.ok()) return doc;
      }
      // A damaged cache entry is read again and replaced.
    }
  }
  ai::ReadOptions read = options.read;
  read.keep_page_images = false;
  absl::StatusOr<ai::Document> doc = ai::ReadDocument(*bytes, path, read, nullptr);
  if (!doc.ok() || cache_file.empty()) return doc;
  MakeDirs(cache_file.substr(0, cache_file.rfind('/')));
  std::string tmp = absl::StrCat(cache_file, ".tmp.", getpid(), ".",
                                 std::hash<std::thread::id>()(std::this_thread::get_id()));
  {
    std::ofstream out(tmp, std::ios::binary);
    out << common::CanonicalJson(doc->ToJson());
  }
  std::rename(tmp.c_str(), cache_file.c_str());  // a cache: no fsync needed
  return doc;
}

}  // namespace

std::string DefaultCacheDir() {
  if (const char* env = std::getenv("FLOWLINE_CACHE"); env != nullptr && *env) return env;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg) {
    return absl::StrCat(xdg, "/flowline/documents");
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home) {
    return absl::StrCat(home, "/.cache/flowline/documents");
  }
  return "";
}

std::vector<absl::StatusOr<ai::Document>> ReadDocuments(
    const std::vector<std::string>& paths, const DocumentCacheOptions& options,
    const std::function<void(int, int)>& progress) {
  std::vector<absl::StatusOr<ai::Document>> results(paths.size(), absl::UnknownError("not read"));
  int jobs = options.jobs > 0 ? options.jobs
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  jobs = std::min<int>(jobs, static_cast<int>(std::max<size_t>(1, paths.size())));
  std::atomic<size_t> next{0};
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < jobs; ++t) {
    threads.emplace_back([&] {
      for (size_t i = next.fetch_add(1); i < paths.size(); i = next.fetch_add(1)) {
        results[i] = ReadOne(paths[i], options);
        done.fetch_add(1);
      }
    });
  }
  // Report progress from this thread while the readers work.
  while (done.load() < static_cast<int>(paths.size())) {
    if (progress) progress(done.load(), static_cast<int>(paths.size()));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (std::thread& thread : threads) thread.join();
  if (progress) progress(static_cast<int>(paths.size()), static_cast<int>(paths.size()));
  return results;
}

std::optional<TextSource> ParseTextSource(std::string_view name) {
  if (name == "read") return TextSource::kRead;
  if (name == "given") return TextSource::kGiven;
  return std::nullopt;
}

const char* TextSourceName(TextSource source) {
  return source == TextSource::kGiven ? "given" : "read";
}

const char* TextSourceDescription(TextSource source) {
  return source == TextSource::kGiven
             ? "given: the set's own transcripts (no OCR; SROIE box/NNN.csv)"
             : "read: end to end, as document.read (text layer, else our OCR)";
}

absl::StatusOr<std::vector<absl::StatusOr<ai::Document>>> ReadDatasetDocuments(
    const quality::Dataset& dataset, TextSource source, const DocumentCacheOptions& options,
    const std::function<void(int, int)>& progress) {
  if (source == TextSource::kRead) {
    std::vector<std::string> paths;
    for (const quality::LabelledDocument& doc : dataset.documents) paths.push_back(doc.path);
    return ReadDocuments(paths, options, progress);
  }
  const bool any = std::any_of(dataset.documents.begin(), dataset.documents.end(),
                               [](const auto& doc) { return !doc.transcript.empty(); });
  if (!any && !dataset.documents.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--text given: ", dataset.dir, " (", dataset.format,
        ") has no transcripts of its own; only the sroie format ships them (box/NNN.csv). Use "
        "--text read"));
  }
  std::vector<absl::StatusOr<ai::Document>> documents;
  for (const quality::LabelledDocument& doc : dataset.documents) {
    if (doc.transcript.empty()) {
      documents.push_back(absl::NotFoundError(absl::StrCat("no transcript for ", doc.id)));
    } else {
      documents.push_back(quality::ReadBoxTranscript(doc.transcript, doc.path));
    }
    if (progress)
      progress(static_cast<int>(documents.size()), static_cast<int>(dataset.documents.size()));
  }
  return documents;
}

}  // namespace flowline::cli
