// Plain-text tables and time formatting for command output.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace flowline::cli {

// Prints rows under a header, each column as wide as its widest cell.
void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// "2026-11-24 10:00:00.123" in local time, or "-".
std::string HumanTime(std::optional<absl::Time> t);
// "4.2 ms", "1.3 s", "2m3s".
std::string HumanDuration(absl::Duration d);

}  // namespace flowline::cli
