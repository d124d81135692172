#include "steps/confined_folder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"

namespace flowline::steps {
namespace {

// Closes a descriptor on every path.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd& operator=(Fd&& other) noexcept {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::Status IoError(std::string_view what, std::string_view path) {
  const int error = errno;
  const std::string message = absl::StrCat(Sv(what), " ", Sv(path), ": ", std::strerror(error));
  if (error == ELOOP || error == ENOTDIR || error == ENOENT || error == EACCES || error == EPERM ||
      error == EROFS) {
    return absl::FailedPreconditionError(
        error == ELOOP ? absl::StrCat(message,
                                      " (a symbolic link: the file step does not follow "
                                      "links below the connection's folder)")
                       : message);
  }
  return absl::UnavailableError(message);
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The bytes of the file `name` in `dir`, or nullopt if there is none.
std::optional<std::string> ReadExisting(int dir, const std::string& name) {
  Fd fd(openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return std::nullopt;
  std::string bytes;
  char buffer[65536];
  ssize_t n = 0;
  while ((n = read(fd.get(), buffer, sizeof(buffer))) > 0) bytes.append(buffer, n);
  return bytes;
}

}  // namespace

absl::Status CheckConfinedPath(std::string_view relative) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the path \"", Sv(relative.substr(0, 120)), "\" ", Sv(why),
        "; write a path below the connection's folder, e.g. invoices/2024/INV-1.json"));
  };
  if (relative.empty()) return bad("is empty");
  if (relative.find('\0') != std::string_view::npos) return bad("holds a NUL byte");
  if (relative.front() == '/') return bad("is absolute");
  if (relative.back() == '/') return bad("names a folder, not a file");
  for (absl::string_view part : absl::StrSplit(Sv(relative), '/')) {
    if (part.empty()) return bad("has an empty component (//)");
    if (part == "..") return bad("leaves the folder (..)");
    if (part == ".") return bad("has a . component");
  }
  return absl::OkStatus();
}

absl::Status WriteConfinedFile(const std::string& root, std::string_view relative,
                               std::string_view bytes, bool overwrite) {
  if (absl::Status status = CheckConfinedPath(relative); !status.ok()) return status;
  std::vector<std::string> parts = absl::StrSplit(Sv(relative), '/');
  const std::string name = parts.back();
  parts.pop_back();

  // The root itself is the operator's (connections.yaml) and may be a link; nothing below it.
  Fd dir(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return IoError("cannot open the connection's folder", root);
  std::string walked = root;
  for (const std::string& part : parts) {
    absl::StrAppend(&walked, "/", part);
    if (mkdirat(dir.get(), part.c_str(), 0755) != 0 && errno != EEXIST) {
      return IoError("cannot make the folder", walked);
    }
    Fd next(openat(dir.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next.get() < 0) {
      // O_DIRECTORY reports a link as "not a directory": say what it is.
      struct stat link;
      if (fstatat(dir.get(), part.c_str(), &link, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(link.st_mode)) {
        errno = ELOOP;
      }
      return IoError("cannot open the folder", walked);
    }
    dir = std::move(next);
  }
  const std::string target = absl::StrCat(walked, "/", name);
  struct stat existing;
  if (fstatat(dir.get(), name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(existing.st_mode)) {
      errno = ELOOP;
      return IoError("will not replace", target);
    }
    if (!S_ISREG(existing.st_mode)) {
      return absl::FailedPreconditionError(absl::StrCat(target, " exists and is not a file"));
    }
    if (!overwrite) {
      std::optional<std::string> current = ReadExisting(dir.get(), name);
      if (current && *current == bytes) return absl::OkStatus();  // a retried attempt
      return absl::AlreadyExistsError(absl::StrCat(
          target, " exists with other content (overwrite: false); remove it, or allow overwrite"));
    }
  }

  // Unique per attempt in this process (pid) and across concurrent attempts (counter).
  static std::atomic<uint64_t> counter{0};
  const std::string temp = absl::StrCat(".", name, ".tmp-", getpid(), "-", counter.fetch_add(1));
  Fd file(
      openat(dir.get(), temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (file.get() < 0) return IoError("cannot create", absl::StrCat(walked, "/", temp));
  if (!WriteAll(file.get(), bytes) || fsync(file.get()) != 0) {
    absl::Status status = IoError("cannot write", target);
    unlinkat(dir.get(), temp.c_str(), 0);
    return status;
  }
  file = Fd();
  if (renameat(dir.get(), temp.c_str(), dir.get(), name.c_str()) != 0) {
    absl::Status status = IoError("cannot rename the written file to", target);
    unlinkat(dir.get(), temp.c_str(), 0);
    return status;
  }
  // The rename is durable only once the folder is.
  if (fsync(dir.get()) != 0) return IoError("cannot sync the folder of", target);
  return absl::OkStatus();
}

}  // namespace flowline::steps
