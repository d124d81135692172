// Small charts as inline SVG for the HTML report: lines (with an optional interval band) and
// stacked bars over a time axis. No scripts, no fonts, nothing fetched: the page is one file.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace flowline::monitor {

struct ChartSeries {
  std::string name;
  std::string color;                          // a CSS colour, e.g. "#2b6cb0"
  std::vector<std::optional<double>> values;  // one per x label; nullopt: no point (a gap)
  // Optional band around a line (e.g. a confidence interval): same length as values.
  std::vector<std::optional<double>> band_low, band_high;
};

struct ChartSpec {
  std::string title;
  std::vector<std::string> x_labels;  // one per bucket
  std::vector<ChartSeries> series;
  bool bars = false;                   // stacked bars instead of lines
  bool log_scale = false;              // log10 y axis (lines only; values <= 0 are gaps)
  std::optional<double> y_min, y_max;  // fixed range; otherwise from the data
  std::string unit;                    // appended to tick labels: "%", " s", ...
  double tick_scale = 1;  // tick labels show value × tick_scale (e.g. 100 for percent)
};

// An <svg> element (with a <title>) drawing the chart; texts are escaped.
std::string RenderChart(const ChartSpec& spec);

}  // namespace flowline::monitor
