// When a package is proven immutable by its checksum file, and a package's whole tree as an input.
#include <gtest/gtest.h>

#include <filesystem>

#include "buildscript/package_checksum.h"
#include "key/manifest.h"
#include "key/package_tree.h"
#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

const std::string kDigest(64, 'a');

std::optional<PackageChecksum> checksum_of(const fs::path& dir, const std::string& json) {
  write_file_atomic((dir / ".cargo-checksum.json").string(), json);
  return proven_package_checksum(dir.string());
}

TEST(PackageChecksum, ProvenOnlyWithListedFilesAndARealPackageChecksum) {
  ScratchDir scratch("checksum");
  fs::path dir = scratch.path();
  EXPECT_FALSE(proven_package_checksum(dir.string())) << "no checksum file";
  EXPECT_FALSE(checksum_of(dir, R"({"package":"Could not get crate checksum","files":{}})")) << "Debian's placeholder";
  EXPECT_FALSE(checksum_of(dir, R"({"package":")" + kDigest + R"(","files":{}})")) << "no files listed";
  EXPECT_FALSE(checksum_of(dir, R"({"package":null,"files":{"build.rs":")" + kDigest + R"("}})")) << "no package checksum";
  EXPECT_FALSE(checksum_of(dir, R"({"package":")" + kDigest + R"(","files":{"../x":")" + kDigest + R"("}})"))
      << "a listed file outside the package";
  EXPECT_FALSE(checksum_of(dir, R"({"package":")" + kDigest + R"(","files":{"a":"short"}})")) << "not a digest";
  EXPECT_FALSE(checksum_of(dir, "{not json")) << "malformed";

  auto proven = checksum_of(dir, R"({"package":")" + kDigest + R"(","files":{"build.rs":")" + kDigest +
                                     R"(","src/data.txt":")" + kDigest + R"("}})");
  ASSERT_TRUE(proven);
  EXPECT_TRUE(lists_file(*proven, dir.string(), (dir / "src/data.txt").string()));
  EXPECT_TRUE(lists_file(*proven, dir.string(), (dir / "src/../src/./data.txt").string()));
  EXPECT_FALSE(lists_file(*proven, dir.string(), (dir / "src/other.txt").string())) << "an unlisted file is not verified";
  EXPECT_FALSE(lists_file(*proven, (dir / "src").string(), (dir / "src/data.txt").string()));
}

TEST(PackageTree, EveryFileButTargetAndVcsDirsIsTheInput) {
  ScratchDir scratch("package-tree");
  fs::path pkg = scratch.path() / "pkg";
  fs::create_directories(pkg / "src");
  fs::create_directories(pkg / "target/debug");
  fs::create_directories(pkg / ".git");
  fs::create_directories(pkg / "sub/target");
  write_file_atomic((pkg / "Cargo.toml").string(), "[package]\n");
  write_file_atomic((pkg / "src/data.txt").string(), "one");
  write_file_atomic((pkg / "sub/target/kept.txt").string(), "a nested dir named target is package content");
  StatCache digests((scratch.path() / "stat").string());
  auto tree = describe_package_tree(pkg.string(), digests);
  ASSERT_TRUE(tree);
  EXPECT_TRUE(package_tree_matches(pkg.string(), *tree, digests));

  write_file_atomic((pkg / "target/debug/out").string(), "build products");
  write_file_atomic((pkg / ".git/index").string(), "vcs state");
  EXPECT_TRUE(package_tree_matches(pkg.string(), *tree, digests)) << "target/ and .git are not the package";

  write_file_atomic((pkg / "src/data.txt").string(), "two");
  EXPECT_FALSE(package_tree_matches(pkg.string(), *tree, digests)) << "an edited file";
  write_file_atomic((pkg / "src/data.txt").string(), "one");
  EXPECT_TRUE(package_tree_matches(pkg.string(), *tree, digests)) << "same content again (new inode)";

  write_file_atomic((pkg / "src/new.txt").string(), "");
  EXPECT_FALSE(package_tree_matches(pkg.string(), *tree, digests)) << "an added file";
  fs::remove(pkg / "src/new.txt");
  write_file_atomic((pkg / "sub/target/kept.txt").string(), "edited");
  EXPECT_FALSE(package_tree_matches(pkg.string(), *tree, digests)) << "a file under a nested target/";
}

TEST(PackageTree, ManifestEntryRoundTripsAndMatchesInAnotherDir) {
  ScratchDir scratch("package-manifest");
  fs::path a = scratch.path() / "a/pkg";
  fs::path b = scratch.path() / "b/pkg";
  for (const auto& pkg : {a, b}) {
    fs::create_directories(pkg / "src");
    write_file_atomic((pkg / "src/lib.rs").string(), "pub fn f() {}");
  }
  PathNormaliser na, nb;
  na.add_root(a.string(), "PROJECT");
  nb.add_root(b.string(), "PROJECT");
  StatCache digests((scratch.path() / "stat").string());
  ManifestCandidate c;
  auto entry = describe_package_input(a.string(), na.normalise(a.string()), digests);
  ASSERT_TRUE(entry);
  c.files.push_back(*entry);
  c.result_key = "tc/r";
  Manifest m;
  m.add(c);
  Manifest copy = Manifest::parse(m.serialize());
  auto no_env = [](const char*) -> const char* { return nullptr; };
  EXPECT_EQ(copy.match(na, no_env, digests).value_or(""), "tc/r");
  EXPECT_EQ(copy.match(nb, no_env, digests).value_or(""), "tc/r") << "a copy of the package, by content";
  write_file_atomic((b / "src/lib.rs").string(), "pub fn g() {}");
  EXPECT_FALSE(copy.match(nb, no_env, digests));
}

}  // namespace
}  // namespace cratecache
