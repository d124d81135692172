#include "audit/key_dir.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace flowline::audit {
namespace {

constexpr char kSigningKey[] = "signing.key";
constexpr char kPublicKey[] = "signing.pub";
constexpr char kPersonalKey[] = "personal.key";

absl::Status Errno(std::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(Sv(what), " ", path, ": ", std::strerror(errno)));
}

absl::Status MakeDir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) {
    struct stat info;
    if (stat(dir.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("the audit key directory ", dir, " exists but is not a directory"));
  }
  return Errno("cannot create the audit key directory", dir);
}

// NotFound if missing; FailedPrecondition if a secret is readable by group or others.
absl::StatusOr<std::string> ReadKeyFile(const std::string& path, bool secret) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, " does not exist"));
    return Errno("cannot read", path);
  }
  if (secret && (info.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " can be read by other users (mode ", absl::StrFormat("%03o", info.st_mode & 0777),
        "); it holds a secret key: run `chmod 600 ", path, "`"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Errno("cannot open", path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `content` to `path` unless the file exists: written aside, synced, then hard-linked
// into place (link fails with EEXIST if another process made it first, and the caller reads
// theirs). Returns false if the file already existed.
absl::StatusOr<bool> CreateKeyFile(const std::string& path, const std::string& content,
                                   mode_t mode) {
  // Named by process and by call: two threads of one process making the same key must not
  // write (and truncate) one file, or one of them would link the other's half-written key.
  static std::atomic<uint64_t> calls{0};
  const std::string aside = absl::StrCat(path, ".", getpid(), ".", calls.fetch_add(1), ".tmp");
  int fd = open(aside.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd < 0) return Errno("cannot create", aside);
  bool written = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  written = fchmod(fd, mode) == 0 && written;
  written = fsync(fd) == 0 && written;
  close(fd);
  if (!written) {
    unlink(aside.c_str());
    return Errno("cannot write", aside);
  }
  const int linked = link(aside.c_str(), path.c_str());
  const int link_errno = errno;
  unlink(aside.c_str());
  if (linked == 0) return true;
  if (link_errno == EEXIST) return false;
  errno = link_errno;
  return Errno("cannot create", path);
}

}  // namespace

std::string DefaultKeyDir(const std::string& store_path) { return store_path + ".keys"; }

std::string PublicKeyPath(const std::string& dir) { return absl::StrCat(dir, "/", kPublicKey); }

absl::StatusOr<SigningKey> LoadOrCreateSigningKey(const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/", kSigningKey);
  absl::StatusOr<std::string> pem = ReadKeyFile(path, true);
  if (absl::IsNotFound(pem.status())) {
    RETURN_IF_ERROR(MakeDir(dir));
    ASSIGN_OR_RETURN(SigningKey key, SigningKey::Generate());
    ASSIGN_OR_RETURN(bool created, CreateKeyFile(path, key.ToPem(), 0600));
    if (created) {
      // The public half is derived, so a lost or damaged signing.pub is simply written again.
      unlink(PublicKeyPath(dir).c_str());
      RETURN_IF_ERROR(CreateKeyFile(PublicKeyPath(dir), key.public_key().ToPem(), 0644).status());
      return key;
    }
    pem = ReadKeyFile(path, true);
  }
  RETURN_IF_ERROR(pem.status());
  return SigningKey::FromPem(*pem, path);
}

absl::StatusOr<std::string> LoadOrCreatePersonalDataKey(const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/", kPersonalKey);
  absl::StatusOr<std::string> text = ReadKeyFile(path, true);
  if (absl::IsNotFound(text.status())) {
    RETURN_IF_ERROR(MakeDir(dir));
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof(raw)) != 1) {
      return absl::InternalError("OpenSSL could not produce random bytes for a key");
    }
    const std::string hex =
        absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(raw), sizeof(raw)));
    RETURN_IF_ERROR(CreateKeyFile(path, hex + "\n", 0600).status());
    text = ReadKeyFile(path, true);
  }
  RETURN_IF_ERROR(text.status());
  const std::string hex(absl::StripAsciiWhitespace(*text));
  if (hex.size() != 64 ||
      !std::all_of(hex.begin(), hex.end(), [](char c) { return absl::ascii_isxdigit(c); })) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        " is not a personal data key (64 hex digits); restore it from a backup — without "
        "it, new digests of personal data will not match the old ones"));
  }
  return absl::HexStringToBytes(hex);
}

absl::StatusOr<PublicKey> ReadPublicKeyFile(const std::string& path) {
  absl::StatusOr<std::string> pem = ReadKeyFile(path, false);
  if (absl::IsNotFound(pem.status())) {
    return absl::NotFoundError(absl::StrCat(
        "no public key at ", path,
        ": give the one you trust with --public-key FILE (flowline writes signing.pub into the "
        "audit key directory when it first signs)"));
  }
  RETURN_IF_ERROR(pem.status());
  return PublicKey::FromPem(*pem, path);
}

}  // namespace flowline::audit
