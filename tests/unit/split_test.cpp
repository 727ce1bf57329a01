#include "util/split.h"

#include <gtest/gtest.h>

namespace cratecache {
namespace {

TEST(SplitNonempty, KeepsTheNonEmptyPartsInOrder) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_nonempty("link,metadata,dep-info", ','), (V{"link", "metadata", "dep-info"}));
  EXPECT_EQ(split_nonempty(",a,,b,", ','), (V{"a", "b"}));
  EXPECT_EQ(split_nonempty(" a , b", ','), (V{" a ", " b"}));  // spaces are the caller's
  EXPECT_TRUE(split_nonempty("", ',').empty());
  EXPECT_TRUE(split_nonempty(",,", ',').empty());
  EXPECT_EQ(split_nonempty("lib", ','), (V{"lib"}));
}

}  // namespace
}  // namespace cratecache
