#include "steps/http_client.h"

#include "absl/strings/match.h"
#include "common/strings.h"

namespace flowline::steps {

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, Sv(name))) return value;
  }
  return "";
}

}  // namespace flowline::steps
