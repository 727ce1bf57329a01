#include "buildscript/link_search.h"

#include <gtest/gtest.h>

#include "entry/entry.h"

namespace cratecache {
namespace {

const std::string kPackage = "/home/t/.cargo/registry/src/foo-sys-1.0";
const std::string kOutDir = "/home/t/proj/target/debug/build/foo-sys-abc/out";

std::optional<std::string> outside(std::string_view text) { return link_search_outside(text, kPackage, kOutDir); }

TEST(LinkSearch, PackageOutDirAndSystemLibraryDirsAreAllowed) {
  EXPECT_FALSE(outside("cargo:rustc-link-search=native=" + kOutDir + "\n"
                       "cargo::rustc-link-search=" + kPackage + "/lib\n"
                       "cargo:rustc-link-search=/usr/lib/x86_64-linux-gnu\n"
                       "cargo:rustc-link-search=all=/lib64\n"
                       "cargo:rustc-link-search=/usr/local/lib/\n"
                       "cargo:rustc-flags=-L /usr/lib -lfoo\n"
                       "cargo:rustc-link-search=native=vendor/lib\n"
                       "cargo:rustc-link-lib=static=foo\n"
                       "cargo:warning=rustc-link-search=/tmp/evil is only a warning\n"));
}

TEST(LinkSearch, AnythingElseIsNamed) {
  EXPECT_EQ(outside("cargo:rustc-link-search=native=/tmp/evil\n").value_or(""), "/tmp/evil");
  EXPECT_EQ(outside("cargo::rustc-link-search=/home/attacker/lib\n").value_or(""), "/home/attacker/lib");
  EXPECT_EQ(outside("cargo:rustc-link-search=dependency=" + kOutDir + "/../../../../../../../tmp\n").value_or(""),
            kOutDir + "/../../../../../../../tmp");
  EXPECT_TRUE(outside("cargo:rustc-link-search=/usr/lib/../../tmp\n"));
  EXPECT_TRUE(outside("cargo:rustc-link-search=/usr/libexec\n")) << "a prefix is not a parent";
  EXPECT_TRUE(outside("cargo:rustc-link-search=framework=/opt/x\n"));
  EXPECT_TRUE(outside("cargo:rustc-link-search=native=../../elsewhere\n"));
  EXPECT_EQ(outside("cargo:rustc-flags=-l foo -L/tmp/evil\n").value_or(""), "/tmp/evil");
  EXPECT_EQ(outside("cargo:rustc-flags=-L native=/tmp/evil\n").value_or(""), "/tmp/evil");
  EXPECT_TRUE(outside("cargo:rustc-link-search=" + kPackage + "-evil/lib\n")) << "a sibling is not the package";
}

TEST(LinkSearch, AReplayIsCheckedWithItsPathsRestored) {
  PathNormaliser n;
  n.add_root(kOutDir, "OUT_DIR");
  n.add_root(kPackage, "PKG");
  std::string inside = n.normalise("cargo:rustc-link-search=native=" + kOutDir + "\ncargo:rustc-link-lib=static=foo\n");
  ASSERT_NE(inside.find("OUT_DIR"), std::string::npos) << "stored with a placeholder";
  EXPECT_NO_THROW(check_replayed_link_search(n.restore(inside), kPackage, kOutDir));
  // A placeholder restored and then climbing out, and a plain foreign directory.
  std::string climbing = n.normalise("cargo::rustc-link-search=" + kOutDir + "/../../../../../../evil\n");
  EXPECT_THROW(check_replayed_link_search(n.restore(climbing), kPackage, kOutDir), CorruptEntry);
  EXPECT_THROW(check_replayed_link_search("cargo:rustc-link-search=/tmp/x\n", kPackage, kOutDir), CorruptEntry);
}

}  // namespace
}  // namespace cratecache
