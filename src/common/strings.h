// Bridges between std::string_view and absl::string_view.
//
// Debian's Abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0),
// which does not convert from std::string_view. Pass std::string_view values to absl::StrCat,
// absl::StrFormat or absl::Status constructors through Sv().
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace flowline {

inline absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace flowline
