// The label words printed on documents, per language, with several synonyms each ("Invoice No.",
// "Invoice #", "Invoice Number", "Bill No"): a learned extractor must generalise over them
// rather than memorise one. The layout picks one synonym per document.
//
// Immutable static tables; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "samples/catalog.h"

namespace flowline::samples {

struct Vocabulary {
  std::vector<std::string> invoice_title;    // "INVOICE", "Tax Invoice"
  std::vector<std::string> invoice_number;   // "Invoice No.", "Invoice #"
  std::vector<std::string> invoice_date;     // "Invoice date", "Date"
  std::vector<std::string> due_date;         // "Due date", "Payment due"
  std::vector<std::string> po_number;        // "PO number", "Your order"
  std::vector<std::string> customer_number;  // "Customer No."
  std::vector<std::string> delivery_date;    // "Delivery date"
  std::vector<std::string> order_date;       // "Order date"
  std::vector<std::string> bill_to;          // "Bill to", "Invoice to"
  std::vector<std::string> item;             // "Pos.", "#"
  std::vector<std::string> code;             // "Item", "Art.-Nr."
  std::vector<std::string> description;      // "Description"
  std::vector<std::string> quantity;         // "Qty"
  std::vector<std::string> unit_price;       // "Unit price"
  std::vector<std::string> amount;           // "Amount"
  std::vector<std::string> tax_rate;         // "VAT %"
  std::vector<std::string> net;              // "Subtotal", "Net amount"
  std::vector<std::string> total;            // "Total", "Amount due"
  std::vector<std::string> phone;            // "Tel.", "Phone"
  std::vector<std::string> tax_id;           // "VAT ID", "USt-IdNr."
  std::vector<std::string> bank;             // "IBAN"
  std::string payment_terms;                 // "Payable within %d days without deduction."
  std::string amounts_in;                    // "All amounts in %s"
  std::string thanks;                        // "Thank you for your business."
  std::string page;                          // "Page 1 of 1"
  std::string receipt_title;                 // "RECEIPT"
  std::string receipt_number;                // "Receipt no."
  std::string included_tax;                  // "incl. %s %s"
  std::string paid_by_card;                  // "Paid by card"
  std::string po_title;                      // "PURCHASE ORDER"
  std::string po_label;                      // "Order number"
  std::string deliver_by;                    // "Requested delivery"
  std::string supplier;                      // "Supplier"
  std::string delivery_title;                // "DELIVERY NOTE"
  std::string delivery_label;                // "Delivery note no."
  std::string ship_to;                       // "Ship to"
  std::string greeting;                      // "Dear Sir or Madam,"
  std::string closing;                       // "Kind regards"
  std::string subject;                       // "Subject"
  std::string contact;                       // "Contact"
};

const Vocabulary& VocabularyFor(Language language);

}  // namespace flowline::samples
