#include "store/local_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

// Entry keys as the store makes them: "<16 hex toolchain id>/<64 hex digest>".
const std::string kTc = "00000000000000aa";
std::string digest(const std::string& prefix) { return prefix + std::string(64 - prefix.size(), '0'); }
EntryKey key(const std::string& prefix, const std::string& toolchain = kTc) { return EntryKey(toolchain, digest(prefix)); }

std::optional<std::string> get(LocalStore& store, const EntryKey& k) {
  auto mapped = store.map(Kind::kEntry, k);
  if (!mapped) return std::nullopt;
  return std::string(mapped->bytes());
}

class LocalStoreTest : public ::testing::Test {
 protected:
  ScratchDir scratch_{"store"};
  fs::path dir_ = scratch_.path();
};

TEST_F(LocalStoreTest, PutGetRemove) {
  LocalStore store(StoreLayout(dir_.string()), 1 << 30);
  EXPECT_FALSE(get(store, key("abcd")));
  store.put(Kind::kEntry, key("abcd"), "payload");
  EXPECT_EQ(get(store, key("abcd")).value_or(""), "payload");
  EXPECT_TRUE(fs::exists(dir_ / "entries" / kTc / "ab" / (digest("abcd") + ".entry")));
  store.remove(Kind::kEntry, key("abcd"));
  EXPECT_FALSE(get(store, key("abcd")));
}

TEST_F(LocalStoreTest, WritesAreAtomicAndLeaveNoTempFiles) {
  LocalStore store(StoreLayout(dir_.string()), 1 << 30);
  std::string big(1 << 20, 'x');
  std::thread reader([&] {
    for (int i = 0; i < 200; ++i) {
      auto got = get(store, key("ffee"));
      if (got) {
        ASSERT_TRUE(*got == big || *got == std::string(1 << 20, 'y')) << "partial entry seen";
      }
    }
  });
  for (int i = 0; i < 20; ++i) store.put(Kind::kEntry, key("ffee"), i % 2 ? big : std::string(1 << 20, 'y'));
  reader.join();
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "entries")) {
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
  }
}

TEST_F(LocalStoreTest, EvictsLeastRecentlyUsedFirst) {
  LocalStore store(StoreLayout(dir_.string()), 1 << 30);
  for (const char* k : {"aa01", "aa02", "aa03", "aa04"}) store.put(Kind::kEntry, key(k), std::string(1000, 'z'));
  // Age every entry, then use aa02 and aa04 again: they are the recent ones.
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "entries")) {
    if (e.is_regular_file()) fs::last_write_time(e.path(), fs::file_time_type::clock::now() - std::chrono::hours(1));
  }
  get(store, key("aa02"));
  get(store, key("aa04"));
  EXPECT_EQ(store.evict_to(2000), 2u);
  EXPECT_FALSE(get(store, key("aa01")));
  EXPECT_FALSE(get(store, key("aa03")));
  EXPECT_TRUE(get(store, key("aa02")));
  EXPECT_TRUE(get(store, key("aa04")));
  EXPECT_EQ(store.usage().entries, 2u);
}

TEST_F(LocalStoreTest, PutTrimsWhenOverTheLimit) {
  LocalStore store(StoreLayout(dir_.string()), 10000);
  for (int i = 0; i < 30; ++i) store.put(Kind::kEntry, key(std::to_string(1000 + i)), std::string(1000, 'q'));
  EXPECT_LE(store.usage().bytes, 10000u);
}

// Automatic eviction also reclaims what writers killed before their rename left behind.
TEST_F(LocalStoreTest, EvictionRemovesAbandonedTempFilesOnly) {
  LocalStore store(StoreLayout(dir_.string()), 1 << 30);
  store.put(Kind::kEntry, key("aa01"), "x");
  fs::path old_temp = dir_ / "entries" / kTc / "aa" / (digest("aa02") + ".entry.tmp.123.0");
  fs::path fresh_temp = dir_ / "entries" / kTc / "aa" / (digest("aa03") + ".entry.tmp.456.0");
  write_file_atomic(old_temp.string(), std::string(100, 't'));
  write_file_atomic(fresh_temp.string(), std::string(100, 't'));
  fs::last_write_time(old_temp, fs::file_time_type::clock::now() - std::chrono::hours(2));
  store.evict_to(1 << 30);
  EXPECT_FALSE(fs::exists(old_temp));
  EXPECT_TRUE(fs::exists(fresh_temp)) << "a write in progress was removed";
  EXPECT_TRUE(get(store, key("aa01")));
}

TEST_F(LocalStoreTest, DropsOneToolchain) {
  LocalStore store(StoreLayout(dir_.string()), 1 << 30);
  const std::string old_tc = "0000000000000001", new_tc = "0000000000000002";
  store.put(Kind::kEntry, key("aa11", old_tc), "1");
  store.put(Kind::kEntry, key("aa22", new_tc), "2");
  store.drop_toolchain(old_tc);
  EXPECT_FALSE(get(store, key("aa11", old_tc)));
  EXPECT_TRUE(get(store, key("aa22", new_tc)));
  ASSERT_EQ(store.usage_by_toolchain().size(), 1u);
  EXPECT_EQ(store.usage_by_toolchain()[0].id, new_tc);
}

TEST_F(LocalStoreTest, UnwritableDirectoryIsAnError) {
  LocalStore store(StoreLayout("/proc/cratecache-cannot-exist"), 1 << 30);
  EXPECT_THROW(store.put(Kind::kEntry, key("abcd"), "x"), std::runtime_error);
  EXPECT_FALSE(get(store, key("abcd")));
}

}  // namespace
}  // namespace cratecache
