// `flowline eval list | show | compare`: the evaluations kept in the store, and the HTML page of
// a report (shared by `eval --html` and `eval show --html`).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "cli/app.h"
#include "common/json_util.h"

namespace CLI {
class App;
}

namespace flowline::cli {

// Adds `list`, `show` and `compare` under the `eval` command.
void AddStoredEvalCommands(CLI::App& eval, const GlobalOptions& global, int& exit_code);

// Writes the report's HTML page (lifecycle/evaluation_html.h) to `path`. Unavailable naming the
// path when it cannot be written.
absl::Status WriteEvaluationHtml(const Json& report, const std::string& path);

}  // namespace flowline::cli
