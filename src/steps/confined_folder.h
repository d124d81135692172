// Writing files below a root folder that a path from a workflow cannot leave: the `file` step's
// guard. Private to steps/.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace flowline::steps {

// OK when `relative` is a path a workflow may write below a root: not empty, relative, no `..`
// or `.` component, no empty component (`a//b`), no NUL, no trailing '/'. InvalidArgument saying
// what is wrong otherwise.
absl::Status CheckConfinedPath(std::string_view relative);

// Writes `bytes` to `relative` below `root` atomically: a temporary file beside it, fsynced,
// renamed over the name, then the folder fsynced. Missing folders are made. Every folder and the
// file below the root are opened with O_NOFOLLOW, so no symbolic link below the root (however
// and whenever made) can send the write elsewhere. Without `overwrite`, an existing file with
// other bytes is AlreadyExists (the same bytes are fine: a retried attempt).
// Errors: InvalidArgument (CheckConfinedPath), FailedPrecondition (a symbolic link or a
// non-folder in the way, a missing root), Unavailable (an I/O error: disk full, …).
absl::Status WriteConfinedFile(const std::string& root, std::string_view relative,
                               std::string_view bytes, bool overwrite);

}  // namespace flowline::steps
