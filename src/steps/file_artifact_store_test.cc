#include <gtest/gtest.h>

#include "common/ids.h"
#include "common/temp_dir.h"
#include "steps/artifacts.h"

namespace flowline::steps {
namespace {

TEST(FileArtifactStoreTest, PutIsContentAddressedAndIdempotent) {
  common::TempDir dir;
  auto store = NewFileArtifactStore(dir.path() + "/artifacts");
  auto key = store->Put("page image bytes", "png");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, "sha256:" + common::Sha256Hex("page image bytes") + ".png");
  EXPECT_TRUE(IsArtifactKey(*key));
  auto again = store->Put("page image bytes", "png");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *key);
  auto bytes = store->Get(*key);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, "page image bytes");
  auto path = store->PathOf(*key);
  ASSERT_TRUE(path.ok());
  EXPECT_NE(path->find("/artifacts/"), std::string::npos);
}

TEST(FileArtifactStoreTest, RejectsBadKeysAndExtensions) {
  common::TempDir dir;
  auto store = NewFileArtifactStore(dir.path());
  EXPECT_EQ(store->Get("../etc/passwd").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Get("sha256:" + std::string(64, 'a') + ".png").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store->Put("x", "P/NG").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Put("x", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(IsArtifactKey("sha256:" + std::string(64, 'A') + ".png"));
  EXPECT_FALSE(IsArtifactKey("sha256:" + std::string(64, 'a') + "."));
}

}  // namespace
}  // namespace flowline::steps
