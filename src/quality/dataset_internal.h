// Shared by the dataset loaders (dataset.cc, importers.cc); not part of quality's interface.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "quality/dataset.h"

namespace flowline::quality::internal {

absl::StatusOr<std::string> ReadWholeFile(const std::string& path);
bool FileExists(const std::string& path);

// Normalises `label` as field `name` of `dataset` and stores it in `doc`; an empty label is
// "not on the document"; one that does not parse becomes a warning naming `where`.
void SetField(Dataset& dataset, LabelledDocument& doc, const std::string& name,
              std::string_view label, std::string_view where);

absl::Status LoadSroie(Dataset& dataset);
absl::Status LoadFcc(Dataset& dataset);
absl::Status LoadInvoice2data(Dataset& dataset);
absl::Status LoadZugferd(Dataset& dataset);

}  // namespace flowline::quality::internal
