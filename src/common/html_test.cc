#include "common/html.h"

#include <gtest/gtest.h>

namespace flowline::common {
namespace {

TEST(HtmlEscapeTest, EscapesWhatHtmlGivesMeaningAndKeepsTheRest) {
  EXPECT_EQ(HtmlEscape(R"(<a href="x">Tom & Jerry's</a>)"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  EXPECT_EQ(HtmlEscape("Zürich €5"), "Zürich €5");
  EXPECT_EQ(HtmlEscape(""), "");
}

}  // namespace
}  // namespace flowline::common
