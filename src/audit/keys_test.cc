// Keys, the key directory and checkpoint signatures.
#include "audit/keys.h"

#include <sys/stat.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "audit/checkpoints.h"
#include "audit/key_dir.h"
#include "common/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

int Mode(const std::string& path) {
  struct stat info;
  EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
  return static_cast<int>(info.st_mode & 0777);
}

TEST(KeysTest, SignaturesVerifyOnlyForTheirMessageAndKey) {
  absl::StatusOr<SigningKey> key = SigningKey::Generate();
  absl::StatusOr<SigningKey> other = SigningKey::Generate();
  ASSERT_TRUE(key.ok() && other.ok());
  absl::StatusOr<std::string> signature = key->Sign("head 42");
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(signature->size(), 64u);
  EXPECT_TRUE(key->public_key().Verify("head 42", *signature));
  EXPECT_FALSE(key->public_key().Verify("head 43", *signature));
  EXPECT_FALSE(other->public_key().Verify("head 42", *signature));
  std::string flipped = *signature;
  flipped[10] ^= 1;
  EXPECT_FALSE(key->public_key().Verify("head 42", flipped));
  EXPECT_NE(key->public_key().id(), other->public_key().id());
  EXPECT_THAT(key->public_key().id(), StartsWith("ed25519:"));
}

TEST(KeysTest, PemRoundTripsAndOtherTextIsRefused) {
  absl::StatusOr<SigningKey> key = SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  absl::StatusOr<SigningKey> read = SigningKey::FromPem(key->ToPem(), "test.key");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->public_key().id(), key->public_key().id());
  absl::StatusOr<PublicKey> public_key = PublicKey::FromPem(key->public_key().ToPem(), "test.pub");
  ASSERT_TRUE(public_key.ok());
  absl::StatusOr<std::string> signature = read->Sign("m");
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(public_key->Verify("m", *signature));

  absl::StatusOr<PublicKey> garbage = PublicKey::FromPem("not a key", "trusted.pub");
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(garbage.status().message(), HasSubstr("trusted.pub does not hold an Ed25519"));
  // A private key where a public one belongs is refused too.
  EXPECT_FALSE(PublicKey::FromPem(key->ToPem(), "x").ok());
}

TEST(KeyDirTest, KeysAreMadeOnceWithPrivateModes) {
  common::TempDir temp;
  const std::string dir = temp.File("store.db.keys");
  absl::StatusOr<SigningKey> first = LoadOrCreateSigningKey(dir);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(Mode(dir), 0700);
  EXPECT_EQ(Mode(dir + "/signing.key"), 0600);
  EXPECT_EQ(Mode(dir + "/signing.pub"), 0644);
  absl::StatusOr<SigningKey> again = LoadOrCreateSigningKey(dir);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key().id(), first->public_key().id());
  absl::StatusOr<PublicKey> trusted = ReadPublicKeyFile(PublicKeyPath(dir));
  ASSERT_TRUE(trusted.ok());
  EXPECT_EQ(trusted->id(), first->public_key().id());

  absl::StatusOr<std::string> personal = LoadOrCreatePersonalDataKey(dir);
  ASSERT_TRUE(personal.ok()) << personal.status();
  EXPECT_EQ(personal->size(), 32u);
  EXPECT_EQ(Mode(dir + "/personal.key"), 0600);
  EXPECT_EQ(*LoadOrCreatePersonalDataKey(dir), *personal);
  EXPECT_EQ(DefaultKeyDir("/data/flowline.db"), "/data/flowline.db.keys");
}

// Threads of one process that find no key make one between them: each ends up with the key
// that is in the file (one temp file per call, so none links another's half-written key).
TEST(KeyDirTest, ThreadsMakingTheKeyAtOnceAllGetTheOneInTheFile) {
  for (int round = 0; round < 20; ++round) {
    common::TempDir temp;
    const std::string dir = temp.path() + "/keys";
    std::vector<std::string> public_keys(8);
    std::vector<std::string> personal(8);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        absl::StatusOr<SigningKey> key = LoadOrCreateSigningKey(dir);
        if (key.ok()) public_keys[t] = key->public_key().ToPem();
        absl::StatusOr<std::string> digest_key = LoadOrCreatePersonalDataKey(dir);
        if (digest_key.ok()) personal[t] = *digest_key;
      });
    }
    for (std::thread& thread : threads) thread.join();
    absl::StatusOr<SigningKey> on_disk = LoadOrCreateSigningKey(dir);
    ASSERT_TRUE(on_disk.ok()) << on_disk.status();
    absl::StatusOr<std::string> personal_on_disk = LoadOrCreatePersonalDataKey(dir);
    ASSERT_TRUE(personal_on_disk.ok()) << personal_on_disk.status();
    for (int t = 0; t < 8; ++t) {
      EXPECT_EQ(public_keys[t], on_disk->public_key().ToPem()) << "round " << round;
      EXPECT_EQ(personal[t], *personal_on_disk) << "round " << round;
    }
  }
}

TEST(KeyDirTest, AReadableSecretKeyIsRefused) {
  common::TempDir temp;
  const std::string dir = temp.File("keys");
  ASSERT_TRUE(LoadOrCreateSigningKey(dir).ok());
  ASSERT_EQ(chmod((dir + "/signing.key").c_str(), 0644), 0);
  absl::StatusOr<SigningKey> refused = LoadOrCreateSigningKey(dir);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("chmod 600"));
}

TEST(KeyDirTest, AMissingPublicKeySaysHowToGetOne) {
  absl::StatusOr<PublicKey> missing = ReadPublicKeyFile("/nonexistent/signing.pub");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("--public-key"));
}

TEST(KeyDirTest, ADamagedPersonalKeyIsRefused) {
  common::TempDir temp;
  ASSERT_EQ(mkdir(temp.File("keys").c_str(), 0700), 0);
  {
    std::ofstream out(temp.File("keys/personal.key"));
    out << "not hex\n";
  }
  ASSERT_EQ(chmod(temp.File("keys/personal.key").c_str(), 0600), 0);
  EXPECT_EQ(LoadOrCreatePersonalDataKey(temp.File("keys")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CheckpointTest, EverySignedFieldIsProtected) {
  absl::StatusOr<SigningKey> key = SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string hash(32, '\x11');
  absl::StatusOr<store::Checkpoint> signed_checkpoint =
      SignCheckpoint(*key, 7, hash, absl::FromUnixSeconds(1'700'000'000), "interval", false);
  ASSERT_TRUE(signed_checkpoint.ok());
  EXPECT_TRUE(CheckSignature(key->public_key(), *signed_checkpoint).ok());
  EXPECT_EQ(signed_checkpoint->key_id, key->public_key().id());

  auto altered = [&](auto change) {
    store::Checkpoint copy = *signed_checkpoint;
    change(copy);
    return CheckSignature(key->public_key(), copy);
  };
  EXPECT_FALSE(altered([](store::Checkpoint& c) { c.seq = 8; }).ok());
  EXPECT_FALSE(altered([](store::Checkpoint& c) { c.hash[0] = '\x12'; }).ok());
  EXPECT_FALSE(altered([](store::Checkpoint& c) { c.signed_at += absl::Seconds(1); }).ok());
  EXPECT_FALSE(altered([](store::Checkpoint& c) { c.cut = true; }).ok());
  EXPECT_FALSE(altered([](store::Checkpoint& c) { c.reason = "shutdown"; }).ok());
  absl::Status wrong_key = altered([](store::Checkpoint& c) { c.key_id = "ed25519:0000"; });
  EXPECT_EQ(wrong_key.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(wrong_key.message(), HasSubstr("not the trusted key"));
}

}  // namespace
}  // namespace flowline::audit
