#include "store/layout.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

const std::string kTc = "00000000000000aa";
std::string digest(const std::string& prefix) { return prefix + std::string(64 - prefix.size(), '0'); }

TEST(StoreLayout, NamesEveryObjectUnderItsKind) {
  StoreLayout layout("/s");
  EntryKey key(kTc, digest("ab"));
  EXPECT_EQ(layout.object(Kind::kEntry, key), "/s/entries/" + kTc + "/ab/" + digest("ab") + ".entry");
  EXPECT_EQ(layout.object(Kind::kManifest, key), "/s/manifests/ab/" + digest("ab") + ".json");
  EXPECT_EQ(layout.lock(digest("cd")), "/s/locks/cd/" + digest("cd") + ".lock");
  EXPECT_EQ(layout.toolchain_used(kTc), "/s/toolchains/" + kTc + ".used");
}

// Keys come from manifests, which a tenant or a remote may have written: only the store's own
// shape becomes a path.
TEST(EntryKey, OnlyTheStoresOwnShapeIsAKey) {
  EXPECT_TRUE(EntryKey::parse(kTc + "/" + digest("ab")));
  EXPECT_TRUE(EntryKey::parse("none/" + digest("cd")));
  EXPECT_EQ(EntryKey::parse(kTc + "/" + digest("ab"))->str(), kTc + "/" + digest("ab"));
  for (const std::string& bad :
       {std::string("../../etc/passwd"), kTc + "/../" + digest("ab").substr(3), "../" + kTc.substr(3) + "/" + digest("ab"),
        kTc + "/" + digest("AB"), kTc + "/" + digest("ab") + "0", kTc + "/" + digest("ab") + "/x", std::string(),
        "/" + digest("ab"), kTc + "/" + digest("ab").substr(1), digest("ef"), "NONE/" + digest("ab")}) {
    EXPECT_FALSE(EntryKey::parse(bad)) << bad;
  }
  EXPECT_THROW(EntryKey("../x", digest("ab")), std::invalid_argument);
  EXPECT_THROW(EntryKey(kTc, "../" + digest("ab").substr(3)), std::invalid_argument);
  EXPECT_THROW(StoreLayout("/s").lock("../../x"), std::invalid_argument);
  EXPECT_THROW(StoreLayout("/s").toolchain_entries_dir(".."), std::invalid_argument);
}

TEST(StoreLayout, WalksEntriesOfEachToolchainAndSkipsOtherFiles) {
  ScratchDir scratch("layout");
  StoreLayout layout(scratch.path().string());
  const std::string other = "00000000000000bb";
  write_file_atomic(layout.object(Kind::kEntry, EntryKey(kTc, digest("a1"))), "12");
  write_file_atomic(layout.object(Kind::kEntry, EntryKey(other, digest("b1"))), "123");
  write_file_atomic(layout.object(Kind::kEntry, EntryKey(other, digest("b2"))) + ".tmp.1.0", "x");
  write_file_atomic(layout.entries_dir() + "/not-a-toolchain/ab/x.entry", "x");
  uint64_t bytes = 0, files = 0;
  layout.for_each_entry([&](const StoreLayout::EntryFile& f) {
    bytes += f.size;
    ++files;
  });
  EXPECT_EQ(files, 2u);
  EXPECT_EQ(bytes, 5u);
  files = 0;
  layout.for_each_entry([&](const StoreLayout::EntryFile& f) { files += f.toolchain == other; }, other, true);
  EXPECT_EQ(files, 2u) << "the temp file is listed when asked for";
  EXPECT_EQ(layout.entry_toolchains(), (std::vector<std::string>{kTc, other}));
}

}  // namespace
}  // namespace cratecache
