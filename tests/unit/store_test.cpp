#include "store/store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "fake_remote.h"
#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

const EntryKey kEntryKey("00000000000000aa", std::string(64, 'e'));
const EntryKey kManifestKey("00000000000000aa", std::string(64, 'f'));

class StoreTest : public ::testing::Test {
 protected:
  Config config_at(const std::string& name) {
    Config c;
    c.dir = (scratch_.path() / name).string();
    return c;
  }
  int64_t counter(const Config& c, const std::string& name) { return Stats(StoreLayout(c.dir)).totals()[name]; }
  std::string remote_dir() const { return (scratch_.path() / "remote").string(); }

  ScratchDir scratch_{"store"};
};

TEST_F(StoreTest, LocalObjectsOfEachKind) {
  Config c = config_at("a");
  Store store(c, std::nullopt);
  EXPECT_FALSE(store.get(Kind::kEntry, kEntryKey));
  store.put(Kind::kEntry, kEntryKey, "entry");
  store.put(Kind::kManifest, kManifestKey, "manifest");
  EXPECT_EQ(store.get(Kind::kEntry, kEntryKey)->bytes(), "entry");
  EXPECT_EQ(store.get(Kind::kManifest, kManifestKey)->bytes(), "manifest");
  EXPECT_EQ(store.get(Kind::kEntry, kEntryKey)->local_path, store.layout().object(Kind::kEntry, kEntryKey));
  store.remove(Kind::kEntry, kEntryKey);
  EXPECT_FALSE(store.get(Kind::kEntry, kEntryKey));
}

// What one machine stores, another finds on the remote and keeps locally; the entry is uploaded
// before the manifest that leads to it.
TEST_F(StoreTest, RemoteTierSharesObjectsInOrder) {
  Config a = config_at("a"), b = config_at("b");
  Store writer(a, dir_remote(remote_dir()));
  writer.put(Kind::kEntry, kEntryKey, "entry");
  writer.put(Kind::kManifest, kManifestKey, "manifest");
  writer.upload_queued();
  ASSERT_TRUE(flush_uploads(writer.layout(), 10));
  EXPECT_EQ(read_file(remote_dir() + "/order.log"),
            remote_object_name(Kind::kEntry, kEntryKey) + "\n" + remote_object_name(Kind::kManifest, kManifestKey) + "\n");

  Store reader(b, dir_remote(remote_dir()));
  EXPECT_FALSE(reader.get(Kind::kEntry, kEntryKey, Tiers::kLocalOnly));
  auto got = reader.get(Kind::kEntry, kEntryKey);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->bytes(), "entry");
  EXPECT_TRUE(fs::exists(reader.layout().object(Kind::kEntry, kEntryKey))) << "a remote hit is kept locally";
  EXPECT_EQ(reader.get(Kind::kManifest, kManifestKey, Tiers::kRemoteOnly)->bytes(), "manifest");
  EXPECT_EQ(counter(b, "remote_hits"), 1);
}

TEST_F(StoreTest, ADeadRemoteIsCountedAndTheLocalTierServes) {
  Config c = config_at("a");
  Store store(c, dir_remote(remote_dir(), true));
  store.put(Kind::kEntry, kEntryKey, "entry");
  EXPECT_EQ(store.get(Kind::kEntry, kEntryKey)->bytes(), "entry");
  EXPECT_FALSE(store.get(Kind::kManifest, kManifestKey));
  EXPECT_EQ(counter(c, "errors.remote_get"), 1);
}

// A reader trusting only a builder's public key takes what the builder signed, under the name it
// signed, and nothing a writer without the private key put there.
TEST_F(StoreTest, RequiredSignaturesAdmitOnlyTheTrustedBuildersObjects) {
  std::string key = (scratch_.path() / "builder.key").string();
  generate_key_pair(key);
  Config builder = config_at("builder"), tenant = config_at("tenant"), intruder = config_at("intruder");
  Signatures signing;
  signing.signer = SigningKey::load(key);
  Store published(builder, dir_remote(remote_dir()), std::move(signing));
  published.put(Kind::kEntry, kEntryKey, "entry");
  published.put(Kind::kManifest, kManifestKey, "manifest");
  published.upload_queued();
  ASSERT_TRUE(flush_uploads(published.layout(), 10));

  Signatures trusting;
  trusting.trusted = TrustedKeys::load({key + ".pub"});
  trusting.required = true;
  Store reader(tenant, dir_remote(remote_dir()), std::move(trusting));
  EXPECT_EQ(reader.get(Kind::kEntry, kEntryKey)->bytes(), "entry");
  EXPECT_EQ(reader.get(Kind::kManifest, kManifestKey, Tiers::kRemoteOnly)->bytes(), "manifest");

  // The signed entry copied under another name, and an unsigned object from a writer without the key.
  const EntryKey other("00000000000000aa", std::string(64, 'd'));
  write_file_atomic(remote_dir() + "/" + remote_object_name(Kind::kEntry, other),
                    read_file(remote_dir() + "/" + remote_object_name(Kind::kEntry, kEntryKey)));
  Store unsigned_writer(intruder, dir_remote(remote_dir()));
  unsigned_writer.put(Kind::kManifest, kManifestKey, "forged manifest");
  unsigned_writer.upload_queued();
  ASSERT_TRUE(flush_uploads(unsigned_writer.layout(), 10));
  EXPECT_FALSE(reader.get(Kind::kEntry, other));
  EXPECT_FALSE(reader.get(Kind::kManifest, kManifestKey, Tiers::kRemoteOnly));
  EXPECT_EQ(counter(tenant, "errors.bad_signature"), 2);
}

// A local or shared store of another user's is a shared tier too: with signatures required, its
// files are served only when the trusted builder signed them under their own name; the builder's
// own store keeps the signatures and serves its own files as they are.
TEST_F(StoreTest, RequiredSignaturesCoverFilesOfAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give files to another user";
  std::string key = (scratch_.path() / "builder.key").string();
  generate_key_pair(key);
  Config builder = config_at("builder"), tenant = config_at("tenant");
  Signatures signing;
  signing.signer = SigningKey::load(key);
  Store published(builder, std::nullopt, std::move(signing));
  published.put(Kind::kEntry, kEntryKey, "entry");
  EXPECT_EQ(published.get(Kind::kEntry, kEntryKey)->bytes(), "entry");
  const EntryKey forged("00000000000000aa", std::string(64, 'f'));
  write_file_atomic(published.layout().object(Kind::kEntry, forged), "written without the key");
  for (const auto& k : {kEntryKey, forged}) {
    ASSERT_EQ(::chown(published.layout().object(Kind::kEntry, k).c_str(), 65534, 65534), 0);
  }

  tenant.shared_store = builder.dir;
  Signatures trusting;
  trusting.trusted = TrustedKeys::load({key + ".pub"});
  trusting.required = true;
  Store reader(tenant, std::nullopt, std::move(trusting));
  auto served = reader.get(Kind::kEntry, kEntryKey);
  ASSERT_TRUE(served);
  EXPECT_EQ(served->bytes(), "entry");
  EXPECT_TRUE(served->authenticated);
  EXPECT_FALSE(reader.get(Kind::kEntry, forged));
  EXPECT_EQ(counter(tenant, "errors.bad_signature"), 1);

  // Without required signatures the unsigned file is served, but not believed.
  Store lenient(tenant, std::nullopt);
  ASSERT_TRUE(lenient.get(Kind::kEntry, forged));
  EXPECT_FALSE(lenient.get(Kind::kEntry, forged)->authenticated);
}

// A bad remote setting once made the whole cache unavailable, uncounted: it must cost the remote
// tier only.
TEST_F(StoreTest, ABadRemoteSettingDisablesTheRemoteOnly) {
  Config c = config_at("a");
  c.remote = "foo";
  Store store = Store::open(c);
  EXPECT_EQ(counter(c, "errors.remote_config"), 1);
  store.put(Kind::kEntry, kEntryKey, "entry");
  EXPECT_EQ(store.get(Kind::kEntry, kEntryKey)->bytes(), "entry");
}

TEST_F(StoreTest, ReadOnlyRemoteTakesNoUploads) {
  Config c = config_at("a");
  RemoteTier tier = dir_remote(remote_dir());
  tier.policy = RemotePolicy::ReadOnly;
  Store store(c, std::move(tier));
  store.put(Kind::kEntry, kEntryKey, "entry");
  store.upload_queued();
  ASSERT_TRUE(flush_uploads(store.layout(), 10));
  EXPECT_FALSE(fs::exists(remote_dir() + "/order.log"));
}

}  // namespace
}  // namespace cratecache
