#include "ai/extract/line_items.h"

#include "gtest/gtest.h"

namespace flowline::ai {
namespace {

// Builds a page from text placed at (x, baseline y) in points on an A4 page, one Line per
// piece (as the reader cuts rows at wide gaps), words split at spaces with a rough width per
// character; `conf` marks the words as OCR'd.
class PageBuilder {
 public:
  PageBuilder& Text(double x, double y, const std::string& text, double size = 9,
                    std::optional<double> conf = std::nullopt) {
    Line line;
    double cursor = x;
    size_t at = 0;
    while (at <= text.size()) {
      size_t space = text.find(' ', at);
      if (space == std::string::npos) space = text.size();
      const std::string word = text.substr(at, space - at);
      if (!word.empty()) {
        const double width = 0.55 * size * static_cast<double>(word.size());
        Word w;
        w.text = word;
        w.box = Box{cursor / kWidth, (y - size) / kHeight, (cursor + width) / kWidth,
                    (y + 0.25 * size) / kHeight};
        w.confidence = conf;
        line.words.push_back(w);
        cursor += width + 0.3 * size;
      }
      at = space + 1;
    }
    line.box = line.words.front().box;
    for (const Word& w : line.words) line.box = line.box.Union(w.box);
    page_.lines.push_back(line);
    return *this;
  }
  // Right-aligned at `right`.
  PageBuilder& Right(double right, double y, const std::string& text, double size = 9,
                     std::optional<double> conf = std::nullopt) {
    const double width = 0.55 * size * static_cast<double>(text.size());
    return Text(right - width, y, text, size, conf);
  }
  Page Build(int number = 1) {
    page_.number = number;
    page_.width = kWidth;
    page_.height = kHeight;
    return page_;
  }

 private:
  static constexpr double kWidth = 595.28;
  static constexpr double kHeight = 841.89;
  Page page_;
};

// An item table: Description | Qty | Unit price | Amount, rows from y = 320 every 17 points.
void Header(PageBuilder& b, double y = 300) {
  b.Text(53, y, "Description")
      .Right(380, y, "Qty")
      .Right(460, y, "Unit price")
      .Right(542, y, "Amount");
}
void Item(PageBuilder& b, double y, const std::string& description, const std::string& qty,
          const std::string& price, const std::string& amount,
          std::optional<double> conf = std::nullopt) {
  b.Text(53, y, description, 9, conf)
      .Right(380, y, qty, 9, conf)
      .Right(460, y, price, 9, conf)
      .Right(542, y, amount, 9, conf);
}

Document OnePage(PageBuilder& b) {
  Document doc;
  doc.pages.push_back(b.Build());
  return doc;
}

TEST(LineItemsTest, ReadsACleanTable) {
  PageBuilder b;
  b.Text(50, 80, "ACME GmbH").Text(330, 150, "Invoice No.").Text(445, 150, "INV-1001");
  Header(b);
  Item(b, 320, "Consulting services", "2", "100.00", "200.00");
  Item(b, 337, "Travel expenses", "1", "45.50", "45.50");
  Item(b, 354, "Software licence", "3", "1,250.00", "3,750.00");
  b.Text(330, 400, "Subtotal").Right(542, 400, "3,995.50");
  b.Text(330, 414, "VAT 19%").Right(542, 414, "759.15");
  b.Text(330, 428, "Total").Right(542, 428, "4,754.65");
  const LineItemTable table = FindLineItems(OnePage(b));
  ASSERT_EQ(table.rows.size(), 3u);
  EXPECT_EQ(table.rows[0].description, "Consulting services");
  EXPECT_EQ(table.rows[0].quantity, "2");
  EXPECT_EQ(table.rows[0].unit_price, "100.00");
  EXPECT_EQ(table.rows[0].amount, "200.00");
  EXPECT_EQ(table.rows[2].unit_price, "1250.00");
  EXPECT_EQ(table.rows[2].amount, "3750.00");
  EXPECT_EQ(table.sum, "3995.50");
  // The subtotal printed below the table equals the rows' sum.
  EXPECT_EQ(table.adds_up_to, "printed total");
  for (const LineItem& row : table.rows) {
    EXPECT_EQ(row.multiplies_out, true);
    EXPECT_GT(row.confidence, 0.95);
    EXPECT_EQ(row.page, 0);
    EXPECT_LT(row.box.y0, row.box.y1);
  }
  EXPECT_LT(table.rows[0].box.y1, table.rows[1].box.y0);
}

TEST(LineItemsTest, JoinsContinuationLinesToTheirRow) {
  PageBuilder b;
  Header(b);
  Item(b, 320, "Annual maintenance", "1", "480.00", "480.00");
  b.Text(53, 331, "of the heating system, incl.");
  b.Text(53, 342, "spare parts");
  Item(b, 360, "Call-out fee", "2", "35.00", "70.00");
  b.Text(330, 400, "Net amount").Right(542, 400, "550.00");
  const LineItemTable table = FindLineItems(OnePage(b));
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.rows[0].description,
            "Annual maintenance of the heating system, incl. spare parts");
  EXPECT_EQ(table.rows[1].description, "Call-out fee");
  EXPECT_GT(table.rows[0].box.y1, 342.0 / 841.89);  // the box covers the continuation lines
}

TEST(LineItemsTest, StopsAtTheTotalsBlock) {
  PageBuilder b;
  Header(b);
  Item(b, 320, "Widget", "4", "2.50", "10.00");
  // Totals right under the table, their amounts in the amount column: not rows.
  b.Right(460, 340, "Subtotal").Right(542, 340, "10.00");
  b.Right(460, 354, "VAT 20%").Right(542, 354, "2.00");
  b.Right(460, 368, "Total due").Right(542, 368, "12.00");
  b.Text(53, 700, "Thank you for your business.");
  b.Text(53, 714, "IBAN DE89 3704 0044 0532 0130 00").Right(542, 714, "Page 1 of 1");
  const LineItemTable table = FindLineItems(OnePage(b), {{"net_amount", "10.00"}});
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(table.rows[0].amount, "10.00");
  EXPECT_EQ(table.adds_up_to, "net_amount");
}

TEST(LineItemsTest, GermanHeaderAndNumbers) {
  PageBuilder b;
  b.Text(53, 300, "Pos.")
      .Text(80, 300, "Bezeichnung")
      .Right(380, 300, "Menge")
      .Right(460, 300, "Einzelpreis")
      .Right(542, 300, "Betrag");
  b.Text(53, 320, "1")
      .Text(80, 320, "Beratungsleistung")
      .Right(380, 320, "1,5")
      .Right(460, 320, "1.200,00")
      .Right(542, 320, "1.800,00");
  b.Text(53, 337, "2")
      .Text(80, 337, "Vor-Ort-Service")
      .Right(380, 337, "3")
      .Right(460, 337, "99,90 €")
      .Right(542, 337, "299,70 €");
  b.Right(460, 370, "Zwischensumme").Right(542, 370, "2.099,70");
  const LineItemTable table = FindLineItems(OnePage(b));
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.rows[0].description, "Beratungsleistung");  // the position is not text
  EXPECT_EQ(table.rows[0].quantity, "1.5");
  EXPECT_EQ(table.rows[0].amount, "1800.00");
  EXPECT_EQ(table.rows[1].unit_price, "99.90");
  EXPECT_EQ(table.adds_up_to, "printed total");
}

TEST(LineItemsTest, ToleratesOcrNoiseInNumbers) {
  PageBuilder b;
  Header(b);
  // OCR read 0 as O, 1 as l, split "1 234,56" into two words, and lost a comma.
  Item(b, 320, "Cleaning service", "2", "5O.00", "1OO.00", 0.82);
  Item(b, 337, "Window cleaning", "l", "1 234.56", "1 234.56", 0.88);
  Item(b, 354, "Materials", "3", "10.5O", "31.50", 0.9);
  const LineItemTable table = FindLineItems(OnePage(b), {{"net_amount", "1366.06"}});
  ASSERT_EQ(table.rows.size(), 3u);
  EXPECT_EQ(table.rows[0].amount, "100.00");
  EXPECT_EQ(table.rows[0].unit_price, "50.00");
  EXPECT_EQ(table.rows[1].quantity, "1");
  EXPECT_EQ(table.rows[1].amount, "1234.56");
  EXPECT_EQ(table.rows[2].unit_price, "10.50");
  EXPECT_EQ(table.adds_up_to, "net_amount");
  for (const LineItem& row : table.rows) EXPECT_EQ(row.multiplies_out, true);
}

TEST(LineItemsTest, RowsThatDoNotAddUpLoseConfidence) {
  PageBuilder good, bad;
  for (PageBuilder* b : {&good, &bad}) {
    Header(*b);
    Item(*b, 320, "Widget", "4", "2.50", "10.00");
    Item(*b, 337, "Gadget", "1", "5.00", "5.00");
  }
  const LineItemTable adds_up = FindLineItems(OnePage(good), {{"net_amount", "15.00"}});
  const LineItemTable does_not = FindLineItems(OnePage(bad), {{"net_amount", "17.00"}});
  ASSERT_EQ(adds_up.rows.size(), 2u);
  ASSERT_EQ(does_not.rows.size(), 2u);
  EXPECT_EQ(does_not.adds_up_to, std::nullopt);
  EXPECT_TRUE(does_not.had_reference);
  EXPECT_LT(does_not.confidence, adds_up.confidence - 0.3);
  // A row whose quantity times price is not its amount is doubted on its own.
  PageBuilder wrong;
  Header(wrong);
  Item(wrong, 320, "Widget", "4", "2.50", "12.00");
  const LineItemTable row = FindLineItems(OnePage(wrong));
  ASSERT_EQ(row.rows.size(), 1u);
  EXPECT_EQ(row.rows[0].multiplies_out, false);
  EXPECT_LT(row.rows[0].confidence, 0.5);
}

TEST(LineItemsTest, OcrMisreadsAreRecomputedFromTheOtherCells) {
  PageBuilder b;
  Header(b);
  b.Text(53, 320, "Design and layout", 9, 0.95)
      .Right(460, 320, "113.13", 9, 0.95)
      .Right(542, 320, "452.52", 9, 0.95);                     // the quantity 4 was not read at all
  Item(b, 337, "Printer toner", "-2", "45.00", "90.00", 0.9);  // a rule read as a minus
  Item(b, 354, "Gestaltung", "6.25", "113.13", "107.06", 0.6);  // 707.06: one digit misread
  const LineItemTable table = FindLineItems(OnePage(b), {{"net_amount", "1249.58"}});
  ASSERT_EQ(table.rows.size(), 3u);
  EXPECT_EQ(table.rows[0].quantity, "4");
  EXPECT_EQ(table.rows[0].corrected, "quantity");
  EXPECT_EQ(table.rows[1].quantity, "2");
  EXPECT_EQ(table.rows[2].amount, "707.06");  // only because the table then adds up
  EXPECT_EQ(table.rows[2].corrected, "amount");
  EXPECT_EQ(table.adds_up_to, "net_amount");
  // Without a sum that confirms it, the misread amount stays as printed, and doubted.
  const LineItemTable unconfirmed = FindLineItems(OnePage(b), {{"net_amount", "650.00"}});
  EXPECT_EQ(unconfirmed.rows[2].amount, "107.06");
  EXPECT_EQ(unconfirmed.rows[2].multiplies_out, false);
  // A text layer is what the PDF says: nothing is recomputed.
  PageBuilder text;
  Header(text);
  Item(text, 320, "Gestaltung", "6.25", "113.13", "107.06");
  const LineItemTable printed = FindLineItems(OnePage(text), {{"net_amount", "707.06"}});
  EXPECT_EQ(printed.rows[0].amount, "107.06");
  EXPECT_TRUE(printed.rows[0].corrected.empty());
}

TEST(LineItemsTest, AmbiguousNumbersTakeTheReadingThatAddsUp) {
  PageBuilder b;
  Header(b);
  Item(b, 320, "Screws", "1.000", "0,05", "50,00");  // a thousand screws
  Item(b, 337, "Cable", "2,500", "4,00", "10,00");   // 2.5 metres
  const LineItemTable table = FindLineItems(OnePage(b));
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.rows[0].quantity, "1000");
  EXPECT_EQ(table.rows[1].quantity, "2.5");
}

TEST(LineItemsTest, AmountOnTheRowBelowAndNotesWithNumbersInTheDescription) {
  // As on the ZUGFeRD samples: the amount sits a little lower than the row's other cells, and
  // the description's notes hold numbers that reach into the unit price column.
  PageBuilder b;
  b.Text(70, 100, "Pos")
      .Text(190, 100, "Beschreibung")
      .Text(340, 100, "Nettopreis")
      .Text(400, 100, "Menge")
      .Text(494, 100, "Nettobetrag");
  b.Text(190, 130, "Kunstrasen grün").Right(376, 130, "3,3333").Right(423, 130, "3 m²");
  b.Right(535, 139, "10,00");
  b.Text(190, 158, "getLineTradeAgreementBruttopreis : 4,0000");
  b.Text(190, 190, "Schweinesteak").Right(376, 190, "5,5000").Right(423, 190, "1 kg");
  b.Right(535, 199, "5,50");
  b.Text(190, 230, "Mineralwasser").Right(376, 230, "5,4900").Right(423, 230, "20 Stk");
  b.Right(535, 239, "109,80");
  b.Text(70, 400, "Positionssumme").Right(535, 400, "125,30");
  const LineItemTable table = FindLineItems(OnePage(b));
  ASSERT_EQ(table.rows.size(), 3u);
  EXPECT_EQ(table.rows[0].quantity, "3");
  EXPECT_EQ(table.rows[0].amount, "10.00");
  EXPECT_EQ(table.rows[0].multiplies_out, true);
  EXPECT_EQ(table.rows[2].quantity, "20");
  EXPECT_EQ(table.sum, "125.30");
  EXPECT_EQ(table.adds_up_to, "printed total");
}

TEST(LineItemsTest, ContinuesATableOnTheNextPage) {
  PageBuilder first, second;
  Header(first, 600);
  Item(first, 620, "Part A", "1", "10.00", "10.00");
  Item(first, 637, "Part B", "2", "10.00", "20.00");
  Item(first, 654, "Part C", "3", "10.00", "30.00");
  // The next page repeats no header: the same columns go on below its page header.
  second.Text(50, 60, "ACME GmbH").Right(542, 60, "Page 2 of 2");
  Item(second, 100, "Part D", "4", "10.00", "40.00");
  second.Right(460, 130, "Subtotal").Right(542, 130, "100.00");
  Document doc;
  doc.pages.push_back(first.Build(1));
  doc.pages.push_back(second.Build(2));
  const LineItemTable table = FindLineItems(doc);
  ASSERT_EQ(table.rows.size(), 4u);
  EXPECT_EQ(table.rows[3].page, 1);
  EXPECT_EQ(table.sum, "100.00");
  EXPECT_EQ(table.adds_up_to, "printed total");
}

TEST(LineItemsTest, NoHeaderNoRows) {
  PageBuilder b;
  b.Text(53, 100, "Dear Sir or Madam,");
  b.Text(53, 120, "we received your payment of").Right(542, 120, "1,250.00");
  b.Text(53, 140, "Total").Right(542, 140, "1,250.00");
  const LineItemTable table = FindLineItems(OnePage(b));
  EXPECT_TRUE(table.rows.empty());
  EXPECT_EQ(table.sum, "0.00");
  EXPECT_EQ(table.confidence, 0);
}

TEST(LineItemsTest, ParsesCellNumbers) {
  auto value = [](std::string_view text) -> std::optional<int64_t> {
    auto n = ParseCellNumber(text);
    if (!n) return std::nullopt;
    return n->value;
  };
  EXPECT_EQ(value("1,234.56"), 12345600);
  EXPECT_EQ(value("1.234,56"), 12345600);
  EXPECT_EQ(value("1'234.56"), 12345600);
  EXPECT_EQ(value("1,23,456.78"), 1234567800);
  EXPECT_EQ(value("(12.50)"), -125000);
  EXPECT_EQ(value("12.50-"), -125000);
  EXPECT_EQ(value("€1,250.00"), 12500000);
  EXPECT_EQ(value("3,3333"), 33333);
  EXPECT_EQ(value("1.234.56"), 12345600);  // OCR lost the comma
  EXPECT_EQ(value("19%"), std::nullopt);
  EXPECT_EQ(value("INV-1001"), std::nullopt);
  EXPECT_EQ(value("Widget"), std::nullopt);
  EXPECT_EQ(FormatDecimal(12345600, 2), "1234.56");
  EXPECT_EQ(FormatDecimal(20000, 0), "2");
  EXPECT_EQ(FormatDecimal(25000, 0), "2.5");
  EXPECT_EQ(FormatDecimal(-50000, 2), "-5.00");
  EXPECT_EQ(FormatDecimal(33333, 2), "3.3333");
}

}  // namespace
}  // namespace flowline::ai
