// ocr_coverage: how much of a labelled receipt set's key text our OCR reads at all — the ceiling
// for end-to-end extraction (docs/accuracy.md, "OCR on SROIE").
//
//   ocr_coverage [--data DIR] [--threads T] [--dump DIR] [--only NNN]...
//
// DIR is a folder in the SROIE layout (img/NNN.jpg, key/NNN.json; default
// ../shared/data/sroie). Every image is read with ReadDocument (document.read's reader, no
// cache) on T threads (default 2), and for each labelled field (company, date, address, total)
// it counts the receipts whose label appears verbatim in the OCR text, both compared as
// upper-case letters and digits only. Prints the counts per field, wall and CPU seconds, and
// with --dump writes each receipt's text to DIR/NNN.txt.
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ai/document/reader.h"
#include "nlohmann/json.hpp"

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Upper-case letters and digits only: the comparison the accuracy notes use.
std::string Squeeze(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) out += c;
  }
  return out;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data = "../shared/data/sroie";
  std::string dump;
  int threads = 2;
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--data" && i + 1 < argc) {
      data = argv[++i];
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--dump" && i + 1 < argc) {
      dump = argv[++i];
    } else if (arg == "--only" && i + 1 < argc) {
      only.push_back(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: ocr_coverage [--data DIR] [--threads T] [--dump DIR] [--only NNN]...\n");
      return 2;
    }
  }
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(data + "/key", ec)) {
    const std::string id = entry.path().stem().string();
    if (only.empty() || std::find(only.begin(), only.end(), id) != only.end()) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  if (ids.empty()) {
    std::fprintf(stderr, "ocr_coverage: no key/*.json under %s\n", data.c_str());
    return 1;
  }
  if (!dump.empty()) std::filesystem::create_directories(dump, ec);

  const char* const field_names[] = {"company", "date", "address", "total"};
  constexpr int kFieldCount = 4;
  std::vector<std::array<int, kFieldCount>> found(ids.size());
  std::vector<std::array<int, kFieldCount>> labelled(ids.size());
  std::atomic<size_t> next{0};
  std::atomic<int> failed{0};
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = CpuSeconds();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      flowline::ai::ReadOptions options;
      options.keep_page_images = false;
      for (size_t i = next++; i < ids.size(); i = next++) {
        const std::string image = ReadFile(data + "/img/" + ids[i] + ".jpg");
        auto doc = flowline::ai::ReadDocument(image, ids[i], options, nullptr);
        if (!doc.ok()) {
          std::fprintf(stderr, "%s: %s\n", ids[i].c_str(), doc.status().ToString().c_str());
          ++failed;
          continue;
        }
        std::string text;
        for (const auto& page : doc->pages) {
          for (const auto& line : page.lines) text += line.Text() + "\n";
        }
        if (!dump.empty()) std::ofstream(dump + "/" + ids[i] + ".txt") << text;
        const std::string squeezed = Squeeze(text);
        const nlohmann::json key =
            nlohmann::json::parse(ReadFile(data + "/key/" + ids[i] + ".json"), nullptr, false);
        for (int f = 0; f < kFieldCount; ++f) {
          found[i][f] = labelled[i][f] = 0;
          if (!key.is_object() || !key.contains(field_names[f]) ||
              !key[field_names[f]].is_string()) {
            continue;
          }
          const std::string label = Squeeze(key[field_names[f]].get<std::string>());
          if (label.empty()) continue;
          labelled[i][f] = 1;
          found[i][f] = squeezed.find(label) != std::string::npos;
        }
      }
    });
  }
  for (std::thread& thread : pool) thread.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = CpuSeconds() - cpu_start;
  int total_found = 0, total_labelled = 0;
  std::printf("%zu receipts, %d threads: %.1f s wall, %.1f CPU s (%.2f CPU s per receipt)\n",
              ids.size(), threads, seconds, cpu, cpu / ids.size());
  for (int f = 0; f < kFieldCount; ++f) {
    int n = 0, d = 0;
    std::string missing;
    for (size_t i = 0; i < ids.size(); ++i) {
      n += found[i][f];
      d += labelled[i][f];
      if (labelled[i][f] && !found[i][f]) missing += " " + ids[i];
    }
    total_found += n;
    total_labelled += d;
    std::printf("%-8s %3d / %3d  (%.0f%%)  missing:%s\n", field_names[f], n, d, 100.0 * n / d,
                missing.c_str());
  }
  std::printf("all      %3d / %3d  (%.1f%%)\n", total_found, total_labelled,
              100.0 * total_found / total_labelled);
  return failed > 0 ? 1 : 0;
}
