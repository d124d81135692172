// The `file` step kind: writes one file — JSON, CSV or an original document — into a folder the
// business reads (an export share, a document archive).
//
//   uses: file
//   with:
//     connection: exports                 # literal; a folder connection: the root
//     path: invoices/${{ input.id }}.json # below the root; folders are made as needed
//     json: ${{ steps.extract.output }}   # exactly one of json (any value), csv (a list of
//                                         # rows) and document (an artifact key)
//     columns: [number, total]            # csv only: the columns, in order (default: the keys
//                                         # of the rows, in first-seen order)
//     overwrite: true                     # default; false: an existing file with other content
//                                         # fails the step
//
// The file is written atomically: a temporary file in the same folder, fsynced, renamed over the
// name, and the folder fsynced, so a reader sees the old file or the whole new one, and a retried
// attempt rewrites the same bytes. The spec cannot write outside the connection's folder: the
// path must be relative, without `..`, and no folder or file below the root may be a symbolic
// link (checked component by component with O_NOFOLLOW, so a link made later cannot redirect a
// write either).
//
// Output: {"path": the path below the root, "bytes", "sha256"}. Suppressed runs (shadow, replay,
// evaluation) write nothing and complete with {"suppressed": true, "request": {connection, path,
// format, bytes}}.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "steps/connections.h"
#include "steps/step_kind.h"

namespace flowline::steps {

class FileStep final : public StepKind {
 public:
  // `connections`: the connections a step may name (null: none).
  explicit FileStep(std::shared_ptr<const Connections> connections = nullptr);
  const StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<PreparedStep> Prepare(std::string_view step_id, const Json& with,
                                        std::vector<ConfigError>* errors) const override;

 private:
  StepKindInfo info_;
  std::shared_ptr<const Connections> connections_;
};

}  // namespace flowline::steps
