#include "ai/extract/line_items.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ai/extract/normalize.h"

namespace flowline::ai {
namespace {

enum class Role { kNone, kPos, kCode, kDescription, kQuantity, kUnitPrice, kTax, kAmount };

bool IsNumericRole(Role r) {
  return r == Role::kQuantity || r == Role::kUnitPrice || r == Role::kTax || r == Role::kAmount;
}

// Header words of the four label languages of the samples and common real invoices. Longer
// phrases win ("unit price" before "price", "total price" before "price").
struct Phrase {
  const char* text;
  Role role;
};
const std::vector<Phrase>& HeaderPhrases() {
  static const auto* const kPhrases =
      new std::vector<Phrase>{// description
                              {"item description", Role::kDescription},
                              {"description", Role::kDescription},
                              {"service", Role::kDescription},
                              {"services", Role::kDescription},
                              {"details", Role::kDescription},
                              {"particulars", Role::kDescription},
                              {"product", Role::kDescription},
                              {"bezeichnung", Role::kDescription},
                              {"beschreibung", Role::kDescription},
                              {"leistung", Role::kDescription},
                              {"artikelbezeichnung", Role::kDescription},
                              {"leistungsbeschreibung", Role::kDescription},
                              {"désignation", Role::kDescription},
                              {"designation", Role::kDescription},
                              {"libellé", Role::kDescription},
                              {"omschrijving", Role::kDescription},
                              {"beschrijving", Role::kDescription},
                              // quantity
                              {"hours/qty", Role::kQuantity},
                              {"std./menge", Role::kQuantity},
                              {"qty", Role::kQuantity},
                              {"quantity", Role::kQuantity},
                              {"units", Role::kQuantity},
                              {"hours", Role::kQuantity},
                              {"hrs", Role::kQuantity},
                              {"pcs", Role::kQuantity},
                              {"menge", Role::kQuantity},
                              {"anzahl", Role::kQuantity},
                              {"stk", Role::kQuantity},
                              {"qté", Role::kQuantity},
                              {"quantité", Role::kQuantity},
                              {"aantal", Role::kQuantity},
                              {"hoeveelheid", Role::kQuantity},
                              // amount (before unit price: "total price" is the amount)
                              {"line total", Role::kAmount},
                              {"total price", Role::kAmount},
                              {"net amount", Role::kAmount},
                              {"montant ht", Role::kAmount},
                              {"total ht", Role::kAmount},
                              {"ext. price", Role::kAmount},
                              {"amount", Role::kAmount},
                              {"total", Role::kAmount},
                              {"net", Role::kAmount},
                              {"extended", Role::kAmount},
                              {"betrag", Role::kAmount},
                              {"gesamtpreis", Role::kAmount},
                              {"gesamt", Role::kAmount},
                              {"nettobetrag", Role::kAmount},
                              {"gesamtbetrag", Role::kAmount},
                              {"montant", Role::kAmount},
                              {"bedrag", Role::kAmount},
                              {"totaal", Role::kAmount},
                              // unit price
                              {"unit price", Role::kUnitPrice},
                              {"unit cost", Role::kUnitPrice},
                              {"prix unitaire", Role::kUnitPrice},
                              {"p.u ht", Role::kUnitPrice},
                              {"p.u", Role::kUnitPrice},
                              {"rate", Role::kUnitPrice},
                              {"price", Role::kUnitPrice},
                              {"each", Role::kUnitPrice},
                              {"einzelpreis", Role::kUnitPrice},
                              {"e-preis", Role::kUnitPrice},
                              {"preis", Role::kUnitPrice},
                              {"nettopreis", Role::kUnitPrice},
                              {"stückpreis", Role::kUnitPrice},
                              {"prix", Role::kUnitPrice},
                              {"prijs", Role::kUnitPrice},
                              {"stukprijs", Role::kUnitPrice},
                              // tax rate
                              {"tax rate", Role::kTax},
                              {"taux tva", Role::kTax},
                              {"tax", Role::kTax},
                              {"vat", Role::kTax},
                              {"gst", Role::kTax},
                              {"mwst", Role::kTax},
                              {"ust", Role::kTax},
                              {"tva", Role::kTax},
                              {"btw", Role::kTax},
                              {"steuersatz", Role::kTax},
                              {"%", Role::kTax},
                              // position and article code
                              {"#", Role::kPos},
                              {"pos", Role::kPos},
                              {"line", Role::kPos},
                              {"nr", Role::kPos},
                              {"no", Role::kPos},
                              {"n°", Role::kPos},
                              {"item", Role::kCode},
                              {"sku", Role::kCode},
                              {"code", Role::kCode},
                              {"art.-nr", Role::kCode},
                              {"artikel", Role::kCode},
                              {"artikelnr", Role::kCode},
                              {"art-nr-lief", Role::kCode},
                              {"art-nr", Role::kCode},
                              {"réf", Role::kCode},
                              {"ref", Role::kCode},
                              {"article", Role::kCode},
                              {"part no", Role::kCode}};
  return *kPhrases;
}

// Words that open the totals block below an item table.
const std::vector<std::string>& TotalsPhrases() {
  static const auto* const kPhrases = new std::vector<std::string>{"subtotal",
                                                                   "sub-total",
                                                                   "sub total",
                                                                   "total",
                                                                   "totals",
                                                                   "net amount",
                                                                   "net total",
                                                                   "amount due",
                                                                   "balance due",
                                                                   "balance",
                                                                   "grand total",
                                                                   "tax",
                                                                   "vat",
                                                                   "sales tax",
                                                                   "gst",
                                                                   "cgst",
                                                                   "sgst",
                                                                   "igst",
                                                                   "zwischensumme",
                                                                   "summe",
                                                                   "gesamtbetrag",
                                                                   "nettobetrag",
                                                                   "rechnungsbetrag",
                                                                   "gesamt",
                                                                   "mwst",
                                                                   "ust",
                                                                   "übertrag",
                                                                   "positionssumme",
                                                                   "zu zahlen",
                                                                   "sous-total",
                                                                   "total ht",
                                                                   "total ttc",
                                                                   "tva",
                                                                   "net à payer",
                                                                   "montant ttc",
                                                                   "montant ht",
                                                                   "subtotaal",
                                                                   "totaal",
                                                                   "btw",
                                                                   "te betalen",
                                                                   "carried forward",
                                                                   "brought forward"};
  return *kPhrases;
}

// Lower-case (ASCII letters and the few capitals of the label languages), without the
// punctuation that clings to labels ("Qty:", "(EUR)", "Pos.").
std::string Key(std::string_view word) {
  std::string s = absl::AsciiStrToLower(std::string(word));
  for (const auto& [upper, lower] : std::vector<std::pair<std::string, std::string>>{
           {"É", "é"}, {"Ü", "ü"}, {"Ö", "ö"}, {"Ä", "ä"}}) {
    for (size_t at = s.find(upper); at != std::string::npos; at = s.find(upper, at)) {
      s.replace(at, upper.size(), lower);
    }
  }
  if (s == "#" || s == "%") return s;
  auto punct = [](char c) {
    return c == '.' || c == ':' || c == ',' || c == '(' || c == ')' || c == '[' || c == ']' ||
           c == '#' || c == '*' || c == ';';
  };
  size_t b = 0, e = s.size();
  while (b < e && punct(s[b])) ++b;
  while (e > b && punct(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// Equal, or one edit apart for words of five letters or more (OCR: "Descriptlon", "Arnount").
bool SameWord(std::string_view a, std::string_view b) {
  if (a == b) return true;
  if (b.size() < 5 || a.size() + 1 < b.size() || b.size() + 1 < a.size()) return false;
  size_t i = 0, j = 0, edits = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      ++i;
      ++j;
      continue;
    }
    if (++edits > 1) return false;
    if (a.size() > b.size()) {
      ++i;
    } else if (b.size() > a.size()) {
      ++j;
    } else {
      ++i;
      ++j;
    }
  }
  return edits + (a.size() - i) + (b.size() - j) <= 1;
}

struct RowWord {
  const Word* word;
  double cx = 0;  // centre, x
};

struct Row {
  std::vector<RowWord> words;  // left to right
  double y = 0;                // centre after removing the skew
  double top = 0, bottom = 0;  // of the words' boxes
  std::string Text() const {
    std::vector<std::string> parts;
    for (const RowWord& w : words) parts.push_back(w.word->text);
    return absl::StrJoin(parts, " ");
  }
};

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// The page's rows: word centres corrected by the page's skew (the median slope of its lines,
// which Tesseract and poppler keep straight even on a tilted scan), clustered by height.
std::vector<Row> BuildRows(const Page& page, double* text_height) {
  std::vector<double> slopes, heights;
  for (const Line& line : page.lines) {
    for (const Word& w : line.words) heights.push_back(w.box.height());
    if (line.words.size() < 2) continue;
    const Box& a = line.words.front().box;
    const Box& b = line.words.back().box;
    const double dx = (b.x0 + b.x1 - a.x0 - a.x1) / 2;
    if (dx > 0.05) slopes.push_back(((b.y0 + b.y1) - (a.y0 + a.y1)) / 2 / dx);
  }
  const double slope = slopes.size() >= 3 ? Median(slopes) : 0.0;
  const double h = std::max(Median(heights), 1e-4);
  *text_height = h;
  struct Placed {
    const Word* word;
    double y;
  };
  std::vector<Placed> placed;
  for (const Line& line : page.lines) {
    for (const Word& w : line.words) {
      const double cx = (w.box.x0 + w.box.x1) / 2;
      placed.push_back({&w, (w.box.y0 + w.box.y1) / 2 - slope * cx});
    }
  }
  std::sort(placed.begin(), placed.end(),
            [](const Placed& a, const Placed& b) { return a.y < b.y; });
  std::vector<Row> rows;
  double sum = 0;
  for (const Placed& p : placed) {
    if (rows.empty() || p.y - sum / static_cast<double>(rows.back().words.size()) > 0.5 * h) {
      rows.emplace_back();
      rows.back().top = p.word->box.y0;
      rows.back().bottom = p.word->box.y1;
      sum = 0;
    }
    Row& row = rows.back();
    row.words.push_back({p.word, (p.word->box.x0 + p.word->box.x1) / 2});
    row.top = std::min(row.top, p.word->box.y0);
    row.bottom = std::max(row.bottom, p.word->box.y1);
    sum += p.y;
    row.y = sum / static_cast<double>(row.words.size());
  }
  for (Row& row : rows) {
    std::sort(row.words.begin(), row.words.end(),
              [](const RowWord& a, const RowWord& b) { return a.word->box.x0 < b.word->box.x0; });
  }
  return rows;
}

// Phrases of `phrases` found in the row, greedily longest first: (first word, word count, index).
struct Match {
  size_t first = 0, count = 0, phrase = 0;
};
template <typename Text>
std::vector<Match> FindPhrases(const Row& row, const std::vector<Text>& phrases,
                               const std::function<std::string(const Text&)>& text_of) {
  std::vector<std::string> keys;
  for (const RowWord& w : row.words) keys.push_back(Key(w.word->text));
  std::vector<Match> found;
  for (size_t i = 0; i < keys.size();) {
    size_t best_len = 0, best = 0;
    for (size_t p = 0; p < phrases.size(); ++p) {
      const std::string text = text_of(phrases[p]);
      size_t words = 1 + static_cast<size_t>(std::count(text.begin(), text.end(), ' '));
      if (words <= best_len || i + words > keys.size()) continue;
      bool same = true;
      size_t at = 0;
      for (size_t k = 0; k < words && same; ++k) {
        const size_t space = text.find(' ', at);
        same = SameWord(keys[i + k], std::string_view(text).substr(at, space - at));
        at = space == std::string::npos ? text.size() : space + 1;
      }
      if (same) {
        best_len = words;
        best = p;
      }
    }
    if (best_len > 0) {
      found.push_back({i, best_len, best});
      i += best_len;
    } else {
      ++i;
    }
  }
  return found;
}

struct Column {
  Role role = Role::kNone;
  double x0 = 0, x1 = 0;  // the header's extent
  double lo = 0, hi = 1;  // the band: from half-way to the left neighbour to half-way right
  // Where the values stand, learned from the rows with an amount (nullopt: not learned).
  std::optional<double> right, left, centre;
};

struct ColumnModel {
  std::vector<Column> columns;  // left to right
  const Column* Find(Role role) const {
    for (const Column& c : columns) {
      if (c.role == role) return &c;
    }
    return nullptr;
  }
  int BandOf(double x) const {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (x >= columns[i].lo && x < columns[i].hi) return static_cast<int>(i);
    }
    return -1;
  }
};

bool HasMoneyNumber(const Row& row) {
  for (const RowWord& w : row.words) {
    std::optional<CellNumber> n = ParseCellNumber(w.word->text);
    if (n && n->decimals >= 2 && w.word->text.find('%') == std::string::npos) return true;
  }
  return false;
}

// The row as a table header, if it is one: two or more column roles, one of them the amount, and
// at least one of quantity, unit price, description; most of its words header words; no amounts.
std::optional<ColumnModel> ReadHeader(const Row& row) {
  const std::vector<Match> found = FindPhrases<Phrase>(
      row, HeaderPhrases(), [](const Phrase& p) { return std::string(p.text); });
  std::set<Role> roles;
  size_t covered = 0;
  for (const Match& m : found) {
    roles.insert(HeaderPhrases()[m.phrase].role);
    covered += m.count;
  }
  if (roles.count(Role::kAmount) == 0 || roles.size() < 2) return std::nullopt;
  if (roles.count(Role::kQuantity) + roles.count(Role::kUnitPrice) +
          roles.count(Role::kDescription) ==
      0) {
    return std::nullopt;
  }
  if (static_cast<double>(covered) < 0.6 * static_cast<double>(row.words.size())) {
    return std::nullopt;
  }
  if (HasMoneyNumber(row)) return std::nullopt;
  ColumnModel model;
  for (const Match& m : found) {
    Column c;
    c.role = HeaderPhrases()[m.phrase].role;
    c.x0 = row.words[m.first].word->box.x0;
    c.x1 = row.words[m.first + m.count - 1].word->box.x1;
    // "Gesamt" or "Total" twice (a gross column after a net one): the rightmost amount wins, an
    // earlier one becomes an unnamed column.
    model.columns.push_back(c);
  }
  for (size_t i = 0; i + 1 < model.columns.size(); ++i) {
    for (size_t j = i + 1; j < model.columns.size(); ++j) {
      if (model.columns[i].role == model.columns[j].role && model.columns[i].role != Role::kNone) {
        model.columns[model.columns[i].role == Role::kAmount ? i : j].role = Role::kNone;
      }
    }
  }
  // Without a description header the first text column holds the descriptions ("Item").
  if (model.Find(Role::kDescription) == nullptr) {
    for (Column& c : model.columns) {
      if (c.role == Role::kCode || c.role == Role::kNone) {
        c.role = Role::kDescription;
        break;
      }
    }
  }
  for (size_t i = 0; i < model.columns.size(); ++i) {
    model.columns[i].lo = i == 0 ? 0.0 : (model.columns[i - 1].x1 + model.columns[i].x0) / 2;
    model.columns[i].hi =
        i + 1 == model.columns.size() ? 1.0 : (model.columns[i].x1 + model.columns[i + 1].x0) / 2;
  }
  return model;
}

bool IsTotalsRow(const Row& row) {
  return !FindPhrases<std::string>(row, TotalsPhrases(), [](const std::string& s) {
            return s;
          }).empty();
}

bool IsCurrencyWord(std::string_view word) {
  return NormalizeCurrency(word).has_value() && !ParseCellNumber(word).has_value();
}

// A number made of the adjacent number-like words of a band ("1 234,56", "€ 12.50", "3 m²": the
// last run of them, as the amount is the rightmost value), with the words it used.
struct Cell {
  CellNumber number;
  Box box;
  double confidence = 1;  // OCR: the lowest word confidence
  bool ocr = false;       // read by OCR (only OCR'd cells are ever corrected)
  std::vector<const Word*> words;
};

std::optional<Cell> ReadCell(const std::vector<const Word*>& words, double gap_limit) {
  std::vector<std::vector<const Word*>> runs;
  const Word* previous = nullptr;
  for (const Word* w : words) {
    if (IsCurrencyWord(w->text)) continue;
    const bool numeric =
        ParseCellNumber(w->text).has_value() ||
        (w->text.size() <= 3 && std::isdigit(static_cast<unsigned char>(w->text.front())));
    if (!numeric) {
      previous = nullptr;
      continue;
    }
    if (previous == nullptr || w->box.x0 - previous->box.x1 > gap_limit) runs.emplace_back();
    runs.back().push_back(w);
    previous = w;
  }
  for (auto run = runs.rbegin(); run != runs.rend(); ++run) {
    std::string text;
    for (const Word* w : *run) text += w->text;
    std::optional<CellNumber> n = ParseCellNumber(text);
    if (!n && run->size() > 1) n = ParseCellNumber(run->back()->text);
    if (!n) continue;
    Cell cell;
    cell.number = *n;
    cell.box = run->front()->box;
    for (const Word* w : *run) {
      cell.box = cell.box.Union(w->box);
      if (w->confidence) {
        cell.confidence = std::min(cell.confidence, *w->confidence);
        cell.ocr = true;
      }
      cell.words.push_back(w);
    }
    return cell;
  }
  return std::nullopt;
}

// One row read through the column model.
struct RowCells {
  std::optional<Cell> quantity, unit_price, amount;
  std::vector<const Word*> text;  // description words
  bool has_other_numbers = false;
};

bool Aligned(const Column& c, const Box& box, double tolerance) {
  if (!c.right) return true;  // nothing learned yet: the band decides
  const double cx = (box.x0 + box.x1) / 2;
  return std::abs(box.x1 - *c.right) <= tolerance || std::abs(box.x0 - *c.left) <= tolerance ||
         std::abs(cx - *c.centre) <= tolerance;
}

RowCells ReadRow(const Row& row, const ColumnModel& model, double gap_limit, double tolerance) {
  RowCells cells;
  std::vector<std::vector<const Word*>> bands(model.columns.size());
  std::vector<const Word*> outside;
  for (const RowWord& w : row.words) {
    const int band = model.BandOf(w.cx);
    (band < 0 ? outside : bands[band]).push_back(w.word);
  }
  for (size_t i = 0; i < model.columns.size(); ++i) {
    const Column& c = model.columns[i];
    if (c.role == Role::kDescription) {
      cells.text.insert(cells.text.end(), bands[i].begin(), bands[i].end());
      continue;
    }
    if (!IsNumericRole(c.role) || c.role == Role::kTax) continue;
    std::optional<Cell> cell = ReadCell(bands[i], gap_limit);
    if (cell && !Aligned(c, cell->box, tolerance)) {
      // A number that only reaches into the band (a description's "4,0000") is text.
      if (c.role != Role::kAmount) {
        const Column* description = model.Find(Role::kDescription);
        if (description != nullptr) {
          cells.text.insert(cells.text.end(), bands[i].begin(), bands[i].end());
        }
      }
      cells.has_other_numbers = true;
      cell.reset();
    }
    if (!cell) continue;
    std::optional<Cell>& slot = c.role == Role::kQuantity    ? cells.quantity
                                : c.role == Role::kUnitPrice ? cells.unit_price
                                                             : cells.amount;
    slot = std::move(cell);
  }
  std::sort(cells.text.begin(), cells.text.end(),
            [](const Word* a, const Word* b) { return a->box.x0 < b->box.x0; });
  return cells;
}

// Learns where each numeric column's values stand from the rows (below the header, before the
// first totals row) that have an amount in the amount band.
void LearnAlignment(const std::vector<Row>& rows, size_t first, ColumnModel& model,
                    double gap_limit) {
  std::vector<std::vector<double>> right(model.columns.size()), left(model.columns.size()),
      centre(model.columns.size());
  for (size_t r = first; r < rows.size(); ++r) {
    if (IsTotalsRow(rows[r]) || ReadHeader(rows[r])) break;
    RowCells cells = ReadRow(rows[r], model, gap_limit, 0);
    if (!cells.amount) continue;
    for (size_t i = 0; i < model.columns.size(); ++i) {
      const Column& c = model.columns[i];
      const std::optional<Cell>* cell = c.role == Role::kQuantity    ? &cells.quantity
                                        : c.role == Role::kUnitPrice ? &cells.unit_price
                                        : c.role == Role::kAmount    ? &cells.amount
                                                                     : nullptr;
      if (cell == nullptr || !*cell) continue;
      right[i].push_back((*cell)->box.x1);
      left[i].push_back((*cell)->box.x0);
      centre[i].push_back(((*cell)->box.x0 + (*cell)->box.x1) / 2);
    }
  }
  for (size_t i = 0; i < model.columns.size(); ++i) {
    if (right[i].size() < 2) continue;  // one row teaches nothing about alignment
    model.columns[i].right = Median(right[i]);
    model.columns[i].left = Median(left[i]);
    model.columns[i].centre = Median(centre[i]);
  }
}

// quantity × price against the amount: within half a unit of the price's last printed decimal
// per item (a price rounded for printing), plus a cent. All in 1e-4 units.
bool MultipliesOut(int64_t quantity, int64_t price, int price_decimals, int64_t amount) {
  const long double product = static_cast<long double>(quantity) * price / 10000.0L;
  long double half_unit = 5000.0L;  // half of 1 in 1e-4 units
  for (int i = 0; i < price_decimals; ++i) half_unit /= 10;
  const long double tolerance =
      std::abs(static_cast<long double>(quantity)) / 10000.0L * half_unit + 100.0L;
  return std::abs(product - static_cast<long double>(amount)) <= tolerance;
}

struct Building {
  LineItem item;
  bool quantity_column = false;  // the table has one
  std::optional<Cell> quantity, unit_price, amount;
  std::vector<std::string> description;
  double last_bottom = 0;
};

void AddWords(Building& b, const std::vector<const Word*>& words) {
  for (const Word* w : words) {
    b.item.box = b.item.box.Union(w->box);
    b.description.push_back(w->text);
  }
}

void AddCell(Building& b, const std::optional<Cell>& cell) {
  if (cell) b.item.box = b.item.box.Union(cell->box);
}

Building Start(const RowCells& cells, const Row& row, int page) {
  Building b;
  b.item.page = page;
  b.item.box = Box{1, 1, 0, 0};
  b.quantity = cells.quantity;
  b.unit_price = cells.unit_price;
  b.amount = cells.amount;
  AddCell(b, cells.quantity);
  AddCell(b, cells.unit_price);
  AddCell(b, cells.amount);
  AddWords(b, cells.text);
  b.last_bottom = row.bottom;
  return b;
}

// Whether two decimals differ in exactly one printed digit (the way OCR misreads: 7 for 1, 8 for
// 3), printed with `decimals` places; a value with more places than that is never one misread.
bool OneDigitOff(int64_t a, int64_t b, int decimals) {
  auto printed = [decimals](int64_t v) -> std::optional<std::string> {
    std::string text = FormatDecimal(v, decimals);
    const size_t dot = text.find('.');
    const int places = dot == std::string::npos ? 0 : static_cast<int>(text.size() - dot - 1);
    if (places > decimals) return std::nullopt;
    return text;
  };
  const std::optional<std::string> x = printed(a), y = printed(b);
  if (!x || !y || x->size() != y->size()) return false;
  int different = 0;
  for (size_t i = 0; i < x->size(); ++i) different += (*x)[i] != (*y)[i] ? 1 : 0;
  return different == 1;
}

// `amount` / `by` as a decimal of at most `decimals` places whose product with `by` rounds to
// `amount` exactly (to the cent), if there is one. All in 1e-4 units.
std::optional<int64_t> ExactQuotient(int64_t amount, int64_t by, int decimals) {
  if (by == 0) return std::nullopt;
  int64_t unit = 1;
  for (int i = decimals; i < 4; ++i) unit *= 10;
  const long double q = static_cast<long double>(amount) * 10000.0L / by;
  const int64_t rounded = std::llround(q / unit) * unit;
  if (rounded == 0) return std::nullopt;
  const long double product = static_cast<long double>(rounded) * by / 10000.0L;
  if (std::abs(product - static_cast<long double>(amount)) > 50.5L) return std::nullopt;
  return rounded;
}

// Levenshtein distance of the digits of two amounts (1e-4 units, printed with two decimals).
int DigitDistance(int64_t a, int64_t b) {
  auto digits = [](int64_t v) {
    std::string out;
    for (char c : FormatDecimal(v, 2)) {
      if (std::isdigit(static_cast<unsigned char>(c))) out += c;
    }
    return out;
  };
  const std::string x = digits(a), y = digits(b);
  std::vector<int> row(y.size() + 1);
  for (size_t j = 0; j <= y.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= x.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= y.size(); ++j) {
      const int up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (x[i - 1] == y[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[y.size()];
}

// A quantity the row's amount and price imply (OCR lost or garbled the printed one): a whole
// number, or two decimals when a price of 20 or more makes a chance fit unlikely (or nothing
// readable was printed).
std::optional<int64_t> ImpliedQuantity(int64_t amount, int64_t price, bool printed_readable) {
  if (std::llabs(price) < 10000) return std::nullopt;
  if (std::optional<int64_t> whole = ExactQuotient(amount, price, 0)) return whole;
  if (printed_readable && std::llabs(price) < 200000) return std::nullopt;
  return ExactQuotient(amount, price, 2);
}

// The finished row: readings chosen so that it multiplies out where one does, a cell OCR
// garbled recomputed from the other two, and its score. `recomputed_amount` is set when only the
// amount can be at fault (one digit off q × p): FindLineItems uses it if the table then adds up.
LineItem Finish(Building& b, std::optional<int64_t>* recomputed_amount) {
  LineItem& item = b.item;
  item.description = CollapseWhitespace(absl::StrJoin(b.description, " "));
  auto readings = [](const std::optional<Cell>& cell) {
    std::vector<std::pair<int64_t, int>> out;
    if (!cell) return out;
    out.push_back({cell->number.value, cell->number.decimals});
    if (cell->number.alternative) {
      out.push_back({*cell->number.alternative, cell->number.alternative_decimals});
    }
    return out;
  };
  auto as = readings(b.amount), qs = readings(b.quantity), ps = readings(b.unit_price);
  std::pair<int64_t, int> a = as.front();
  std::optional<std::pair<int64_t, int>> q, p;
  if (!qs.empty()) q = qs.front();
  if (!ps.empty()) p = ps.front();
  const bool ocr = (b.quantity && b.quantity->ocr) || (b.unit_price && b.unit_price->ocr) ||
                   (b.amount && b.amount->ocr);
  if (q && p) {
    item.multiplies_out = false;
    for (const auto& ai : as) {
      for (const auto& qi : qs) {
        for (const auto& pi : ps) {
          if (!*item.multiplies_out && MultipliesOut(qi.first, pi.first, pi.second, ai.first)) {
            item.multiplies_out = true;
            a = ai;
            q = qi;
            p = pi;
          }
        }
      }
    }
    if (!*item.multiplies_out && ocr) {
      // One cell is misread; the other two say what it was. A sign OCR added (a rule read as
      // '-'), then the quantity, then the price are recomputed; an amount only tentatively (the
      // table's sum decides, in FindLineItems).
      std::optional<int64_t> q2, p2;
      if ((a.first < 0 || q->first < 0 || p->first < 0) &&
          MultipliesOut(std::llabs(q->first), std::llabs(p->first), p->second,
                        std::llabs(a.first))) {
        item.corrected = a.first < 0 ? "amount" : q->first < 0 ? "quantity" : "unit_price";
        a.first = std::llabs(a.first);
        q->first = std::llabs(q->first);
        p->first = std::llabs(p->first);
      } else if ((q2 = ImpliedQuantity(a.first, p->first, !b.quantity->number.noisy))) {
        q = {*q2, 2};
        item.corrected = "quantity";
      } else if ((p2 = ExactQuotient(a.first, q->first, std::max(p->second, 2))) &&
                 (b.unit_price->number.noisy || OneDigitOff(*p2, p->first, p->second))) {
        p = {*p2, p->second};
        item.corrected = "unit_price";
      } else {
        const int64_t product =
            std::llround(static_cast<long double>(q->first) * p->first / 10000.0L / 100.0L) * 100;
        if (DigitDistance(product, a.first) <= 2) *recomputed_amount = product;
      }
      if (!item.corrected.empty()) item.multiplies_out = true;
    }
  } else if (!q && p && ocr && b.quantity_column) {
    // The quantity column's cell was not read at all.
    if (std::optional<int64_t> q2 = ImpliedQuantity(a.first, p->first, false)) {
      q = {*q2, 2};
      item.corrected = "quantity";
      item.multiplies_out = true;
    }
  }
  item.amount = FormatDecimal(a.first, 2);
  if (q) item.quantity = FormatDecimal(q->first, 0);
  if (p) item.unit_price = FormatDecimal(p->first, 2);
  double score = !item.multiplies_out      ? 0.75
                 : !*item.multiplies_out   ? 0.4
                 : !item.corrected.empty() ? 0.7
                                           : 0.9;
  double read = 1;  // the OCR confidence of its numbers
  for (const std::optional<Cell>* cell : {&b.quantity, &b.unit_price, &b.amount}) {
    if (*cell) read = std::min(read, (*cell)->confidence);
  }
  item.confidence = score * (0.5 + 0.5 * read);
  return item;
}

// The rightmost number of a row (a printed total).
std::optional<int64_t> RightmostNumber(const Row& row, double gap_limit) {
  std::vector<const Word*> words;
  for (const RowWord& w : row.words) words.push_back(w.word);
  std::optional<Cell> cell = ReadCell(words, gap_limit);
  if (!cell) return std::nullopt;
  return cell->number.value;
}

struct PageGeometry {
  double h = 0;          // median text height, page-height fractions
  double gap_limit = 0;  // widest gap inside one number, page-width fractions
  double tolerance = 0;  // how far a value may stand from its column's alignment
};

// Reads a table's body from row `first` on. Returns the index where reading stopped (a header
// stays unread for the caller's next search); `closed` says whether the table ended on this page.
size_t ReadBody(const std::vector<Row>& rows, size_t first, const ColumnModel& model, int page,
                const PageGeometry& g, bool continuation, std::vector<LineItem>& items,
                std::vector<std::optional<int64_t>>& recomputed, bool* closed) {
  std::optional<Building> current;
  double last_bottom = first > 0 ? rows[first - 1].bottom : 0;
  bool any = false;
  auto flush = [&] {
    if (current && current->amount) {
      current->quantity_column = model.Find(Role::kQuantity) != nullptr;
      recomputed.emplace_back();
      items.push_back(Finish(*current, &recomputed.back()));
    }
    current.reset();
  };
  *closed = true;
  size_t r = first;
  for (; r < rows.size(); ++r) {
    const Row& row = rows[r];
    if (ReadHeader(row)) break;
    const double gap = row.top - last_bottom;
    if (any && gap > 5 * g.h) break;
    RowCells cells = ReadRow(row, model, g.gap_limit, g.tolerance);
    if (IsTotalsRow(row) && !cells.quantity && !cells.unit_price) {
      if (continuation && !any) continue;  // "Übertrag" at the top of a continued page
      break;
    }
    if (cells.amount && continuation && !any && !cells.quantity && !cells.unit_price &&
        cells.amount->number.decimals < 2) {
      continue;  // "Page 2 of 2" above a continued table: not money, not an item
    }
    if (cells.amount) {
      if (current && !current->amount && !(cells.quantity && current->quantity) &&
          !(cells.unit_price && current->unit_price) && row.top - current->last_bottom <= g.h) {
        // The rest of a row whose cells OCR or the layout put a little higher or lower.
        if (cells.quantity) current->quantity = cells.quantity;
        if (cells.unit_price) current->unit_price = cells.unit_price;
        current->amount = cells.amount;
        AddCell(*current, cells.quantity);
        AddCell(*current, cells.unit_price);
        AddCell(*current, cells.amount);
        AddWords(*current, cells.text);
        current->last_bottom = std::max(current->last_bottom, row.bottom);
      } else {
        flush();
        current = Start(cells, row, page);
      }
      any = true;
    } else if (cells.quantity || cells.unit_price) {
      flush();
      current = Start(cells, row, page);
    } else if (!cells.text.empty() && current && gap <= 2.5 * g.h) {
      AddWords(*current, cells.text);
      current->last_bottom = row.bottom;
    } else if (!any) {
      continue;  // text between the header and the first item (a second header line)
    }
    last_bottom = row.bottom;
  }
  flush();
  if (r == rows.size() && any) *closed = false;
  return r;
}

}  // namespace

LineItemTable FindLineItems(const Document& doc,
                            const std::map<std::string, std::string>& amounts) {
  LineItemTable table;
  std::vector<int64_t> printed;                    // amounts of totals rows after a table
  std::vector<std::optional<int64_t>> recomputed;  // per row: its amount if OCR misread it
  std::optional<ColumnModel> open;
  int closed_on = -1;  // the page where the last table ended
  for (size_t p = 0; p < doc.pages.size(); ++p) {
    const Page& page = doc.pages[p];
    PageGeometry g;
    std::vector<Row> rows = BuildRows(page, &g.h);
    const double aspect = page.width > 0 && page.height > 0 ? page.height / page.width : 1.414;
    g.gap_limit = 0.6 * g.h * aspect;
    g.tolerance = 1.5 * g.h * aspect;
    // Totals rows below a finished table (on its page or later ones) hold what it should add up
    // to; `totals_from` is where they may start on this page.
    size_t totals_from = closed_on >= 0 ? 0 : rows.size();
    size_t r = 0;
    bool carried = open.has_value();
    while (r < rows.size()) {
      std::optional<ColumnModel> model;
      size_t body = rows.size();
      for (size_t i = r; i < rows.size(); ++i) {
        if ((model = ReadHeader(rows[i]))) {
          body = i + 1;
          break;
        }
      }
      const bool continuation = !model && carried;
      carried = false;
      if (continuation) {
        model = open;
        body = r;
      } else if (model) {
        LearnAlignment(rows, body, *model, g.gap_limit);
      } else {
        break;
      }
      bool closed = true;
      r = ReadBody(rows, body, *model, static_cast<int>(p), g, continuation, table.rows, recomputed,
                   &closed);
      open = closed ? std::nullopt : model;
      if (!closed) break;
      closed_on = static_cast<int>(p);
      totals_from = std::min(totals_from, r);
    }
    for (size_t t = totals_from; t < rows.size(); ++t) {
      if (!IsTotalsRow(rows[t])) continue;
      if (std::optional<int64_t> v = RightmostNumber(rows[t], g.gap_limit)) printed.push_back(*v);
    }
  }
  std::vector<int64_t> references;
  for (const auto& [name, value] : amounts) {
    if (std::optional<CellNumber> v = ParseCellNumber(value)) references.push_back(v->value);
  }
  references.insert(references.end(), printed.begin(), printed.end());
  table.had_reference = !references.empty();
  // What a sum equals: an extracted amount field by name, else a printed total.
  auto equals = [&](int64_t sum) -> std::optional<std::string> {
    for (const auto& [name, value] : amounts) {
      std::optional<CellNumber> v = ParseCellNumber(value);
      if (v && std::llabs(v->value - sum) <= 50) return name;
    }
    for (int64_t v : printed) {
      if (std::llabs(v - sum) <= 50) return std::string("printed total");
    }
    return std::nullopt;
  };
  int64_t sum = 0;
  for (const LineItem& item : table.rows) sum += ParseCellNumber(item.amount)->value;
  table.sum = FormatDecimal(sum, 2);
  if (table.rows.empty()) {
    table.had_reference = false;
    return table;
  }
  table.adds_up_to = equals(sum);
  if (!table.adds_up_to && !table.rows.empty()) {
    // Amounts OCR may have misread (one digit off q × p): taken when, and only when, the table
    // then adds up (each alone, or all of them).
    std::vector<std::vector<size_t>> tries;
    std::vector<size_t> all;
    for (size_t i = 0; i < recomputed.size(); ++i) {
      if (!recomputed[i]) continue;
      tries.push_back({i});
      all.push_back(i);
    }
    if (all.size() > 1) tries.push_back(all);
    for (const std::vector<size_t>& rows : tries) {
      int64_t changed = sum;
      for (size_t i : rows)
        changed += *recomputed[i] - ParseCellNumber(table.rows[i].amount)->value;
      if (std::optional<std::string> match = equals(changed)) {
        for (size_t i : rows) {
          LineItem& item = table.rows[i];
          item.amount = FormatDecimal(*recomputed[i], 2);
          item.corrected = "amount";
          item.multiplies_out = true;
          item.confidence *= 0.7 / 0.4;
        }
        sum = changed;
        table.adds_up_to = match;
        break;
      }
    }
  }
  table.sum = FormatDecimal(sum, 2);
  table.confidence = 1;
  for (LineItem& item : table.rows) {
    if (table.adds_up_to) {
      item.confidence = 1 - (1 - item.confidence) * 0.3;
    } else if (table.had_reference) {
      item.confidence *= 0.6;
    }
    table.confidence = std::min(table.confidence, item.confidence);
  }
  return table;
}

Json LineItemsJson(const Document& doc, const LineItemTable& table,
                   const std::vector<std::string>& columns) {
  auto wanted = [&columns](const char* c) {
    return std::find(columns.begin(), columns.end(), c) != columns.end();
  };
  Json rows = Json::array();
  for (const LineItem& item : table.rows) {
    Json row = Json::object();
    if (wanted("description")) row["description"] = item.description;
    if (wanted("quantity")) row["quantity"] = item.quantity ? Json(*item.quantity) : Json(nullptr);
    if (wanted("unit_price")) {
      row["unit_price"] = item.unit_price ? Json(*item.unit_price) : Json(nullptr);
    }
    row["amount"] = item.amount;
    row["confidence"] = item.confidence;
    row["multiplies_out"] = item.multiplies_out ? Json(*item.multiplies_out) : Json(nullptr);
    if (!item.corrected.empty()) row["corrected"] = item.corrected;
    row["evidence"] =
        Json{{"page", doc.pages[item.page].number},
             {"box", Json::array({item.box.x0, item.box.y0, item.box.x1, item.box.y1})}};
    rows.push_back(std::move(row));
  }
  return rows;
}

Json LineItemsSummaryJson(const LineItemTable& table) {
  return Json{{"rows", table.rows.size()},
              {"sum", table.sum},
              {"adds_up_to", table.adds_up_to ? Json(*table.adds_up_to) : Json(nullptr)},
              {"confidence", table.confidence}};
}

std::optional<CellNumber> ParseCellNumber(std::string_view text) {
  std::string s(text);
  // Currency signs and codes stuck to the number.
  for (const char* sign : {"€", "$", "£", "₹", "¥", "EUR", "USD", "GBP", "CHF", "INR", "SEK", "DKK",
                           "CAD", "AUD", "Rs.", "Rs", "RM", "Fr."}) {
    const std::string t(sign);
    if (s.size() > t.size() && s.compare(0, t.size(), t) == 0) s = s.substr(t.size());
    if (s.size() > t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0) {
      s = s.substr(0, s.size() - t.size());
    }
  }
  bool negative = false;
  bool noisy = false;
  // OCR junk at the ends: brackets without their pair, rules read as '|', stray marks.
  auto junk = [](char c) {
    return c == '}' || c == ']' || c == '{' || c == '[' || c == '|' || c == '_' || c == '~' ||
           c == '`' || c == '"' || c == '\'' || c == '*';
  };
  while (s.size() > 1 && (junk(s.back()) || (s.back() == ')' && s.front() != '(') ||
                          s.back() == '.' || s.back() == ',')) {
    s.pop_back();
    noisy = true;
  }
  while (s.size() > 1 && (junk(s.front()) || (s.front() == '(' && s.back() != ')'))) {
    s.erase(0, 1);
    noisy = true;
  }
  if (s.size() > 2 && s.front() == '(' && s.back() == ')') {
    negative = true;
    s = s.substr(1, s.size() - 2);
  }
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.erase(0, 1);
  }
  if (!s.empty() && s.back() == '-') {
    negative = true;
    s.pop_back();
  }
  if (s.empty() || s.find('%') != std::string::npos) return std::nullopt;
  // OCR's letter-for-digit swaps, only in a token that is mostly digits already.
  int digits = 0;
  for (char c : s) digits += std::isdigit(static_cast<unsigned char>(c)) ? 1 : 0;
  // A lone "l", "I" or "O" in a number's place is OCR's 1 or 0.
  if (s == "l" || s == "I" || s == "|" || s == "O") digits = 1;
  if (digits == 0 || digits * 2 < static_cast<int>(s.size())) return std::nullopt;
  std::string clean;
  for (char c : s) {
    switch (c) {
      case 'O':
      case 'o':
        clean += '0';
        noisy = true;
        break;
      case 'l':
      case 'I':
      case '|':
        clean += '1';
        noisy = true;
        break;
      case 'S':
        clean += '5';
        noisy = true;
        break;
      case 'B':
        clean += '8';
        noisy = true;
        break;
      case '\'':
      case ' ':
        clean += '\'';  // a grouping mark
        break;
      default:
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != ',') {
          return std::nullopt;
        }
        clean += c;
    }
  }
  if (!std::isdigit(static_cast<unsigned char>(clean.front())) ||
      !std::isdigit(static_cast<unsigned char>(clean.back()))) {
    return std::nullopt;
  }
  // The decimal separator is the last '.' or ','; what follows it decides: 1, 2 or 4 digits are
  // decimals, 3 are ambiguous unless the other separator came before (1.234,567 is odd anyway).
  const size_t last = clean.find_last_of(".,");
  auto to_value = [](const std::string& integer, const std::string& fraction) -> int64_t {
    std::string digits;
    for (char c : integer) {
      if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
    }
    if (digits.size() > 12) return -1;
    std::string frac = fraction.substr(0, 4);
    while (frac.size() < 4) frac += '0';
    return std::stoll(digits.empty() ? "0" : digits) * 10000 + std::stoll(frac);
  };
  CellNumber out;
  if (last == std::string::npos) {
    out.value = to_value(clean, "");
  } else {
    const std::string integer = clean.substr(0, last);
    const std::string fraction = clean.substr(last + 1);
    const char sep = clean[last];
    const bool other_before = integer.find(sep == '.' ? ',' : '.') != std::string::npos;
    const bool repeated = integer.find(sep) != std::string::npos;
    if (fraction.size() > 4 || fraction.empty()) return std::nullopt;
    if (fraction.size() == 3 && !other_before) {
      // 1,000: a thousand (grouping) or one (three decimals); grouping first.
      out.value = to_value(integer + fraction, "");
      if (!repeated) {
        out.alternative = to_value(integer, fraction);
        out.alternative_decimals = 3;
      }
    } else if (repeated && fraction.size() != 3) {
      // "1.234.56": OCR lost the comma; the last separator is the decimal one.
      out.value = to_value(integer, fraction);
      out.decimals = static_cast<int>(fraction.size());
    } else {
      out.value = to_value(integer, fraction);
      out.decimals = static_cast<int>(fraction.size());
    }
  }
  if (out.value < 0) return std::nullopt;
  out.noisy = noisy;
  if (negative) {
    out.value = -out.value;
    if (out.alternative) out.alternative = -*out.alternative;
  }
  return out;
}

std::string FormatDecimal(int64_t value, int min_decimals) {
  const bool negative = value < 0;
  const int64_t v = negative ? -value : value;
  std::string fraction = absl::StrCat(10000 + v % 10000).substr(1);
  while (static_cast<int>(fraction.size()) > min_decimals && fraction.back() == '0') {
    fraction.pop_back();
  }
  std::string out = absl::StrCat(negative ? "-" : "", v / 10000);
  if (!fraction.empty()) absl::StrAppend(&out, ".", fraction);
  return out;
}

}  // namespace flowline::ai
