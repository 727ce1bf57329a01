#include "key/manifest.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

TEST(Manifest, MatchesByStatOrContentAndRoundTrips) {
  ScratchDir scratch("manifest");
  fs::path dir = scratch.path();
  std::string file = (dir / "src.rs").string();
  write_file_atomic(file, "fn main() {}");
  PathNormaliser n;
  n.add_root(dir.string(), "PROJECT");
  ManifestCandidate c;
  c.files.push_back(describe_input(file, n.normalise(file)));
  c.env.push_back({"MY_VAR", std::nullopt});
  c.result_key = "tc/r1";
  Manifest m;
  m.add(c);
  Manifest copy = Manifest::parse(m.serialize());
  auto no_env = [](const char*) -> const char* { return nullptr; };
  StatCache digests((dir / "stat").string());
  EXPECT_EQ(copy.match(n, no_env, digests).value_or(""), "tc/r1");
  auto with_var = [](const char* name) -> const char* { return std::string(name) == "MY_VAR" ? "1" : nullptr; };
  EXPECT_FALSE(copy.match(n, with_var, digests)) << "an env-dep that changed must not match";
  write_file_atomic(file, "fn main() { changed(); }");
  EXPECT_FALSE(copy.match(n, no_env, digests)) << "changed content must not match";
  write_file_atomic(file, "fn main() {}");
  EXPECT_EQ(copy.match(n, no_env, digests).value_or(""), "tc/r1") << "same content, new inode: matches by digest";
}

// A rerun-if-changed directory is checked on every hit: its files go through the stat cache, so
// an unchanged tree is listed and stat'ed, not read; every change Cargo would see still misses.
TEST(Manifest, DirectoryInputChecksItsFilesThroughTheStatCache) {
  ScratchDir scratch("manifest-tree");
  fs::path dir = scratch.path();
  fs::path tree = dir / "assets";
  fs::create_directories(tree / "sub");
  for (int i = 0; i < 20; ++i) write_file_atomic((tree / ("f" + std::to_string(i))).string(), std::string(100, 'a' + i));
  write_file_atomic((tree / "sub/deep").string(), "deep");
  PathNormaliser n;
  n.add_root(dir.string(), "PROJECT");
  ManifestCandidate c;
  c.files.push_back(describe_input(tree.string(), n.normalise(tree.string())));
  c.result_key = "tc/r1";
  Manifest m;
  m.add(c);
  auto no_env = [](const char*) -> const char* { return nullptr; };
  fs::path stat_dir = dir / "stat";
  StatCache digests(stat_dir.string());
  EXPECT_EQ(m.match(n, no_env, digests).value_or(""), "tc/r1");
  size_t records = 0;
  for (const auto& e : fs::recursive_directory_iterator(stat_dir)) records += e.is_regular_file();
  EXPECT_EQ(records, 21u) << "each file of the tree is remembered by its stat";
  EXPECT_EQ(m.match(n, no_env, digests).value_or(""), "tc/r1");

  write_file_atomic((tree / "sub/deep").string(), "deeper");
  EXPECT_FALSE(m.match(n, no_env, digests)) << "a changed file";
  write_file_atomic((tree / "sub/deep").string(), "deep");
  EXPECT_EQ(m.match(n, no_env, digests).value_or(""), "tc/r1") << "the same content again";
  write_file_atomic((tree / "new").string(), "");
  EXPECT_FALSE(m.match(n, no_env, digests)) << "an added file";
  fs::remove(tree / "new");
  fs::rename(tree / "f3", tree / "g3");
  EXPECT_FALSE(m.match(n, no_env, digests)) << "a renamed file";
  fs::rename(tree / "g3", tree / "f3");
  fs::remove(tree / "f4");
  EXPECT_FALSE(m.match(n, no_env, digests)) << "a removed file";
}

TEST(Manifest, EnvDepWithAProjectPathMatchesInAnotherProject) {
  PathNormaliser a, b;
  a.add_root("/p1/target", "TARGET");
  b.add_root("/elsewhere/p2/target", "TARGET");
  ManifestCandidate c;
  c.env.push_back({"OUT_DIR", a.normalise("/p1/target/debug/build/x-1/out")});
  c.result_key = "tc/r";
  Manifest m;
  m.add(c);
  StatCache digests("/nonexistent/stat");
  auto env_b = [](const char* n) -> const char* {
    return std::string(n) == "OUT_DIR" ? "/elsewhere/p2/target/debug/build/x-1/out" : nullptr;
  };
  EXPECT_EQ(m.match(b, env_b, digests).value_or(""), "tc/r");
  auto env_other = [](const char* n) -> const char* {
    return std::string(n) == "OUT_DIR" ? "/elsewhere/p2/target/debug/build/x-2/out" : nullptr;
  };
  EXPECT_FALSE(m.match(b, env_other, digests));
}

}  // namespace
}  // namespace cratecache
