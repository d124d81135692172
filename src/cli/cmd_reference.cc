// flowline reference load: the business's reference data (vendor master, purchase orders,
// customers) into the reference database that `match` steps search.
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "ai/match/reference_data.h"
#include "ai/match/reference_store.h"
#include "cli/commands.h"

namespace flowline::cli {

void AddReferenceCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto* reference = app.add_subcommand(
      "reference", "Reference data for `match` steps: vendors, purchase orders, customers");
  reference->require_subcommand(1);

  auto options = std::make_shared<ai::ReferenceLoadOptions>();
  auto from = std::make_shared<std::string>();
  auto db = std::make_shared<std::string>();
  auto* load = reference->add_subcommand(
      "load",
      "Create or replace a reference table from a CSV file (first line: column names) or a JSONL "
      "file (one object per line), with a trigram index over its text columns. All or nothing: "
      "a bad file leaves the old table as it was.");
  load->add_option("--table", options->table,
                   "The table to create or replace, e.g. vendors (letters, digits, _)")
      ->required();
  load->add_option("--from", *from, "The data: a .csv or .jsonl file")->required();
  load->add_option("--key", options->key,
                   "A column whose values identify rows: each must be present and unique");
  load->add_option("--reference", *db,
                   "The reference database to write (created if missing); default: the global "
                   "--reference, reference.db");
  load->callback([options, from, db, &global, &exit_code] {
    options->db_path = db->empty() ? global.reference_db : *db;
    options->source = *from;
    options->now = absl::Now();
    absl::StatusOr<ai::ReferenceData> data = ai::ReadReferenceFile(*from);
    if (!data.ok()) {
      exit_code = Fail(data.status());
      return;
    }
    absl::StatusOr<ai::ReferenceTableInfo> info = ai::LoadReferenceTable(*data, *options);
    if (!info.ok()) {
      exit_code = Fail(info.status());
      return;
    }
    std::vector<std::string> text_columns;
    for (const ai::ReferenceColumn& c : info->columns) {
      if (c.kind == ai::ColumnKind::kText) text_columns.push_back(c.name);
    }
    std::cout << "loaded " << info->rows << (info->rows == 1 ? " row" : " rows") << " into "
              << info->name << " in " << options->db_path << " (" << info->columns.size()
              << " columns; searchable text: " << absl::StrJoin(text_columns, ", ") << ")\n";
  });
}

}  // namespace flowline::cli
