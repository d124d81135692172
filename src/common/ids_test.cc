#include "common/ids.h"

#include <set>

#include "gtest/gtest.h"

namespace flowline::common {
namespace {

TEST(IdsTest, NewIdIsPrefixedSortableAndUnique) {
  SeededRandom random(42);
  FakeClock clock;
  std::set<std::string> seen;
  std::string previous;
  for (int i = 0; i < 1000; ++i) {
    clock.Advance(absl::Milliseconds(1));
    std::string id = NewId("run_", clock.Now(), random);
    EXPECT_EQ(id.rfind("run_", 0), 0u);
    EXPECT_EQ(id.size(), 4u + 26u);
    EXPECT_GT(id, previous) << "ids must sort by creation time";
    EXPECT_TRUE(seen.insert(id).second);
    previous = id;
  }
}

TEST(IdsTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(IdsTest, HmacMatchesRfc4231Case2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(IdsTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secrets"));
}

TEST(IdsTest, RandomTokenHasRequestedEntropy) {
  SeededRandom random(7);
  std::string a = RandomToken(32, random);
  std::string b = RandomToken(32, random);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 43u);  // 32 bytes in unpadded base64
}

}  // namespace
}  // namespace flowline::common
