// Layout of the table-shaped business documents: invoices, purchase orders, delivery notes.
// Header (sender, title), recipient block, a meta block of labelled values (numbers, dates),
// the line-item table, totals, notes and a footer full of distractors (phone, IBAN, tax id).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "samples/layout.h"
#include "samples/vocabulary.h"

namespace flowline::samples::layout_internal {
namespace {

constexpr double kLeft = 50;
constexpr double kRight = 545;

struct Meta {
  std::string label;
  std::string value;
  std::vector<std::string> fields;
};

enum class Column { kPos, kCode, kDescription, kQuantity, kUnitPrice, kTaxRate, kAmount };

std::vector<Column> Columns(int variant, bool with_prices) {
  using C = Column;
  std::vector<Column> columns;
  switch (variant) {
    case 0:
      columns = {C::kPos, C::kDescription, C::kQuantity, C::kUnitPrice, C::kAmount};
      break;
    case 1:
      columns = {C::kDescription, C::kQuantity, C::kUnitPrice, C::kTaxRate, C::kAmount};
      break;
    case 2:
      columns = {C::kCode, C::kDescription, C::kQuantity, C::kUnitPrice, C::kAmount};
      break;
    case 3:
      columns = {C::kQuantity, C::kDescription, C::kUnitPrice, C::kAmount};
      break;
    default:
      columns = {C::kPos,       C::kCode,    C::kDescription, C::kQuantity,
                 C::kUnitPrice, C::kTaxRate, C::kAmount};
      break;
  }
  if (!with_prices) {
    std::erase_if(columns, [](Column c) {
      return c == Column::kUnitPrice || c == Column::kAmount || c == Column::kTaxRate;
    });
  }
  return columns;
}

double ColumnWidth(Column c) {
  switch (c) {
    case Column::kPos:
      return 28;
    case Column::kCode:
      return 58;
    case Column::kQuantity:
      return 48;
    case Column::kUnitPrice:
      return 72;
    case Column::kTaxRate:
      return 44;
    case Column::kAmount:
      return 80;
    case Column::kDescription:
      break;
  }
  return 0;
}

// The sender block; returns the y below it.
double LayOutHeader(const SampleDocument& doc, const Style& style, Rng& rng,
                    const std::string& title, bool address_is_field, Page& page) {
  std::vector<std::string> address_fields;
  if (address_is_field) address_fields = {"vendor_address"};
  double x = style.header == 1 ? kRight : style.header == 2 ? page.width / 2 : kLeft;
  Align align = style.header == 1   ? Align::kRight
                : style.header == 2 ? Align::kCenter
                                    : Align::kLeft;
  double y = 60;
  if (style.header != 2 && rng.Chance(0.3)) {
    // A "logo": a shaded square with the sender's initial beside the name.
    double lx = style.header == 0 ? kLeft : kRight - 34;
    page.shades.push_back({lx, y - 24, 34, 34, 0.25 + 0.4 * rng.Uniform()});
    Text(page, lx + 17, y - 1, doc.vendor.name.substr(0, 1), 18, true, Align::kCenter).grey = 1;
    x = style.header == 0 ? kLeft + 44 : kRight - 44;
  }
  Text(page, x, y, doc.vendor.name, style.header == 2 ? 15 : 13, true, align, {"vendor_name"});
  y += 14;
  for (const std::string& line : doc.vendor.address_lines) {
    Text(page, x, y, line, 9, false, align, address_fields);
    y += 11;
  }
  if (rng.Chance(0.5)) {
    const Vocabulary& v = VocabularyFor(doc.language);
    Text(page, x, y, absl::StrCat(rng.Pick(v.phone), " ", doc.vendor.phone), 8, false, align);
    y += 10;
    Text(page, x, y, doc.vendor.email, 8, false, align);
    y += 10;
  }
  if (style.header == 2) {
    page.rules.push_back({kLeft, y + 2, kRight, y + 2, 0.8});
    y += 30;
    Text(page, kLeft, y, title, 18, true);
    return y + 8;
  }
  Text(page, style.header == 1 ? kLeft : kRight, 66, title, 20, true,
       style.header == 1 ? Align::kLeft : Align::kRight);
  return y;
}

std::vector<Meta> MetaRows(const SampleDocument& doc, const Style& style, Rng& rng) {
  const Vocabulary& v = VocabularyFor(doc.language);
  auto date = [&](absl::CivilDay d) { return FormatDate(d, style.date, doc.language); };
  std::vector<Meta> rows;
  if (doc.type == DocType::kInvoice) {
    rows.push_back({rng.Pick(v.invoice_number), doc.number, {"invoice_number"}});
    rows.push_back({rng.Pick(v.invoice_date), date(doc.date), {"invoice_date"}});
    if (rng.Chance(0.3)) std::swap(rows[0], rows[1]);
    if (doc.due_date) rows.push_back({rng.Pick(v.due_date), date(*doc.due_date), {"due_date"}});
    if (!doc.po_number.empty()) {
      rows.push_back({rng.Pick(v.po_number), doc.po_number, {"po_number"}});
    }
  } else if (doc.type == DocType::kPurchaseOrder) {
    rows.push_back({v.po_label, doc.number, {"po_number"}});
    rows.push_back({v.invoice_date[1], date(doc.date), {"document_date"}});  // "Date"
    if (doc.delivery_date) rows.push_back({v.deliver_by, date(*doc.delivery_date), {}});
    rows.push_back({v.contact, doc.contact, {}});
  } else {
    rows.push_back({v.delivery_label, doc.number, {}});
    rows.push_back({v.delivery_date[0], date(doc.date), {"document_date"}});
    if (!doc.po_number.empty()) {
      rows.push_back({rng.Pick(v.po_number), doc.po_number, {"po_number"}});
    }
  }
  if (!doc.customer_number.empty()) {
    rows.push_back({rng.Pick(v.customer_number), doc.customer_number, {}});
  }
  if (doc.type == DocType::kInvoice && doc.delivery_date) {
    rows.push_back({rng.Pick(v.delivery_date), date(*doc.delivery_date), {}});
  }
  if (doc.type == DocType::kInvoice && doc.order_date) {
    rows.push_back({rng.Pick(v.order_date), date(*doc.order_date), {}});
  }
  // Past the first two rows the order varies.
  for (size_t i = rows.size(); i > 3; --i) std::swap(rows[i - 1], rows[2 + rng.Index(i - 2)]);
  return rows;
}

// Lays the meta rows out; returns the y below them.
double LayOutMeta(const std::vector<Meta>& rows, const Style& style, Rng& rng, double top,
                  Page& page) {
  double y = top;
  if (style.meta_place == 0) {
    bool value_right = rng.Chance(0.5);
    for (const Meta& m : rows) {
      if (style.labels_above) {
        Text(page, 340, y, m.label, 7.5).grey = 0.35;
        Text(page, 340, y + 11, m.value, 10, false, Align::kLeft, m.fields);
        y += 25;
      } else {
        Text(page, 330, y, m.label + (rng.Chance(0.5) ? ":" : ""), 9);
        Text(page, value_right ? kRight : 445, y, m.value, 9, false,
             value_right ? Align::kRight : Align::kLeft, m.fields);
        y += 14;
      }
    }
    return y;
  }
  double cell = (kRight - kLeft) / 4;
  for (size_t i = 0; i < rows.size(); ++i) {
    double x = kLeft + cell * static_cast<double>(i % 4);
    double row_y = y + 30 * static_cast<double>(i / 4);
    Text(page, x, row_y, rows[i].label, 7.5, true).grey = 0.3;
    Text(page, x, row_y + 12, rows[i].value, 9.5, false, Align::kLeft, rows[i].fields);
  }
  return y + 30 * static_cast<double>((rows.size() + 3) / 4);
}

}  // namespace

void LayOutBusinessDocument(const SampleDocument& doc, const Style& style, Rng& rng, Page& page) {
  const Vocabulary& v = VocabularyFor(doc.language);
  bool invoice = doc.type == DocType::kInvoice;
  std::string title = invoice                               ? rng.Pick(v.invoice_title)
                      : doc.type == DocType::kPurchaseOrder ? v.po_title
                                                            : v.delivery_title;
  double header_bottom = LayOutHeader(doc, style, rng, title, invoice, page);

  double y = std::max(header_bottom + 28, 150.0);
  double block_top = y;
  if (doc.language == Language::kGerman && rng.Chance(0.5)) {
    // The one-line sender above the window envelope's address (DIN 5008): a distractor.
    std::vector<std::string> parts = {doc.vendor.name};
    parts.insert(parts.end(), doc.vendor.address_lines.begin(), doc.vendor.address_lines.end());
    Text(page, kLeft, y, absl::StrJoin(parts, " · "), 6.5).grey = 0.3;
    y += 13;
  }
  if (rng.Chance(0.7)) {
    std::string label = invoice                               ? rng.Pick(v.bill_to)
                        : doc.type == DocType::kPurchaseOrder ? v.supplier
                                                              : v.ship_to;
    Text(page, kLeft, y, label, 8, true).grey = 0.35;
    y += 12;
  }
  Text(page, kLeft, y, doc.customer.name, 10, rng.Chance(0.5), Align::kLeft, {"customer_name"});
  y += 12;
  for (const std::string& line : doc.customer.address_lines) {
    Text(page, kLeft, y, line, 9.5);
    y += 11.5;
  }
  double meta_bottom = 0;
  std::vector<Meta> rows = MetaRows(doc, style, rng);
  // Some invoices print the number right below the title ("INVOICE" / "# 1042") instead of in
  // the meta block.
  const bool under_title = invoice && style.header != 2 && rng.Chance(0.15);
  if (under_title) {
    std::erase_if(
        rows, [](const Meta& m) { return !m.fields.empty() && m.fields[0] == "invoice_number"; });
    const double size = 10.5;
    const std::string mark = rng.Pick(std::vector<std::string>{"#", "No.", "Nr."});
    if (style.header == 1) {  // the title is on the left
      Text(page, kLeft, 86, mark, size);
      Text(page, kLeft + ApproxWidth(mark + " ", size), 86, doc.number, size, false, Align::kLeft,
           {"invoice_number"});
    } else {
      Text(page, kRight, 86, doc.number, size, false, Align::kRight, {"invoice_number"});
      Text(page, kRight - ApproxWidth(doc.number + " ", size), 86, mark, size, false,
           Align::kRight);
    }
  }
  if (style.meta_place == 0) {
    meta_bottom = LayOutMeta(rows, style, rng, block_top, page);
  } else {
    meta_bottom = LayOutMeta(rows, style, rng, y + 22, page);
  }
  double table_top = std::max(y, meta_bottom) + 30;
  double table_bottom = table_top;
  LayOutTable(doc, style, rng, table_top, page, table_bottom);
  LayOutTotalsAndFooter(doc, style, rng, table_bottom, page);
}

void LayOutTable(const SampleDocument& doc, const Style& style, Rng& rng, double top, Page& page,
                 double& bottom) {
  const Vocabulary& v = VocabularyFor(doc.language);
  bool prices = doc.type != DocType::kDeliveryNote;
  bool tagged = doc.type == DocType::kInvoice;
  std::vector<Column> columns = Columns(style.table, prices);
  double fixed = 0;
  for (Column c : columns) fixed += ColumnWidth(c);
  double description_width = (kRight - kLeft) - fixed;

  std::vector<double> left_edges;
  double x = kLeft;
  for (Column c : columns) {
    left_edges.push_back(x);
    x += c == Column::kDescription ? description_width : ColumnWidth(c);
  }
  auto header_text = [&](Column c) -> std::string {
    switch (c) {
      case Column::kPos:
        return rng.Pick(v.item);
      case Column::kCode:
        return rng.Pick(v.code);
      case Column::kDescription:
        return rng.Pick(v.description);
      case Column::kQuantity:
        return rng.Pick(v.quantity);
      case Column::kUnitPrice:
        return rng.Pick(v.unit_price);
      case Column::kTaxRate:
        return rng.Pick(v.tax_rate);
      case Column::kAmount:
        return rng.Pick(v.amount);
    }
    return "";
  };
  auto is_numeric = [](Column c) { return c != Column::kDescription && c != Column::kCode; };

  double y = top;
  if (!style.table_grid || rng.Chance(0.5)) {
    page.shades.push_back({kLeft, y - 11, kRight - kLeft, 16, 0.88});
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    bool numeric = is_numeric(columns[i]) && columns[i] != Column::kPos;
    double width = columns[i] == Column::kDescription ? description_width : ColumnWidth(columns[i]);
    std::string text = header_text(columns[i]);
    double size = ApproxWidth(text, 8.5) > width - 4 ? 7 : 8.5;
    Text(page, numeric ? left_edges[i] + width - 3 : left_edges[i] + 3, y, text, size, true,
         numeric ? Align::kRight : Align::kLeft);
  }
  page.rules.push_back({kLeft, y + 5, kRight, y + 5, 0.8});
  y += 19;
  for (size_t n = 0; n < doc.lines.size(); ++n) {
    const Line& line = doc.lines[n];
    std::string key = absl::StrCat("line_items.", n, ".");
    auto fields = [&](const char* name) {
      return tagged ? std::vector<std::string>{key + name} : std::vector<std::string>{};
    };
    for (size_t i = 0; i < columns.size(); ++i) {
      double width =
          columns[i] == Column::kDescription ? description_width : ColumnWidth(columns[i]);
      double right = left_edges[i] + width - 3;
      double left = left_edges[i] + 3;
      switch (columns[i]) {
        case Column::kPos:
          Text(page, left, y, absl::StrCat(n + 1), 9);
          break;
        case Column::kCode:
          Text(page, left, y, line.item_code, 8.5);
          break;
        case Column::kDescription: {
          double size = 9;
          while (size > 6 && ApproxWidth(line.description, size) > width - 6) size -= 0.5;
          Text(page, left, y, line.description, size, false, Align::kLeft, fields("description"));
          break;
        }
        case Column::kQuantity:
          Text(page, right, y, FormatQuantity(line.quantity_hundredths, style.number), 9, false,
               Align::kRight, fields("quantity"));
          break;
        case Column::kUnitPrice:
          Text(page, right, y, FormatAmount(line.unit_price_cents, style.number), 9, false,
               Align::kRight, fields("unit_price"));
          break;
        case Column::kTaxRate:
          Text(page, right, y, FormatPercent(line.tax_rate_bp, style.number, style.percent_space),
               8.5, false, Align::kRight);
          break;
        case Column::kAmount:
          Text(page, right, y, FormatAmount(line.amount_cents, style.number), 9, false,
               Align::kRight, fields("amount"));
          break;
      }
    }
    if (style.table_grid) page.rules.push_back({kLeft, y + 5, kRight, y + 5, 0.3});
    y += 17;
  }
  page.rules.push_back({kLeft, y - 10, kRight, y - 10, 0.8});
  bottom = y;
}

}  // namespace flowline::samples::layout_internal
