// Deferred blobs: a hit leaves a build-script binary in its entry; a run that misses extracts it.
#include "entry/deferred_blob.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "key/path_normaliser.h"
#include "key/stat_cache.h"
#include "entry/entry.h"
#include "job/materialise.h"
#include "util/digest.h"
#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

class DeferredBlobTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(dir_ / "out"); }

  // A build-script unit's entry: dep-info, messages, and the binary last (as RustcUnit stores it).
  std::string script_entry(const std::string& binary, Codec codec) {
    Entry e;
    e.crate_name = "build_script_build";
    e.unit_kind = "build-script";
    e.blobs.push_back({"bs.d", 0644, false, "bs: build.rs\n", "", ""});
    e.blobs.push_back({":stdout", 0, true, "", "", ""});
    e.blobs.push_back({":stderr", 0, true, "", "", ""});
    e.blobs.push_back({"bs", 0755, false, binary, "", ""});
    return encode_entry(e, {codec});
  }

  ScratchDir scratch_{"deferred"};
  fs::path dir_ = scratch_.path();
};

TEST_F(DeferredBlobTest, HitLeavesTheBinaryAndRunExtractsIt) {
  const std::string binary(300000, 'x');
  for (Codec codec : {Codec::kNone, Codec::kLz4, Codec::kZstd}) {
    std::string bytes = script_entry(binary, codec);
    PathNormaliser n;
    StatCache digests((dir_ / "stat").string());
    materialise(bytes, (dir_ / "out").string(), n, digests, "bs");
    EXPECT_TRUE(fs::exists(dir_ / "out" / "bs.d"));
    EXPECT_FALSE(fs::exists(dir_ / "out" / "bs"));

    write_file_atomic((dir_ / "store.entry").string(), bytes);
    ASSERT_TRUE(link_entry((dir_ / "store.entry").string(), (dir_ / "out" / "bs.cratecache-entry").string()));
    EXPECT_EQ(deferred_blob_digest((dir_ / "out" / "bs.cratecache-entry").string(), "bs"), sha256_hex(binary));

    extract_blob(read_file((dir_ / "out" / "bs.cratecache-entry").string()), "bs", (dir_ / "real").string());
    EXPECT_EQ(read_file((dir_ / "real").string()), binary);
    EXPECT_EQ(fs::status(dir_ / "real").permissions() & fs::perms::owner_exec, fs::perms::owner_exec);
  }
}

// A damaged deferred blob fails the hit (the entry is then recompiled), though it is not decoded:
// a run that later needs it must find it intact. Extracting it fails too, writing nothing.
TEST_F(DeferredBlobTest, DamagedDeferredBlobFailsTheHit) {
  for (Codec codec : {Codec::kNone, Codec::kLz4, Codec::kZstd}) {
    std::string bytes = script_entry(std::string(100000, 'y'), codec);
    bytes[bytes.size() - 10] ^= 1;
    PathNormaliser n;
    StatCache digests((dir_ / "stat").string());
    EXPECT_THROW(materialise(bytes, (dir_ / "out").string(), n, digests, "bs"), CorruptEntry);
    EXPECT_THROW(extract_blob(bytes, "bs", (dir_ / "real").string()), CorruptEntry);
    EXPECT_FALSE(fs::exists(dir_ / "real"));
  }
}

}  // namespace
}  // namespace cratecache
