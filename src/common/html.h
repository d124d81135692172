// Text for HTML pages flowline writes itself (reports, the story of a case).
#pragma once

#include <string>
#include <string_view>

namespace flowline::common {

// `text` escaped for HTML element content and quoted attribute values: & < > " ' become
// entities; everything else (UTF-8 included) is kept.
std::string HtmlEscape(std::string_view text);

}  // namespace flowline::common
