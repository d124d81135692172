#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/strings.h"
#include "steps/artifacts.h"

namespace flowline::steps {

namespace {

constexpr std::string_view kPrefix = "sha256:";

absl::Status Errno(std::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(Sv(what), " ", path, ": ", std::strerror(errno)));
}

absl::Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return Errno("cannot create", path);
  return absl::OkStatus();
}

absl::Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

class FileArtifactStore final : public ArtifactStore {
 public:
  explicit FileArtifactStore(std::string root) : root_(std::move(root)) {}

  absl::StatusOr<std::string> Put(std::string_view bytes, std::string_view extension) override {
    for (char c : extension) {
      if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c)) {
        return absl::InvalidArgumentError(absl::StrCat("artifact extension '", Sv(extension),
                                                       "' must be lower-case letters/digits"));
      }
    }
    if (extension.empty() || extension.size() > 8) {
      return absl::InvalidArgumentError("artifact extension must be 1 to 8 characters");
    }
    std::string hex = common::Sha256Hex(bytes);
    std::string key = absl::StrCat(Sv(kPrefix), hex, ".", Sv(extension));
    std::string dir = absl::StrCat(root_, "/", hex.substr(0, 2));
    std::string path = absl::StrCat(dir, "/", hex, ".", Sv(extension));
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) == bytes.size()) {
      return key;  // already stored: same name, same bytes
    }
    if (auto status = MakeDir(root_); !status.ok()) return status;
    if (auto status = MakeDir(dir); !status.ok()) return status;
    std::string tmp = absl::StrCat(path, ".tmp.", getpid(), ".", next_tmp_.fetch_add(1));
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return Errno("cannot create", tmp);
    absl::Status status = WriteAll(fd, bytes, tmp);
    if (status.ok() && fsync(fd) != 0) status = Errno("cannot fsync", tmp);
    close(fd);
    if (status.ok() && rename(tmp.c_str(), path.c_str()) != 0) status = Errno("cannot rename", tmp);
    if (!status.ok()) {
      unlink(tmp.c_str());
      return status;
    }
    int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      fsync(dfd);  // the rename itself survives a power cut
      close(dfd);
    }
    return key;
  }

  absl::StatusOr<std::string> Get(std::string_view key) const override {
    auto path = PathOf(key);
    if (!path.ok()) return path.status();
    std::ifstream in(*path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("no artifact ", Sv(key)));
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return std::move(bytes).str();
  }

  absl::StatusOr<std::string> PathOf(std::string_view key) const override {
    if (!IsArtifactKey(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", Sv(key), "' is not an artifact key (sha256:<64 hex digits>.<ext>)"));
    }
    std::string_view name = key.substr(kPrefix.size());
    std::string path = absl::StrCat(root_, "/", Sv(name.substr(0, 2)), "/", Sv(name));
    if (access(path.c_str(), R_OK) != 0) {
      return absl::NotFoundError(absl::StrCat("no artifact ", Sv(key), " in ", root_));
    }
    return path;
  }

 private:
  std::string root_;
  std::atomic<uint64_t> next_tmp_{0};
};

}  // namespace

bool IsArtifactKey(std::string_view key) {
  if (key.substr(0, kPrefix.size()) != kPrefix) return false;
  key.remove_prefix(kPrefix.size());
  if (key.size() < 66 || key[64] != '.') return false;
  for (size_t i = 0; i < 64; ++i) {
    if (!absl::ascii_isdigit(key[i]) && !(key[i] >= 'a' && key[i] <= 'f')) return false;
  }
  std::string_view ext = key.substr(65);
  if (ext.empty() || ext.size() > 8) return false;
  for (char c : ext) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c)) return false;
  }
  return true;
}

std::unique_ptr<ArtifactStore> NewFileArtifactStore(std::string root) {
  return std::make_unique<FileArtifactStore>(std::move(root));
}

}  // namespace flowline::steps
