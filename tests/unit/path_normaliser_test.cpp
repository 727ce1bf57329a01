#include "key/path_normaliser.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

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

// restore() before it was made one pass: each root's token replaced in place, root after root.
std::string restore_in_place(std::string text, const std::vector<std::pair<std::string, std::string>>& roots) {
  for (const auto& [path, name] : roots) {
    std::string token = "@@CRATECACHE:" + name + "@@";
    for (size_t pos = 0; (pos = text.find(token, pos)) != std::string::npos; pos += path.size()) {
      text.replace(pos, token.size(), path);
    }
  }
  return text;
}

// A dep-info of a large crate (3,000 sources, generated files, registry sources), with markers
// that are no root's token: the same bytes as before.
TEST(PathNormaliser, RestoreOfALargeDepInfoIsTheSameAsBefore) {
  const std::vector<std::pair<std::string, std::string>> roots{
      {"/home/runner/work/app/target", "TARGET"}, {"/home/runner/work/app", "PROJECT"}, {"/home/runner/.cargo", "CARGO_HOME"}};
  PathNormaliser n;
  for (const auto& [path, name] : roots) n.add_root(path, name);
  std::string original = "/home/runner/work/app/target/debug/deps/big-0f.d:";
  for (int i = 0; i < 3000; ++i) {
    original += " /home/runner/work/app/src/m" + std::to_string(i) + "/mod.rs";
    if (i % 7 == 0) original += " /home/runner/work/app/target/debug/build/big-1a/out/g" + std::to_string(i) + ".rs";
    if (i % 11 == 0) original += " /home/runner/.cargo/registry/src/index/dep-1.0." + std::to_string(i) + "/lib.rs";
    if (i % 13 == 0) original += " @@CRATECACHE:PATH-LOOKUP@@/protoc @@CRATECACHE:";
  }
  original += "\n\n# env-dep:OUT_DIR=/home/runner/work/app/target/debug/build/big-1a/out\n";
  std::string stored = n.normalise(original);
  ASSERT_NE(stored, original);
  std::string restored = n.restore(stored);
  EXPECT_EQ(restored, restore_in_place(stored, roots));
  EXPECT_EQ(restored, original);
}

TEST(PathNormaliser, IgnoresRootDirectory) {
  PathNormaliser n;
  n.add_root("/", "ROOT");
  EXPECT_EQ(n.normalise("/usr/lib"), "/usr/lib");
}

}  // namespace
}  // namespace cratecache
