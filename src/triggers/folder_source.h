// The folder trigger (docs/triggers.md): each new file in a folder that matches a pattern starts
// a run with {file: <artifact key>, name, sha256, size}; the default business key is the file's
// SHA-256, so the same bytes dropped twice make one run.
//
// A pass: (1) files left in the claim folder (<path>/.flowline-claimed) by a crash are processed
// again first (on the first pass of a process, and those whose processing failed since); (2) a
// file is a candidate once its size and modification time have not changed for `settle` (names
// starting with '.' or ending in .part or .tmp are never taken: write under such a name and
// rename when done); (3) it is claimed by an atomic rename into the claim folder (two processes
// cannot both claim it; a name already in the claim folder waits); (4) its bytes go into the
// artifact store, (5) the run is started (durable on return), (6) only then the file moves to
// `processed` (default <path>/processed). A file whose run is refused for good (its input breaks
// the workflow's input schema) moves to `failed` (default <path>/failed) with
// <name>.error.txt beside it saying why. A crash anywhere leaves the file in the watched or the
// claim folder, and the next pass repeats the steps; the key makes a repeated StartRun the same
// run. Names already in processed/failed get "-<first 12 hex of SHA-256>" before the extension.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "triggers/trigger_source.h"

namespace flowline::triggers {

// Creates the watched, claim, processed and failed folders if missing (paths relative to the
// working directory); FailedPrecondition naming the folder when that fails.
absl::StatusOr<std::unique_ptr<TriggerSource>> NewFolderSource(const engine::TriggerSpec& spec,
                                                               const SourceEnv& env);

}  // namespace flowline::triggers
