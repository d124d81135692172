// The HTML report: every text from the report is escaped, the plots and sections are there, and a
// sparse report (an older stored one) still renders.
#include "lifecycle/evaluation_html.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flowline::lifecycle {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(EvaluationHtmlTest, EscapesEveryTextAndDrawsThePlotsAndTables) {
  const Json report = {
      {"subject", {{"workflow", "inv<script>"}, {"dataset", "gold"}, {"version", "v1"}}},
      {"documents", 2},
      {"mean_field_accuracy", 0.5},
      {"fields",
       {{{"field", "total"},
         {"type", "amount"},
         {"labelled", 2},
         {"accuracy", 0.5},
         {"coverage", 1.0}}}},
      {"calibration",
       {{"ece", 0.1},
        {"bins",
         {{{"low", 0.0}, {"high", 0.5}, {"count", 1}, {"accuracy", 0.0}, {"mean_confidence", 0.4}},
          {{"low", 0.5},
           {"high", 1.0},
           {"count", 1},
           {"accuracy", 1.0},
           {"mean_confidence", 0.9}}}}}},
      {"curve",
       {{{"threshold", 0.0}, {"accuracy", 0.5}, {"accepted_share", 1.0}, {"straight_through", 0.5}},
        {{"threshold", 0.5},
         {"accuracy", 1.0},
         {"accepted_share", 0.5},
         {"straight_through", 0.5}}}},
      {"classifier", {{"accuracy", 0.5}, {"confusion", {{"invoice", {{"receipt", 1}}}}}}},
      {"slices", {{{"slice", "vendor"}, {"value", "A&B"}, {"cases", 2}, {"accuracy", 0.5}}}},
      {"errors",
       {{{"document", "c<1>"},
         {"field", "total"},
         {"label", "10.00"},
         {"predicted", "<b>0.00</b>"},
         {"confidence", 0.4},
         {"evidence", "Total: \"0.00\""}}}}};
  const std::string page = EvaluationHtml(report);
  EXPECT_THAT(page, HasSubstr("inv&lt;script&gt;"));
  EXPECT_THAT(page, HasSubstr("c&lt;1&gt;"));
  EXPECT_THAT(page, HasSubstr("&lt;b&gt;0.00&lt;/b&gt;"));
  EXPECT_THAT(page, HasSubstr("A&amp;B"));
  EXPECT_THAT(page, Not(HasSubstr("<script>")));
  EXPECT_THAT(page, Not(HasSubstr("<b>0.00")));
  EXPECT_THAT(page, HasSubstr("Reliability (ECE 0.100)"));
  EXPECT_THAT(page, HasSubstr("Straight-through vs accuracy over confidence thresholds"));
  EXPECT_THAT(page, HasSubstr("<h2>Classifier (50.0% right)</h2>"));
  EXPECT_THAT(page, HasSubstr("<h2>Slices</h2>"));
  EXPECT_THAT(page, HasSubstr("Failed fields (1)"));
}

TEST(EvaluationHtmlTest, ASparseReportStillRenders) {
  const std::string page = EvaluationHtml(Json{{"fields", {{{"field", "total"}}}}});
  EXPECT_THAT(page, HasSubstr("Failed fields (0)"));
  EXPECT_THAT(page, Not(HasSubstr("<h2>Classifier")));
}

}  // namespace
}  // namespace flowline::lifecycle
