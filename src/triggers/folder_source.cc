#include "triggers/folder_source.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "spdlog/spdlog.h"
#include "steps/duration.h"

namespace flowline::triggers {
namespace {

namespace fs = std::filesystem;

constexpr char kClaimFolder[] = ".flowline-claimed";

struct Observed {
  int64_t size = -1;
  int64_t mtime_ns = 0;
  absl::Time since;  // when this size and mtime were first seen
};

bool Ignored(const std::string& name) {
  return name.empty() || name[0] == '.' || absl::EndsWith(name, ".part") ||
         absl::EndsWith(name, ".tmp");
}

// The artifact extension of a file name: its lower-case extension when it is 1-8 of [a-z0-9],
// else "bin".
std::string Extension(const std::string& name) {
  size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot + 1 == name.size() || name.size() - dot - 1 > 8) {
    return "bin";
  }
  std::string ext;
  for (char c : name.substr(dot + 1)) {
    char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!std::isalnum(static_cast<unsigned char>(lower))) return "bin";
    ext.push_back(lower);
  }
  return ext;
}

// rename(2) that never replaces `to`: false (errno EEXIST) when it exists.
bool RenameNoReplace(const fs::path& from, const fs::path& to) {
  if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno != EINVAL && errno != ENOSYS) return false;
  // A file system without RENAME_NOREPLACE: link(2) refuses an existing name just as atomically.
  if (::link(from.c_str(), to.c_str()) != 0) return false;
  ::unlink(from.c_str());
  return true;
}

absl::Status Errno(std::string_view what, const fs::path& path) {
  return absl::UnavailableError(
      absl::StrCat(Sv(what), " ", path.string(), ": ", std::strerror(errno)));
}

absl::StatusOr<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Errno("reading", path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Errno("reading", path);
  return bytes.str();
}

// Moves a claimed file into `folder` under its name, or with "-<sha>" before the extension when
// the name is taken. A file already gone (another process finished it) is fine.
absl::Status MoveInto(const fs::path& claimed, const fs::path& folder, const std::string& sha) {
  const std::string name = claimed.filename().string();
  if (RenameNoReplace(claimed, folder / name)) return absl::OkStatus();
  if (errno == ENOENT) return absl::OkStatus();
  if (errno != EEXIST) return Errno("moving", claimed);
  fs::path alternative = folder / name;
  const std::string stem = alternative.stem().string();
  const std::string extension = alternative.extension().string();
  alternative = folder / absl::StrCat(stem, "-", sha.substr(0, 12), extension);
  // Same name and same bytes: replacing it loses nothing.
  if (std::rename(claimed.c_str(), alternative.c_str()) != 0 && errno != ENOENT) {
    return Errno("moving", claimed);
  }
  return absl::OkStatus();
}

absl::Status WriteTextAtomically(const fs::path& path, const std::string& text) {
  const fs::path temp = fs::path(path).concat(".tmp");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Errno("writing", temp);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) return Errno("writing", path);
  return absl::OkStatus();
}

class FolderSource final : public TriggerSource {
 public:
  FolderSource(fs::path folder, std::string pattern, absl::Duration settle, absl::Duration interval,
               fs::path processed, fs::path failed)
      : folder_(std::move(folder)),
        claims_(folder_ / kClaimFolder),
        pattern_(std::move(pattern)),
        settle_(settle),
        interval_(interval),
        processed_(std::move(processed)),
        failed_(std::move(failed)) {}

  absl::Status Poll(TriggerContext& context, absl::Duration /*budget*/) override {
    absl::Status result;
    auto keep_first = [&result](absl::Status status) {
      if (result.ok() && !status.ok()) result = std::move(status);
    };
    // Claims a crash left behind (first pass), and this process's claims that failed.
    std::vector<std::string> again;
    if (!recovered_) {
      std::error_code error;
      for (const fs::directory_entry& entry : fs::directory_iterator(claims_, error)) {
        if (entry.is_regular_file(error)) again.push_back(entry.path().filename().string());
      }
      if (error) return Errno("listing", claims_);
      recovered_ = true;
    } else {
      again.assign(retry_.begin(), retry_.end());
    }
    for (const std::string& name : again) keep_first(Process(context, name));

    for (const std::string& name : Candidates(context.clock().Now())) {
      if (!RenameNoReplace(folder_ / name, claims_ / name)) {
        // ENOENT: another process claimed it; EEXIST: a file of that name is still in flight.
        if (errno != ENOENT && errno != EEXIST) keep_first(Errno("claiming", folder_ / name));
        continue;
      }
      observed_.erase(name);
      keep_first(Process(context, name));
    }
    return result;
  }

  absl::Duration NextPollIn(absl::Time /*now*/) const override { return interval_; }

 private:
  // The files that have been still for `settle`, in name order.
  std::vector<std::string> Candidates(absl::Time now) {
    std::vector<std::string> ready;
    std::set<std::string> present;
    std::error_code error;
    for (const fs::directory_entry& entry : fs::directory_iterator(folder_, error)) {
      const std::string name = entry.path().filename().string();
      if (Ignored(name) || !entry.is_regular_file(error)) continue;
      if (fnmatch(pattern_.c_str(), name.c_str(), 0) != 0) continue;
      struct stat info {};
      if (::stat(entry.path().c_str(), &info) != 0) continue;  // claimed meanwhile
      present.insert(name);
      const int64_t mtime_ns = int64_t{info.st_mtim.tv_sec} * 1'000'000'000 + info.st_mtim.tv_nsec;
      Observed& seen = observed_[name];
      if (seen.size != info.st_size || seen.mtime_ns != mtime_ns) {
        seen = Observed{info.st_size, mtime_ns, now};
        if (settle_ > absl::ZeroDuration()) continue;
      }
      if (now - seen.since >= settle_) ready.push_back(name);
    }
    if (error) spdlog::warn("folder {}: {}", folder_.string(), error.message());
    std::erase_if(observed_, [&](const auto& entry) { return !present.contains(entry.first); });
    std::sort(ready.begin(), ready.end());
    return ready;
  }

  // Steps 4-6 for a file in the claim folder.
  absl::Status Process(TriggerContext& context, const std::string& name) {
    const fs::path claimed = claims_ / name;
    absl::StatusOr<std::string> bytes = ReadFile(claimed);
    if (!bytes.ok()) {
      std::error_code error;
      if (!fs::exists(claimed, error)) {  // another process finished it
        retry_.erase(name);
        return absl::OkStatus();
      }
      retry_.insert(name);
      return bytes.status();
    }
    const std::string sha = common::Sha256Hex(*bytes);
    absl::Status done = StartAndMove(context, claimed, name, *bytes, sha);
    if (done.ok()) {
      retry_.erase(name);
    } else {
      retry_.insert(name);
    }
    return done;
  }

  absl::Status StartAndMove(TriggerContext& context, const fs::path& claimed,
                            const std::string& name, const std::string& bytes,
                            const std::string& sha) {
    ASSIGN_OR_RETURN(std::string key, context.artifacts().Put(bytes, Extension(name)));
    Json input = {{"file", key},
                  {"name", name},
                  {"sha256", sha},
                  {"size", static_cast<int64_t>(bytes.size())}};
    absl::StatusOr<engine::StartRunResult> run = context.StartRun(std::move(input), sha);
    if (run.ok()) {
      if (!run->created) {
        spdlog::info("folder {}: {} is run {} again (same SHA-256); moved to {}", folder_.string(),
                     name, run->run_id, processed_.string());
      }
      return MoveInto(claimed, processed_, sha);
    }
    if (run.status().code() != absl::StatusCode::kInvalidArgument) return run.status();
    // Refused for good: no retry would start it. Say why beside it, then move it.
    spdlog::warn("folder {}: {} moved to {}: {}", folder_.string(), name, failed_.string(),
                 std::string(run.status().message()));
    RETURN_IF_ERROR(WriteTextAtomically(
        failed_ / absl::StrCat(name, ".error.txt"),
        absl::StrCat(name, " (SHA-256 ", sha, ") did not start a run of workflow ",
                     context.workflow(), " (trigger ", context.spec().id,
                     "): ", run.status().message(),
                     "\nFix the file (or the workflow's input schema) and put it into ",
                     folder_.string(), " again.\n")));
    return MoveInto(claimed, failed_, sha);
  }

  const fs::path folder_;
  const fs::path claims_;
  const std::string pattern_;
  const absl::Duration settle_;
  const absl::Duration interval_;
  const fs::path processed_;
  const fs::path failed_;
  std::map<std::string, Observed> observed_;
  std::set<std::string> retry_;
  bool recovered_ = false;
};

absl::StatusOr<absl::Duration> DurationOf(const engine::TriggerSpec& spec, const char* name,
                                          absl::Duration fallback) {
  if (!spec.with.contains(name)) return fallback;
  const Json& value = spec.with[name];
  absl::StatusOr<absl::Duration> duration =
      steps::ParseDuration(value.is_string() ? value.get<std::string>() : value.dump());
  if (!duration.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("folder trigger ", spec.id, ": ", name, ": ", duration.status().message()));
  }
  return *duration;
}

std::string StringOf(const engine::TriggerSpec& spec, const char* name, std::string fallback) {
  const Json& with = spec.with;
  if (!with.contains(name) || !with[name].is_string()) return fallback;
  return with[name].get<std::string>();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TriggerSource>> NewFolderSource(const engine::TriggerSpec& spec,
                                                               const SourceEnv& /*env*/) {
  const std::string path = StringOf(spec, "path", "");
  if (path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("folder trigger ", spec.id, " has no path"));
  }
  ASSIGN_OR_RETURN(absl::Duration settle, DurationOf(spec, "settle", absl::Seconds(2)));
  ASSIGN_OR_RETURN(absl::Duration interval, DurationOf(spec, "interval", absl::Seconds(1)));
  const fs::path folder(path);
  const fs::path processed(StringOf(spec, "processed", (folder / "processed").string()));
  const fs::path failed(StringOf(spec, "failed", (folder / "failed").string()));
  for (const fs::path& dir : {folder, folder / kClaimFolder, processed, failed}) {
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) {
      return absl::FailedPreconditionError(
          absl::StrCat("folder trigger ", spec.id, ": cannot create the folder ", dir.string(),
                       ": ", error.message(), " (check the path and its permissions)"));
    }
  }
  return std::make_unique<FolderSource>(folder, StringOf(spec, "pattern", "*"), settle, interval,
                                        processed, failed);
}

}  // namespace flowline::triggers
