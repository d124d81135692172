#include "monitor/prometheus.h"

#include <charconv>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::monitor {
namespace {

bool IsMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    const bool ok =
        absl::ascii_isalpha(c) || c == '_' || c == ':' || (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

bool IsLabelName(std::string_view name) {
  if (name.empty() || name.substr(0, 2) == "__") return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (!(absl::ascii_isalpha(c) || c == '_' || (i > 0 && absl::ascii_isdigit(c)))) return false;
  }
  return true;
}

void AppendEscaped(std::string& out, std::string_view text, bool quotes) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quotes && c == '"') {
      out += "\\\"";
    } else {
      out.push_back(c);
    }
  }
}

}  // namespace

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  char buffer[32];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return error == std::errc() ? std::string(buffer, end) : absl::StrCat(value);
}

void PrometheusWriter::Fail(const std::string& message) {
  if (status_.ok()) status_ = absl::InternalError(message);
}

bool PrometheusWriter::Family(std::string_view name, std::string_view type, std::string_view help) {
  dropping_ = true;
  if (!IsMetricName(name)) {
    Fail(absl::StrCat("'", Sv(name), "' is not a Prometheus metric name"));
    return false;
  }
  if (type != "counter" && type != "gauge" && type != "histogram") {
    Fail(absl::StrCat("metric ", Sv(name), " has unknown type ", Sv(type)));
    return false;
  }
  if (!families_.insert(std::string(name)).second) {
    Fail(absl::StrCat("metric family ", Sv(name), " is written twice"));
    return false;
  }
  dropping_ = false;
  absl::StrAppend(&out_, "# HELP ", Sv(name), " ");
  AppendEscaped(out_, help, /*quotes=*/false);
  absl::StrAppend(&out_, "\n# TYPE ", Sv(name), " ", Sv(type), "\n");
  return true;
}

void PrometheusWriter::Sample(std::string_view name, const MetricLabels& labels, double value) {
  if (dropping_) return;
  if (!IsMetricName(name)) {
    Fail(absl::StrCat("'", Sv(name), "' is not a Prometheus metric name"));
    return;
  }
  out_.append(name);
  if (!labels.empty()) {
    out_.push_back('{');
    for (size_t i = 0; i < labels.size(); ++i) {
      if (!IsLabelName(labels[i].first)) {
        Fail(absl::StrCat("'", labels[i].first, "' is not a Prometheus label name"));
      }
      if (i > 0) out_.push_back(',');
      absl::StrAppend(&out_, labels[i].first, "=\"");
      AppendEscaped(out_, labels[i].second, /*quotes=*/true);
      out_.push_back('"');
    }
    out_.push_back('}');
  }
  absl::StrAppend(&out_, " ", FormatSampleValue(value), "\n");
}

void PrometheusWriter::HistogramSamples(std::string_view family, const MetricLabels& labels,
                                        const LatencyHistogram& histogram) {
  const std::string bucket = absl::StrCat(Sv(family), "_bucket");
  for (const auto& [bound, count] : histogram.Cumulative()) {
    MetricLabels with_le = labels;
    with_le.emplace_back("le", BoundLabel(bound));
    Sample(bucket, with_le, static_cast<double>(count));
  }
  Sample(absl::StrCat(Sv(family), "_sum"), labels, histogram.sum());
  Sample(absl::StrCat(Sv(family), "_count"), labels, static_cast<double>(histogram.count()));
}

std::string PrometheusWriter::Take() {
  std::string out = std::move(out_);
  out_.clear();
  return out;
}

}  // namespace flowline::monitor
