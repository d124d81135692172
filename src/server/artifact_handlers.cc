// Stored artifacts (the page images document.read renders) for the review screen. Artifacts are
// content-addressed ("sha256:<hex>.<ext>", steps/artifacts.h), so a reference always names the
// same bytes and the answer may be cached for good.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/handlers.h"
#include "server/static_files.h"
#include "steps/artifacts.h"

namespace flowline::server {
namespace {

std::string ArtifactContentType(const std::string& ref) {
  const std::string extension = ref.substr(ref.rfind('.') + 1);
  if (extension == "pdf") return "application/pdf";
  if (extension == "tif" || extension == "tiff") return "image/tiff";
  return ContentTypeFor(absl::StrCat("artifact.", extension));
}

absl::StatusOr<Reply> GetArtifact(ServerContext& ctx, const Call& call) {
  if (ctx.options.artifacts == nullptr) {
    return absl::UnavailableError("this server keeps no artifacts (no artifact store)");
  }
  const std::string& ref = call.PathParam("ref");
  if (!steps::IsArtifactKey(ref)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", ref,
                     "' is not an artifact reference: expected sha256:<64 hex digits>.<extension>, "
                     "as in a read step's pages[].image"));
  }
  absl::StatusOr<std::string> bytes = ctx.options.artifacts->Get(ref);
  if (absl::IsNotFound(bytes.status())) {
    return absl::NotFoundError(absl::StrCat("no stored artifact ", ref));
  }
  if (!bytes.ok()) return bytes.status();
  Reply reply;
  reply.raw_body = *std::move(bytes);
  reply.raw_content_type = ArtifactContentType(ref);
  // Private: the bytes are the business's documents, for the signed-in caller only.
  reply.headers = {{"Cache-Control", "private, max-age=31536000, immutable"},
                   {"X-Content-Type-Options", "nosniff"}};
  return reply;
}

}  // namespace

void AddArtifactRoutes(ServerContext& ctx, Router& router) {
  router.Add({"GET", "/api/v1/artifacts/{ref}", Permission::kRead,
              [&ctx](const Call& call) { return GetArtifact(ctx, call); }});
}

}  // namespace flowline::server
