// Artifacts: files a step produces or reads that are too big or too binary for a step's JSON
// output (page images of a document, an uploaded PDF). Content-addressed: the key of an artifact
// is "sha256:<hex>.<ext>", so the same bytes are stored once and a key always names the same
// bytes — a run's record can point at exactly what a person saw.
//
// Thread-safety: implementations are safe to call from many workers at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace flowline::steps {

class ArtifactStore {
 public:
  virtual ~ArtifactStore() = default;
  // Stores `bytes` (once) and returns their key, "sha256:<hex>.<extension>". `extension` is a
  // short lower-case type ("png", "pdf", "json").
  virtual absl::StatusOr<std::string> Put(std::string_view bytes, std::string_view extension) = 0;
  // The bytes of `key`. NotFound if there is no such artifact, InvalidArgument if `key` is not an
  // artifact key.
  virtual absl::StatusOr<std::string> Get(std::string_view key) const = 0;
  // A file holding the artifact's bytes, for libraries that read files.
  virtual absl::StatusOr<std::string> PathOf(std::string_view key) const = 0;
};

// True for "sha256:<64 hex>.<ext>" (ext: 1–8 of [a-z0-9]).
bool IsArtifactKey(std::string_view key);

// Artifacts as files under `root`: <root>/<2 hex>/<64 hex>.<ext>, written to a temporary file,
// fsynced and renamed, so a key never names a partial file.
std::unique_ptr<ArtifactStore> NewFileArtifactStore(std::string root);

}  // namespace flowline::steps
