#include "cli/table.h"

#include <algorithm>
#include <ostream>

#include "absl/strings/str_format.h"

namespace flowline::cli {

void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  };
  print(header);
  for (const auto& row : rows) print(row);
}

std::string HumanTime(std::optional<absl::Time> t) {
  if (!t.has_value()) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%E3S", *t, absl::LocalTimeZone());
}

std::string HumanDuration(absl::Duration d) {
  if (d < absl::Milliseconds(1)) return absl::StrFormat("%.0f µs", absl::ToDoubleMicroseconds(d));
  if (d < absl::Seconds(1)) return absl::StrFormat("%.1f ms", absl::ToDoubleMilliseconds(d));
  if (d < absl::Minutes(1)) return absl::StrFormat("%.2f s", absl::ToDoubleSeconds(d));
  return absl::FormatDuration(absl::Trunc(d, absl::Seconds(1)));
}

}  // namespace flowline::cli
