#include "monitor/svg_chart.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/html.h"

namespace flowline::monitor {

using common::HtmlEscape;

namespace {

constexpr double kWidth = 760, kHeight = 230;
constexpr double kLeft = 64, kRight = 16, kTop = 48, kBottom = 40;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;

// A "nice" step (1, 2 or 5 × 10^n) for about `ticks` ticks over `span`.
double NiceStep(double span, int ticks) {
  if (span <= 0) return 1;
  const double raw = span / ticks;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double fraction = raw / magnitude;
  const double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * magnitude;
}

std::string TickText(double value, const ChartSpec& spec) {
  const double shown = value * spec.tick_scale;
  std::string text;
  if (std::fabs(shown) >= 1e6) {
    text = absl::StrFormat("%.3gM", shown / 1e6);
  } else if (std::fabs(shown) >= 1e4) {
    text = absl::StrFormat("%.3gk", shown / 1e3);
  } else {
    text = absl::StrFormat("%.4g", shown);
  }
  return absl::StrCat(text, spec.unit);
}

std::string Num(double v) { return absl::StrFormat("%.1f", v); }

}  // namespace

std::string RenderChart(const ChartSpec& spec) {
  const size_t n = spec.x_labels.size();
  // The y range: the data's, with bars stacked, unless fixed.
  double lo = 0, hi = 0;
  bool any = false;
  auto see = [&](double v) {
    if (spec.log_scale && v <= 0) return;
    if (!any) {
      lo = hi = v;
      any = true;
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  };
  for (size_t i = 0; i < n; ++i) {
    double stack = 0;
    for (const ChartSeries& s : spec.series) {
      const std::optional<double> v = i < s.values.size() ? s.values[i] : std::nullopt;
      if (spec.bars) {
        stack += v.value_or(0);
      } else if (v.has_value()) {
        see(*v);
        if (i < s.band_low.size() && s.band_low[i]) see(*s.band_low[i]);
        if (i < s.band_high.size() && s.band_high[i]) see(*s.band_high[i]);
      }
    }
    if (spec.bars) see(stack);
  }
  if (!spec.log_scale) lo = std::min(lo, 0.0);
  if (spec.y_min) lo = *spec.y_min;
  if (spec.y_max) hi = *spec.y_max;
  if (!any && !spec.y_max) hi = 1;
  if (spec.log_scale) {
    lo = std::pow(10, std::floor(std::log10(any ? lo : 1)));
    hi = std::pow(10, std::ceil(std::log10(any ? hi : 10)));
    if (hi <= lo) hi = lo * 10;
  } else if (hi <= lo) {
    hi = lo + 1;
  }
  double step = 0;
  if (!spec.log_scale) {
    step = NiceStep(hi - lo, 4);
    hi = std::ceil(hi / step - 1e-9) * step;
  }
  auto y_of = [&](double v) {
    const double t = spec.log_scale
                         ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                         : (v - lo) / (hi - lo);
    return kTop + kPlotH * (1 - std::clamp(t, 0.0, 1.0));
  };
  const double slot = n > 0 ? kPlotW / static_cast<double>(n) : kPlotW;
  auto x_of = [&](size_t i) { return kLeft + slot * (static_cast<double>(i) + 0.5); };

  std::string svg = absl::StrCat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", kWidth, " ", kHeight,
      "\" width=\"", kWidth, "\" height=\"", kHeight, "\" role=\"img\" class=\"chart\">", "<title>",
      HtmlEscape(spec.title), "</title>", "<text x=\"", kLeft, "\" y=\"16\" class=\"chart-title\">",
      HtmlEscape(spec.title), "</text>");
  // The legend: a row under the title.
  double legend_x = kLeft;
  for (const ChartSeries& series : spec.series) {
    absl::StrAppend(&svg, "<rect x=\"", Num(legend_x),
                    "\" y=\"24\" width=\"10\" height=\"10\" fill=\"", series.color,
                    "\"/><text x=\"", Num(legend_x + 14), "\" y=\"33\" class=\"legend\">",
                    HtmlEscape(series.name), "</text>");
    legend_x += 24 + 6.5 * static_cast<double>(series.name.size());
  }
  // Grid and y ticks.
  std::vector<double> ticks;
  if (spec.log_scale) {
    for (double t = lo; t <= hi * 1.0001; t *= 10) ticks.push_back(t);
  } else {
    for (double t = lo; t <= hi + step * 1e-6; t += step) ticks.push_back(t);
  }
  for (double t : ticks) {
    const double y = y_of(t);
    absl::StrAppend(&svg, "<line x1=\"", kLeft, "\" x2=\"", kLeft + kPlotW, "\" y1=\"", Num(y),
                    "\" y2=\"", Num(y), "\" class=\"grid\"/><text x=\"", kLeft - 6, "\" y=\"",
                    Num(y + 4), "\" class=\"tick\" text-anchor=\"end\">",
                    HtmlEscape(TickText(t, spec)), "</text>");
  }
  // X labels: at most about eight.
  const size_t every = std::max<size_t>(1, (n + 7) / 8);
  for (size_t i = 0; i < n; i += every) {
    absl::StrAppend(&svg, "<text x=\"", Num(x_of(i)), "\" y=\"", kTop + kPlotH + 16,
                    "\" class=\"tick\" text-anchor=\"middle\">", HtmlEscape(spec.x_labels[i]),
                    "</text>");
  }
  absl::StrAppend(&svg, "<line x1=\"", kLeft, "\" x2=\"", kLeft + kPlotW, "\" y1=\"",
                  Num(kTop + kPlotH), "\" y2=\"", Num(kTop + kPlotH), "\" class=\"axis\"/>");

  if (spec.bars) {
    const double width = std::max(1.0, slot * 0.8);
    for (size_t i = 0; i < n; ++i) {
      double base = 0;
      for (const ChartSeries& s : spec.series) {
        const double v = i < s.values.size() ? s.values[i].value_or(0) : 0;
        if (v <= 0) continue;
        const double top = y_of(base + v), bottom = y_of(base);
        absl::StrAppend(&svg, "<rect x=\"", Num(x_of(i) - width / 2), "\" y=\"", Num(top),
                        "\" width=\"", Num(width), "\" height=\"", Num(std::max(bottom - top, 0.5)),
                        "\" fill=\"", s.color, "\"><title>", HtmlEscape(spec.x_labels[i]), " ",
                        HtmlEscape(s.name), ": ", HtmlEscape(TickText(v, spec)), "</title></rect>");
        base += v;
      }
    }
    return svg + "</svg>";
  }
  for (const ChartSeries& s : spec.series) {
    // The band: one polygon per run of points that have both bounds.
    for (size_t i = 0; i < n;) {
      auto has = [&](size_t k) {
        return k < s.band_low.size() && k < s.band_high.size() && s.band_low[k] && s.band_high[k];
      };
      if (!has(i)) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < n && has(j)) ++j;
      std::string points;
      for (size_t k = i; k < j; ++k)
        absl::StrAppend(&points, Num(x_of(k)), ",", Num(y_of(*s.band_high[k])), " ");
      for (size_t k = j; k-- > i;)
        absl::StrAppend(&points, Num(x_of(k)), ",", Num(y_of(*s.band_low[k])), " ");
      absl::StrAppend(&svg, "<polygon points=\"", points, "\" fill=\"", s.color,
                      "\" fill-opacity=\"0.15\" stroke=\"none\"/>");
      i = j;
    }
    std::string path;
    bool pen_down = false;
    for (size_t i = 0; i < n; ++i) {
      const std::optional<double> v = i < s.values.size() ? s.values[i] : std::nullopt;
      if (!v || (spec.log_scale && *v <= 0)) {
        pen_down = false;
        continue;
      }
      absl::StrAppend(&path, pen_down ? "L" : "M", Num(x_of(i)), " ", Num(y_of(*v)), " ");
      pen_down = true;
      absl::StrAppend(&svg, "<circle cx=\"", Num(x_of(i)), "\" cy=\"", Num(y_of(*v)),
                      "\" r=\"2.5\" fill=\"", s.color, "\"><title>", HtmlEscape(spec.x_labels[i]),
                      " ", HtmlEscape(s.name), ": ", HtmlEscape(TickText(*v, spec)),
                      "</title></circle>");
    }
    if (!path.empty()) {
      absl::StrAppend(&svg, "<path d=\"", path, "\" fill=\"none\" stroke=\"", s.color,
                      "\" stroke-width=\"2\"/>");
    }
  }
  return svg + "</svg>";
}

}  // namespace flowline::monitor
