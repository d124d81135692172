// Test-only: a deterministic corpus of business documents as text, for training and testing
// `classify` without any file from outside the project. Four labels (invoice, receipt, letter,
// purchase_order) from templates with varied phrasing and random vendors, people, items,
// amounts and dates; all labels share the vendors, items and numbers, so the model must learn
// the words that tell the document types apart.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/json_util.h"

namespace flowline::ai::testing {

struct LabelledText {
  std::string text;
  std::string label;
};

inline const std::vector<std::string>& CorpusLabels() {
  static const auto* labels =
      new std::vector<std::string>{"invoice", "letter", "purchase_order", "receipt"};
  return *labels;
}

class CorpusGenerator {
 public:
  explicit CorpusGenerator(uint64_t seed) : rng_(seed) {}

  // `per_label` documents of each label, labels interleaved.
  std::vector<LabelledText> Generate(int per_label) {
    std::vector<LabelledText> out;
    for (int i = 0; i < per_label; ++i) {
      for (const std::string& label : CorpusLabels()) out.push_back({Document(label), label});
    }
    return out;
  }

  // JSONL lines {"text", "label"}.
  static std::string ToJsonl(const std::vector<LabelledText>& docs) {
    std::string out;
    for (const LabelledText& d : docs) {
      absl::StrAppend(&out, Json{{"text", d.text}, {"label", d.label}}.dump(), "\n");
    }
    return out;
  }

  std::string Document(const std::string& label) {
    const std::string vendor = Pick(kVendors);
    const std::string person = Pick(kPeople);
    const std::string item = Pick(kItems);
    const std::string amount = Amount();
    const std::string date = Date();
    if (label == "invoice") {
      return absl::StrCat(Pick({"INVOICE", "Tax invoice", "Invoice", "Rechnung / Invoice"}), "\n",
                          vendor, "\n", Pick({"Invoice number", "Invoice no.", "Invoice #"}),
                          ": INV-", Number(5), "\n", Pick({"Invoice date", "Date of issue"}), ": ",
                          date, "\nBill to: ", Pick(kVendors), "\n", item, " ", Number(1), " x ",
                          Amount(), " ", amount, "\n",
                          Pick({"Subtotal", "Net amount", "Amount before tax"}), " ", amount, "\n",
                          Pick({"VAT 19%", "Tax 8%", "Sales tax"}), " ", Amount(), "\n",
                          Pick({"Total due", "Amount due", "Balance due"}), " ", amount, " EUR\n",
                          Pick({"Payment terms: net 30 days.", "Please pay within 14 days.",
                                "Due date: " + Date()}),
                          " ",
                          Pick({"Bank transfer to IBAN DE", "Remit payment to account",
                                "Pay by wire transfer, reference INV-"}),
                          Number(8));
    }
    if (label == "receipt") {
      return absl::StrCat(vendor, "\n", Pick({"Store", "Branch", "Outlet"}), " #", Number(3), "\n",
                          date, " ", Number(2), ":", Number(2), "\n",
                          Pick({"Cashier", "Served by", "Operator"}), ": ", person, "\n", item, " ",
                          amount, "\n", Pick(kItems), " ", Amount(), "\n",
                          Pick({"TOTAL", "Total paid", "Amount paid"}), " ", amount, "\n",
                          Pick({"CASH", "VISA ****", "Mastercard ****", "Debit card ****"}),
                          Number(4), "\n", Pick({"Change", "Tendered"}), " ", Amount(), "\n",
                          Pick({"Thank you for shopping with us!", "Please keep your receipt.",
                                "No refund without receipt.", "Come again soon!"}));
    }
    if (label == "letter") {
      return absl::StrCat(
          vendor, "\n", date, "\n", Pick({"Dear", "Hello", "Dear Mr.", "Dear Ms."}), " ", person,
          ",\n",
          Pick({"Thank you for your letter regarding", "We are writing to inform you about",
                "Following our conversation about", "We would like to confirm our meeting about"}),
          " ", item, ". ",
          Pick({"We look forward to working with you.", "Please do not hesitate to contact us.",
                "We appreciate your continued partnership.",
                "Our team will get in touch next week."}),
          " ", Pick({"Kind regards,", "Yours sincerely,", "Best wishes,", "Sincerely,"}), "\n",
          Pick(kPeople), "\n", vendor);
    }
    return absl::StrCat(
        Pick({"PURCHASE ORDER", "Purchase order", "Order form"}), "\n",
        Pick({"PO number", "PO #", "Order number"}), ": PO-", Number(6), "\n",
        Pick({"Order date", "Issued"}), ": ", date, "\n", Pick({"Supplier", "Vendor"}), ": ",
        vendor, "\n", Pick({"Ship to", "Deliver to", "Delivery address"}), ": ", Pick(kVendors),
        "\n", Pick({"Please supply", "Please deliver", "We order"}), " ", Number(2), " ", item,
        " at ", amount, "\n", Pick({"Requested delivery", "Deliver by", "Required by"}), " ",
        Date(), "\n", Pick({"Authorised by", "Approved by", "Buyer"}), ": ", person);
  }

 private:
  static constexpr const char* kVendors[] = {
      "Acme Corporation GmbH", "Globex Ltd",          "Initech Inc.",      "Umbrella Supplies AG",
      "Stark Industries",      "Wayne Enterprises",   "Hooli LLC",         "Vandelay Imports",
      "Soylent Foods",         "Wonka Confectionery", "Cyberdyne Systems", "Tyrell Corp"};
  static constexpr const char* kPeople[] = {"Anna Schmidt", "John Miller",  "Maria Rossi",
                                            "Kenji Tanaka", "Fatima Khan",  "Pierre Dubois",
                                            "Olga Ivanova", "Carlos Mendes"};
  static constexpr const char* kItems[] = {
      "office chairs",   "printer paper",    "consulting services", "laptop repair",
      "coffee beans",    "software licence", "cleaning supplies",   "steel bolts",
      "shipping crates", "training workshop"};

  template <size_t N>
  std::string Pick(const char* const (&options)[N]) {
    return options[rng_() % N];
  }
  std::string Pick(std::initializer_list<std::string> options) {
    return *(options.begin() + rng_() % options.size());
  }
  std::string Number(int digits) {
    std::string out;
    for (int i = 0; i < digits; ++i) out.push_back(static_cast<char>('0' + rng_() % 10));
    return out;
  }
  std::string Amount() {
    return absl::StrFormat("%d.%02d", static_cast<int>(rng_() % 5000),
                           static_cast<int>(rng_() % 100));
  }
  std::string Date() {
    return absl::StrFormat("%02d.%02d.20%02d", static_cast<int>(1 + rng_() % 28),
                           static_cast<int>(1 + rng_() % 12), static_cast<int>(20 + rng_() % 7));
  }

  std::mt19937_64 rng_;
};

}  // namespace flowline::ai::testing
