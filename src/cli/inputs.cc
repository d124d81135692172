#include "cli/inputs.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "quality/case_input.h"

namespace flowline::cli {
namespace {

namespace fs = std::filesystem;

absl::Status AppendJsonLines(std::istream& in, const std::string& name,
                             std::vector<RunInput>& out) {
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string where = absl::StrCat(name, ":", number);
    ASSIGN_OR_RETURN(Json value, common::ParseJson(line, where));
    out.push_back({std::move(where), std::move(value)});
  }
  return absl::OkStatus();
}

// A document becomes {"file": absolute path, "name": file name, "sha256": content hash}: the
// input of a workflow whose first step is document.read (quality/case_input.h).
absl::Status AppendDocument(const fs::path& path, std::vector<RunInput>& out) {
  ASSIGN_OR_RETURN(Json input, quality::CaseInput(path.string()));
  out.push_back({path.string(), std::move(input)});
  return absl::OkStatus();
}

absl::Status AppendFile(const fs::path& path, std::vector<RunInput>& out) {
  if (quality::IsDocumentFile(path.string())) return AppendDocument(path, out);
  std::string name = path.string();
  if (absl::EndsWith(name, ".jsonl") || absl::EndsWith(name, ".ndjson")) {
    std::ifstream in(path);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", name));
    return AppendJsonLines(in, name, out);
  }
  ASSIGN_OR_RETURN(std::string text, ReadFile(name));
  ASSIGN_OR_RETURN(Json value, common::ParseJson(text, name));
  out.push_back({name, std::move(value)});
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path, ": no such file"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::StatusOr<std::vector<RunInput>> LoadInputs(const std::string& path) {
  std::vector<RunInput> out;
  if (path == "-") {
    RETURN_IF_ERROR(AppendJsonLines(std::cin, "stdin", out));
    return out;
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    // A folder of documents (an inbox) is its documents, even beside a labels.jsonl; otherwise
    // its JSON and JSONL files.
    std::vector<fs::path> documents;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (!entry.is_regular_file()) continue;
      std::string ext = entry.path().extension().string();
      if (quality::IsDocumentFile(entry.path().string())) {
        documents.push_back(entry.path());
      } else if (ext == ".json" || ext == ".jsonl" || ext == ".ndjson") {
        files.push_back(entry.path());
      }
    }
    if (!documents.empty()) files = std::move(documents);
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) RETURN_IF_ERROR(AppendFile(file, out));
    return out;
  }
  if (!fs::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat("input ", path, " does not exist"));
  }
  RETURN_IF_ERROR(AppendFile(path, out));
  return out;
}

}  // namespace flowline::cli
