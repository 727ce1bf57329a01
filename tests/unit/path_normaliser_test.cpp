#include "key/path_normaliser.h"

#include <gtest/gtest.h>

namespace cratecache {
namespace {

TEST(PathNormaliser, RewritesWholeComponentsOnly) {
  PathNormaliser n;
  n.add_root("/home/u/app", "PROJECT");
  n.add_root("/home/u/app/target", "TARGET");
  EXPECT_EQ(n.normalise("--out-dir=/home/u/app/target/debug/deps"), "--out-dir=@@CRATECACHE:TARGET@@/debug/deps");
  EXPECT_EQ(n.normalise("/home/u/app/src/main.rs"), "@@CRATECACHE:PROJECT@@/src/main.rs");
  EXPECT_EQ(n.normalise("/home/u/application/x"), "/home/u/application/x");
  EXPECT_EQ(n.normalise("/x/home/u/app/y"), "/x/home/u/app/y");
  EXPECT_EQ(n.normalise("dependency=/home/u/app/target"), "dependency=@@CRATECACHE:TARGET@@");
}

TEST(PathNormaliser, RestoreMapsToAnotherProject) {
  PathNormaliser a, b;
  a.add_root("/p1/target", "TARGET");
  b.add_root("/elsewhere/p2/target", "TARGET");
  std::string stored = a.normalise("/p1/target/debug/deps/x.d: /reg/x/src/lib.rs /p1/target/debug/build/x/out/g.rs");
  EXPECT_EQ(b.restore(stored),
            "/elsewhere/p2/target/debug/deps/x.d: /reg/x/src/lib.rs /elsewhere/p2/target/debug/build/x/out/g.rs");
}

TEST(PathNormaliser, IgnoresRootDirectory) {
  PathNormaliser n;
  n.add_root("/", "ROOT");
  EXPECT_EQ(n.normalise("/usr/lib"), "/usr/lib");
}

}  // namespace
}  // namespace cratecache
