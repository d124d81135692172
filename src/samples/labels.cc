// The label line of a generated document (docs/design/document-ai.md: "Labelled datasets").
// A field is labelled exactly when the layout printed it, so "a field that is not on the
// document is absent" holds by construction.
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "samples/generator.h"

namespace flowline::samples {
namespace {

using OrderedJson = nlohmann::ordered_json;

std::string CollapseWhitespace(const std::string& text) {
  return absl::StrJoin(absl::StrSplit(text, absl::ByAnyChar(" \t\n"), absl::SkipEmpty()), " ");
}

}  // namespace

OrderedJson LabelFor(const std::string& file, bool scanned, const SampleDocument& doc,
                     const LaidOutDocument& layout) {
  std::set<std::string> printed;
  std::vector<std::string> vendor_address;
  for (const TextItem& item : layout.page.texts) {
    for (const std::string& field : item.fields) {
      printed.insert(field);
      if (field == "vendor_address") vendor_address.push_back(item.text);
    }
  }
  OrderedJson fields = OrderedJson::object();
  auto put = [&](const std::string& name, const std::string& value) {
    if (printed.count(name) > 0) fields[name] = value;
  };
  bool invoice = doc.type == DocType::kInvoice;
  put("invoice_number", doc.number);
  put("invoice_date", IsoDate(doc.date));
  put("document_date", IsoDate(doc.date));
  if (doc.due_date) put("due_date", IsoDate(*doc.due_date));
  put("vendor_name", doc.vendor.name);
  put("vendor_address", CollapseWhitespace(absl::StrJoin(vendor_address, " ")));
  put("customer_name", doc.customer.name);
  put("po_number", doc.po_number);
  put("currency", doc.currency);
  put("net_amount", NormaliseAmount(doc.net_cents));
  put("tax_amount", NormaliseAmount(doc.tax_cents));
  put("total_amount", NormaliseAmount(doc.total_cents));
  if (invoice && printed.count("line_items.0.description") > 0) {
    OrderedJson items = OrderedJson::array();
    for (const Line& line : doc.lines) {
      OrderedJson item = OrderedJson::object();
      item["description"] = line.description;
      item["quantity"] = NormaliseQuantity(line.quantity_hundredths);
      item["unit_price"] = NormaliseAmount(line.unit_price_cents);
      item["amount"] = NormaliseAmount(line.amount_cents);
      items.push_back(std::move(item));
    }
    fields["line_items"] = std::move(items);
  }

  OrderedJson label = OrderedJson::object();
  label["file"] = file;
  label["doc_type"] = DocTypeName(doc.type);
  if (printed.count("invoice_date") > 0 || printed.count("document_date") > 0) {
    label["date_order"] = DateOrder(layout.style.date);
  }
  label["fields"] = std::move(fields);
  if (!doc.defect.empty()) label["defect"] = doc.defect;
  if (!doc.duplicate_of.empty()) label["duplicate_of"] = doc.duplicate_of;
  // Provenance for per-slice evaluation; readers that only know the dataset format ignore it.
  label["source"] = scanned ? "scan" : "pdf";
  label["layout"] = layout.style.Id();
  return label;
}

}  // namespace flowline::samples
