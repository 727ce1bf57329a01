// What warm's builds leave in the scratch store is published only as warm itself makes it: entries
// decoded and encoded again (digests computed here, not taken from the header), nothing read
// through a link or from another user's file, manifests of one toolchain only.
#include "manager/publish.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "edited_entry.h"
#include "entry/entry.h"
#include "key/manifest.h"
#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

const std::string kToolchain(16, 'a');
const std::string kOtherToolchain(16, 'b');

class PublishTest : public ::testing::Test {
 protected:
  PublishTest() : dir_("publish"), scratch_layout_((dir_.path() / "scratch").string()) {
    config_.dir = (dir_.path() / "published").string();
    fs::create_directories(config_.dir);
  }

  std::string entry_bytes(const std::string& crate, const std::string& data) {
    Entry e;
    e.crate_name = crate;
    e.unit_kind = "lib";
    e.blobs.push_back({"lib" + crate + ".rlib", 0644, false, data, "", ""});
    return encode_entry(e, config_.compression);
  }
  EntryKey put_scratch_entry(const std::string& digest_char, const std::string& bytes, const std::string& toolchain = kToolchain) {
    EntryKey key(toolchain, std::string(64, digest_char[0]));
    write_file_atomic(scratch_layout_.object(Kind::kEntry, key), bytes);
    return key;
  }
  EntryKey put_scratch_manifest(const std::vector<EntryKey>& results, char input = '9') {
    Manifest m;
    for (const auto& r : results) m.add({{}, {}, r.str()});
    EntryKey key(kToolchain, std::string(64, input));
    write_file_atomic(scratch_layout_.object(Kind::kManifest, key), m.serialize());
    return key;
  }
  PublishCounts publish() {
    Store published(config_, std::nullopt);
    return publish_scratch(scratch_layout_.dir(), ::geteuid(), published);
  }
  std::optional<std::string> published(Kind kind, const EntryKey& key) {
    return try_read_file(StoreLayout(config_.dir).object(kind, key));
  }

  ScratchDir dir_;
  StoreLayout scratch_layout_;
  Config config_;
};

TEST_F(PublishTest, EntriesThenManifestsArePublished) {
  EntryKey entry = put_scratch_entry("1", entry_bytes("itoa", "rlib bytes"));
  EntryKey manifest = put_scratch_manifest({entry});
  PublishCounts counts = publish();
  EXPECT_EQ(counts.entries, 1u);
  EXPECT_EQ(counts.manifests, 1u);
  EXPECT_TRUE(counts.refused.empty());
  ASSERT_TRUE(published(Kind::kEntry, entry));
  EXPECT_EQ(check_entry(*published(Kind::kEntry, entry)).crate_name, "itoa");
  ASSERT_TRUE(published(Kind::kManifest, manifest));
  EXPECT_EQ(Manifest::parse(*published(Kind::kManifest, manifest)).result_keys(), std::vector<std::string>{entry.str()});
  // Again: nothing new.
  counts = publish();
  EXPECT_EQ(counts.entries + counts.manifests, 0u);
}

TEST_F(PublishTest, AClaimedDigestIsReplacedByTheComputedOne) {
  std::string forged = with_header(entry_bytes("pm", "the real bytes"),
                                   [](nlohmann::json& h) { h["blobs"][0]["sha256"] = std::string(64, 'c'); });
  EntryKey entry = put_scratch_entry("2", forged);
  publish();
  auto bytes = published(Kind::kEntry, entry);
  ASSERT_TRUE(bytes);
  auto blobs = peek_entry_header(*bytes).blobs;
  ASSERT_EQ(blobs.size(), 1u);
  EXPECT_EQ(blobs[0].digest, sha256_hex("the real bytes"));
}

TEST_F(PublishTest, ACorruptEntryIsRefused) {
  config_.compression.codec = Codec::kNone;  // so that the flipped byte is one of the blob's
  std::string bytes = entry_bytes("itoa", std::string(1000, 'x'));
  bytes[bytes.size() - 10] ^= 1;
  EntryKey entry = put_scratch_entry("3", bytes);
  PublishCounts counts = publish();
  EXPECT_EQ(counts.entries, 0u);
  EXPECT_EQ(counts.refused.size(), 1u);
  EXPECT_FALSE(published(Kind::kEntry, entry));
}

TEST_F(PublishTest, NothingIsReadThroughALink) {
  // A fan-out directory replaced by a link to an entry directory elsewhere, and a linked entry.
  ScratchDir elsewhere("publish-elsewhere");
  StoreLayout other(elsewhere.path().string());
  EntryKey target(kToolchain, std::string(64, '4'));
  write_file_atomic(other.object(Kind::kEntry, target), entry_bytes("secret", "another user's"));
  fs::create_directories(fs::path(scratch_layout_.object(Kind::kEntry, target)).parent_path().parent_path());
  fs::create_directory_symlink(fs::path(other.object(Kind::kEntry, target)).parent_path(),
                               fs::path(scratch_layout_.object(Kind::kEntry, target)).parent_path());
  EntryKey linked(kToolchain, std::string(64, '5'));
  fs::create_directories(fs::path(scratch_layout_.object(Kind::kEntry, linked)).parent_path());
  fs::create_symlink(other.object(Kind::kEntry, target), scratch_layout_.object(Kind::kEntry, linked));
  PublishCounts counts = publish();
  EXPECT_EQ(counts.entries, 0u);
  EXPECT_FALSE(published(Kind::kEntry, target));
  EXPECT_FALSE(published(Kind::kEntry, linked));
}

TEST_F(PublishTest, AnotherUsersFileIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a file away";
  EntryKey entry = put_scratch_entry("6", entry_bytes("itoa", "x"));
  ASSERT_EQ(::chown(scratch_layout_.object(Kind::kEntry, entry).c_str(), 65534, 65534), 0);
  PublishCounts counts = publish();
  EXPECT_EQ(counts.entries, 0u);
  ASSERT_EQ(counts.refused.size(), 1u);
  EXPECT_NE(counts.refused[0].find("not a file of the build user's"), std::string::npos);
}

TEST_F(PublishTest, AManifestOfTwoToolchainsIsRefused) {
  EntryKey a = put_scratch_entry("7", entry_bytes("a", "a"));
  EntryKey b = put_scratch_entry("8", entry_bytes("b", "b"), kOtherToolchain);
  EntryKey manifest = put_scratch_manifest({a, b});
  PublishCounts counts = publish();
  EXPECT_EQ(counts.entries, 2u);
  EXPECT_EQ(counts.manifests, 0u);
  EXPECT_FALSE(published(Kind::kManifest, manifest));
}

TEST_F(PublishTest, ANewCandidateIsMergedIntoThePublishedManifest) {
  EntryKey old_entry = put_scratch_entry("1", entry_bytes("itoa", "old"));
  EntryKey manifest = put_scratch_manifest({old_entry});
  publish();
  fs::remove_all(scratch_layout_.dir());
  EntryKey new_entry = put_scratch_entry("2", entry_bytes("itoa", "new"));
  put_scratch_manifest({new_entry});
  EXPECT_EQ(publish().manifests, 1u);
  EXPECT_EQ(Manifest::parse(*published(Kind::kManifest, manifest)).result_keys(),
            (std::vector<std::string>{new_entry.str(), old_entry.str()}));
}

}  // namespace
}  // namespace cratecache
