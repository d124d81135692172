#include "store/postgres/pg_arrays.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace flowline::store::postgres {

std::string PgIntArray(const std::vector<int64_t>& values) {
  return absl::StrCat("{", absl::StrJoin(values, ","), "}");
}

std::string PgDoubleArray(const std::vector<double>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    const double value = values[i];
    if (std::isnan(value)) {
      out += "NaN";
    } else if (std::isinf(value)) {
      out += value > 0 ? "Infinity" : "-Infinity";
    } else {
      char buffer[32];
      std::snprintf(buffer, sizeof(buffer), "%.17g", value);
      out += buffer;
    }
  }
  out.push_back('}');
  return out;
}

std::string PgBoolArray(const std::vector<bool>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back(values[i] ? 't' : 'f');
  }
  out.push_back('}');
  return out;
}

std::string PgTimeArray(const std::vector<absl::Time>& values) {
  std::vector<int64_t> micros;
  micros.reserve(values.size());
  for (absl::Time value : values) micros.push_back(absl::ToUnixMicros(value));
  return PgIntArray(micros);
}

}  // namespace flowline::store::postgres
