// Datasets (docs/datasets.md) for the web UI: the stored datasets, and one dataset's versions with
// what a version holds (cases per split, source, slice).
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "quality/dataset_store.h"
#include "server/handlers.h"
#include "server/json_views.h"

namespace flowline::server {
namespace {

Json DatasetJson(const store::DatasetInfo& info) {
  return {{"name", info.name},
          {"description", info.description},
          {"workflow", info.workflow},
          {"version", info.latest_version},
          {"created_at", Rfc3339(info.created_at)},
          {"split",
           {{"validation_share", info.validation_share},
            {"test_share", info.test_share},
            {"seed", info.split_seed}}}};
}

absl::StatusOr<Reply> ListDatasets(ServerContext& ctx, const Call&) {
  ASSIGN_OR_RETURN(std::vector<store::DatasetInfo> datasets, ctx.store.ListDatasets());
  Json list = Json::array();
  for (const store::DatasetInfo& info : datasets) {
    Json json = DatasetJson(info);
    json["cases"] = 0;
    if (info.latest_version > 0) {
      ASSIGN_OR_RETURN(store::DatasetVersion latest, ctx.store.GetDatasetVersion(info.name, 0));
      json["cases"] = latest.case_count;
    }
    list.push_back(std::move(json));
  }
  return Ok(Json{{"datasets", std::move(list)}});
}

absl::StatusOr<Reply> GetDataset(ServerContext& ctx, const Call& call) {
  const std::string& name = call.PathParam("name");
  int version = 0;
  if (call.HasQuery("version")) {
    const std::string text = call.Query("version");
    if (!absl::SimpleAtoi(text, &version) || version <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("version must be a dataset version (a number from 1), not '", text, "'"));
    }
  }
  ASSIGN_OR_RETURN(store::DatasetInfo info, ctx.store.GetDataset(name));
  ASSIGN_OR_RETURN(std::vector<store::DatasetVersion> versions,
                   ctx.store.ListDatasetVersions(name));
  Json json = DatasetJson(info);
  Json list = Json::array();
  for (const store::DatasetVersion& v : versions) {
    list.push_back({{"version", v.version},
                    {"cases", v.case_count},
                    {"content_hash", v.content_hash},
                    {"note", v.note},
                    {"created_at", Rfc3339(v.created_at)}});
  }
  json["versions"] = std::move(list);
  json["summary"] = nullptr;
  if (info.latest_version > 0) {
    ASSIGN_OR_RETURN(quality::Dataset dataset,
                     quality::LoadStoredDataset(ctx.store, ctx.options.artifacts, name, version));
    json["summary"] = quality::SummarizeDataset(dataset);
    json["summary"]["version"] = dataset.version;
  }
  return Ok(std::move(json));
}

}  // namespace

void AddDatasetRoutes(ServerContext& ctx, Router& router) {
  router.Add({"GET", "/api/v1/datasets", Permission::kRead,
              [&ctx](const Call& call) { return ListDatasets(ctx, call); }});
  router.Add({"GET", "/api/v1/datasets/{name}", Permission::kRead,
              [&ctx](const Call& call) { return GetDataset(ctx, call); }});
}

}  // namespace flowline::server
