#include "monitor/prometheus_parser.h"

#include <cmath>
#include <limits>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"

namespace flowline::monitor::testing {
namespace {

bool IsName(std::string_view name, bool colons) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (!(absl::ascii_isalpha(c) || c == '_' || (colons && c == ':') ||
          (i > 0 && absl::ascii_isdigit(c)))) {
      return false;
    }
  }
  return true;
}

bool ParseValue(std::string_view text, double* value) {
  if (text == "+Inf" || text == "Inf") {
    *value = std::numeric_limits<double>::infinity();
    return true;
  }
  if (text == "-Inf") {
    *value = -std::numeric_limits<double>::infinity();
    return true;
  }
  if (text == "NaN") {
    *value = std::nan("");
    return true;
  }
  if (text.empty() || absl::ascii_isalpha(static_cast<unsigned char>(text[0]))) return false;
  return absl::SimpleAtod(Sv(text), value);
}

absl::Status Error(int line, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", Sv(what)));
}

// The family a sample name belongs to, given the families declared so far.
std::string FamilyOf(const std::string& name, const std::map<std::string, ParsedFamily>& families) {
  if (families.contains(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string_view s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      std::string base = name.substr(0, name.size() - s.size());
      auto it = families.find(base);
      if (it != families.end() &&
          (it->second.type == "histogram" || it->second.type == "summary")) {
        return base;
      }
    }
  }
  return name;
}

absl::Status CheckHistogram(const ParsedFamily& family) {
  // Per label set (without le): the buckets in order, the sum and the count.
  std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
  std::map<std::map<std::string, std::string>, double> counts;
  std::set<std::map<std::string, std::string>> sums;
  for (const ParsedSample& sample : family.samples) {
    std::map<std::string, std::string> labels = sample.labels;
    if (sample.name == family.name + "_bucket") {
      auto le = labels.find("le");
      if (le == labels.end()) return absl::InvalidArgumentError(family.name + "_bucket without le");
      double bound = 0;
      if (!ParseValue(le->second, &bound)) {
        return absl::InvalidArgumentError(absl::StrCat(family.name, " le=", le->second));
      }
      labels.erase(le);
      buckets[labels].emplace_back(bound, sample.value);
    } else if (sample.name == family.name + "_count") {
      counts[labels] = sample.value;
    } else if (sample.name == family.name + "_sum") {
      sums.insert(labels);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("histogram ", family.name, " has a sample named ", sample.name));
    }
  }
  for (const auto& [labels, series] : buckets) {
    for (size_t i = 1; i < series.size(); ++i) {
      if (!(series[i].first > series[i - 1].first) || series[i].second < series[i - 1].second) {
        return absl::InvalidArgumentError(absl::StrCat(
            "histogram ", family.name, ": buckets not ascending or counts decreasing"));
      }
    }
    if (series.empty() || !std::isinf(series.back().first)) {
      return absl::InvalidArgumentError(
          absl::StrCat("histogram ", family.name, " lacks the +Inf bucket"));
    }
    auto count = counts.find(labels);
    if (count == counts.end() || count->second != series.back().second || !sums.contains(labels)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "histogram ", family.name, ": _count and _sum must exist, _count = the +Inf bucket"));
    }
  }
  if (counts.size() != buckets.size() || sums.size() != buckets.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("histogram ", family.name, ": _count/_sum without buckets"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::map<std::string, ParsedFamily>> ParsePrometheusText(std::string_view text) {
  std::map<std::string, ParsedFamily> families;
  if (!text.empty() && text.back() != '\n') {
    return absl::InvalidArgumentError("the exposition must end with a newline");
  }
  std::set<std::string> finished;  // families whose samples are behind us
  std::string current;
  std::set<std::string> series;
  int number = 0;
  for (absl::string_view piece : absl::StrSplit(Sv(text), '\n')) {
    const std::string_view line(piece.data(), piece.size());
    ++number;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::vector<absl::string_view> parts = absl::StrSplit(piece, absl::MaxSplits(' ', 3));
      if (parts.size() < 3 || (parts[1] != "HELP" && parts[1] != "TYPE")) continue;  // comment
      const std::string name(parts[2]);
      if (!IsName(name, true)) return Error(number, absl::StrCat("bad metric name ", name));
      if (finished.contains(name)) {
        return Error(number, absl::StrCat(name, " appears again after other families"));
      }
      if (current != name) {
        if (!current.empty()) finished.insert(current);
        current = name;
      }
      ParsedFamily& family = families[name];
      family.name = name;
      const std::string rest = parts.size() > 3 ? std::string(parts[3]) : "";
      if (parts[1] == "TYPE") {
        if (!family.type.empty()) return Error(number, absl::StrCat("second TYPE for ", name));
        if (!family.samples.empty()) return Error(number, "TYPE after samples");
        static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                     "untyped"};
        if (!kTypes.contains(rest)) return Error(number, absl::StrCat("unknown type ", rest));
        family.type = rest;
      } else {
        if (!family.help.empty()) return Error(number, absl::StrCat("second HELP for ", name));
        // Only \\ and \n are escapes in HELP.
        for (size_t i = 0; i < rest.size(); ++i) {
          if (rest[i] == '\\' &&
              (i + 1 >= rest.size() || (rest[i + 1] != '\\' && rest[i + 1] != 'n'))) {
            return Error(number, "bad escape in HELP");
          }
          if (rest[i] == '\\') ++i;
        }
        family.help = rest.empty() ? " " : rest;
      }
      continue;
    }
    // name{label="value",...} value [timestamp]
    size_t pos = 0;
    while (pos < line.size() && line[pos] != '{' && line[pos] != ' ') ++pos;
    ParsedSample sample;
    sample.name = std::string(line.substr(0, pos));
    if (!IsName(sample.name, true))
      return Error(number, absl::StrCat("bad sample name ", sample.name));
    if (pos < line.size() && line[pos] == '{') {
      ++pos;
      while (pos < line.size() && line[pos] != '}') {
        size_t eq = line.find('=', pos);
        if (eq == std::string_view::npos) return Error(number, "label without =");
        std::string label(line.substr(pos, eq - pos));
        if (!IsName(label, false) || label.rfind("__", 0) == 0) {
          return Error(number, absl::StrCat("bad label name ", label));
        }
        pos = eq + 1;
        if (pos >= line.size() || line[pos] != '"') return Error(number, "label value not quoted");
        ++pos;
        std::string value;
        for (;;) {
          if (pos >= line.size()) return Error(number, "unterminated label value");
          const char c = line[pos++];
          if (c == '"') break;
          if (c == '\\') {
            if (pos >= line.size()) return Error(number, "dangling escape");
            const char e = line[pos++];
            if (e == '\\')
              value.push_back('\\');
            else if (e == '"')
              value.push_back('"');
            else if (e == 'n')
              value.push_back('\n');
            else
              return Error(number, absl::StrCat("bad escape \\", std::string(1, e)));
          } else {
            value.push_back(c);
          }
        }
        if (!sample.labels.emplace(label, value).second) {
          return Error(number, absl::StrCat("label ", label, " twice"));
        }
        if (pos < line.size() && line[pos] == ',')
          ++pos;
        else if (pos < line.size() && line[pos] != '}')
          return Error(number, "expected , or }");
      }
      if (pos >= line.size()) return Error(number, "unterminated label set");
      ++pos;  // '}'
    }
    if (pos >= line.size() || line[pos] != ' ')
      return Error(number, "expected a space before the value");
    std::vector<absl::string_view> rest = absl::StrSplit(piece.substr(pos + 1), ' ');
    if (rest.empty() || rest.size() > 2)
      return Error(number, "expected a value and an optional timestamp");
    if (!ParseValue(std::string_view(rest[0].data(), rest[0].size()), &sample.value)) {
      return Error(number, absl::StrCat("bad value ", rest[0]));
    }
    int64_t timestamp = 0;
    if (rest.size() == 2 && !absl::SimpleAtoi(rest[1], &timestamp)) {
      return Error(number, "bad timestamp");
    }
    const std::string family_name = FamilyOf(sample.name, families);
    auto family = families.find(family_name);
    if (family == families.end() || family->second.type.empty()) {
      return Error(number, absl::StrCat(sample.name, " has no TYPE line before it"));
    }
    if (family_name != current) {
      return Error(number, absl::StrCat(sample.name, " is not with the rest of its family"));
    }
    const std::string& type = family->second.type;
    if ((type == "counter" || type == "gauge") && sample.name != family_name) {
      return Error(number, absl::StrCat(sample.name, " is not named as its family ", family_name));
    }
    std::vector<std::string> key_parts;
    for (const auto& [k, v] : sample.labels) key_parts.push_back(absl::StrCat(k, "=", v));
    const std::string key = absl::StrCat(sample.name, "{", absl::StrJoin(key_parts, ","), "}");
    if (!series.insert(key).second) return Error(number, absl::StrCat("series twice: ", key));
    family->second.samples.push_back(std::move(sample));
  }
  for (const auto& [name, family] : families) {
    if (family.type == "histogram") {
      absl::Status status = CheckHistogram(family);
      if (!status.ok()) return status;
    }
  }
  return families;
}

absl::StatusOr<double> SampleValue(const std::map<std::string, ParsedFamily>& families,
                                   const std::string& name,
                                   const std::map<std::string, std::string>& labels) {
  const std::string family = FamilyOf(name, families);
  auto it = families.find(family);
  if (it != families.end()) {
    for (const ParsedSample& sample : it->second.samples) {
      if (sample.name == name && sample.labels == labels) return sample.value;
    }
  }
  std::vector<std::string> parts;
  for (const auto& [k, v] : labels) parts.push_back(absl::StrCat(k, "=", v));
  return absl::NotFoundError(absl::StrCat("no sample ", name, "{", absl::StrJoin(parts, ","), "}"));
}

}  // namespace flowline::monitor::testing
