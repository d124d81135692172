#include "store/dataset_append.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"

namespace flowline::store {
namespace {

// The same case as far as a version's content goes (what DatasetContentHash covers).
bool SameContent(const NewDatasetCase& a, const NewDatasetCase& b) {
  return a.input_json == b.input_json && a.expected_json == b.expected_json &&
         a.source == b.source && a.slices_json == b.slices_json;
}

}  // namespace

absl::Status ValidateDatasetAppend(const DatasetAppend& append) {
  const DatasetInfo& info = append.dataset;
  if (info.name.empty()) return absl::InvalidArgumentError("a dataset needs a name");
  if (info.validation_share < 0 || info.test_share < 0 ||
      info.validation_share + info.test_share > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset ", info.name, ": the validation share (", info.validation_share,
        ") and test share (", info.test_share, ") must be at least 0 and add up to at most 1"));
  }
  std::set<std::string> keys;
  for (const NewDatasetCase& c : append.cases) {
    if (c.case_key.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("dataset ", info.name, ": every case needs a case key"));
    }
    if (!keys.insert(c.case_key).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("dataset ", info.name, ": case key '", c.case_key, "' is given twice"));
    }
  }
  if (append.feed_from.has_value() && append.feed_to < *append.feed_from) {
    return absl::InvalidArgumentError("the corrections cursor cannot move back");
  }
  return absl::OkStatus();
}

std::vector<NewDatasetCase> DatasetRowsToWrite(const DatasetCaseMap& cases,
                                               const DatasetAppend& append) {
  std::vector<NewDatasetCase> rows;
  std::set<std::string> given;
  for (const NewDatasetCase& c : append.cases) {
    given.insert(c.case_key);
    auto it = cases.find(c.case_key);
    if (c.removed) {
      if (it != cases.end()) rows.push_back(c);
      continue;
    }
    if (it != cases.end() && SameContent(it->second.value, c)) continue;
    rows.push_back(c);
  }
  if (append.replace) {
    for (const auto& [key, c] : cases) {
      if (given.count(key) > 0) continue;
      NewDatasetCase removal;
      removal.case_key = key;
      removal.removed = true;
      rows.push_back(std::move(removal));
    }
  }
  return rows;
}

void BuildDatasetVersion(DatasetCaseMap& cases, const std::vector<NewDatasetCase>& rows,
                         const std::vector<int64_t>& seqs, const DatasetAppend& append,
                         int latest_version, DatasetAppendResult& result) {
  const std::string& name = append.dataset.name;
  int64_t max_seq = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const NewDatasetCase& row = rows[i];
    max_seq = std::max(max_seq, seqs[i]);
    auto it = cases.find(row.case_key);
    if (row.removed) {
      ++result.removed;
      if (it != cases.end()) cases.erase(it);
      continue;
    }
    ++(it == cases.end() ? result.added : result.changed);
    DatasetCase stored;
    stored.seq = seqs[i];
    stored.dataset = name;
    stored.value = row;
    stored.added_at = append.now;
    cases.insert_or_assign(row.case_key, std::move(stored));
  }
  std::vector<DatasetCase> all;
  all.reserve(cases.size());
  for (const auto& [key, c] : cases) all.push_back(c);

  DatasetVersion& version = result.version;
  version.dataset = name;
  version.version = latest_version + 1;
  version.max_seq = max_seq;
  version.content_hash = DatasetContentHash(all);
  version.case_count = static_cast<int64_t>(all.size());
  version.note = append.note;
  version.created_at = append.now;
  result.created = true;
}

}  // namespace flowline::store
