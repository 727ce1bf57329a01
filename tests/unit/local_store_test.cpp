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

class LocalStoreTest : public ::testing::Test {
 protected:
  ScratchDir scratch_{"store"};
  fs::path dir_ = scratch_.path();
};

TEST_F(LocalStoreTest, PutGetRemove) {
  LocalStore store(dir_.string(), 1 << 30);
  EXPECT_FALSE(store.get("tc/abcd"));
  store.put("tc/abcd", "payload");
  EXPECT_EQ(store.get("tc/abcd").value_or(""), "payload");
  EXPECT_TRUE(fs::exists(dir_ / "entries/tc/ab/abcd.entry"));
  store.remove("tc/abcd");
  EXPECT_FALSE(store.get("tc/abcd"));
}

TEST_F(LocalStoreTest, WritesAreAtomicAndLeaveNoTempFiles) {
  LocalStore store(dir_.string(), 1 << 30);
  std::string big(1 << 20, 'x');
  std::thread reader([&] {
    for (int i = 0; i < 200; ++i) {
      auto got = store.get("tc/ffee");
      if (got) {
        ASSERT_TRUE(*got == big || *got == std::string(1 << 20, 'y')) << "partial entry seen";
      }
    }
  });
  for (int i = 0; i < 20; ++i) store.put("tc/ffee", i % 2 ? big : std::string(1 << 20, 'y'));
  reader.join();
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "entries")) {
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
  }
}

TEST_F(LocalStoreTest, EvictsLeastRecentlyUsedFirst) {
  LocalStore store(dir_.string(), 1 << 30);
  for (const char* k : {"aa01", "aa02", "aa03", "aa04"}) store.put(std::string("tc/") + k, std::string(1000, 'z'));
  // Age every entry, then use aa02 and aa04 again: they are the recent ones.
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "entries")) {
    if (e.is_regular_file()) fs::last_write_time(e.path(), fs::file_time_type::clock::now() - std::chrono::hours(1));
  }
  store.get("tc/aa02");
  store.get("tc/aa04");
  EXPECT_EQ(store.evict_to(2000), 2u);
  EXPECT_FALSE(store.get("tc/aa01"));
  EXPECT_FALSE(store.get("tc/aa03"));
  EXPECT_TRUE(store.get("tc/aa02"));
  EXPECT_TRUE(store.get("tc/aa04"));
  EXPECT_EQ(store.usage().entries, 2u);
}

TEST_F(LocalStoreTest, PutTrimsWhenOverTheLimit) {
  LocalStore store(dir_.string(), 10000);
  for (int i = 0; i < 30; ++i) store.put("tc/" + std::to_string(1000 + i), std::string(1000, 'q'));
  EXPECT_LE(store.usage().bytes, 10000u);
}

// Automatic eviction also reclaims what writers killed before their rename left behind.
TEST_F(LocalStoreTest, EvictionRemovesAbandonedTempFilesOnly) {
  LocalStore store(dir_.string(), 1 << 30);
  store.put("tc/aa01", "x");
  fs::path old_temp = dir_ / "entries/tc/aa/aa02.entry.tmp.123.0";
  fs::path fresh_temp = dir_ / "entries/tc/aa/aa03.entry.tmp.456.0";
  write_file_atomic(old_temp.string(), std::string(100, 't'));
  write_file_atomic(fresh_temp.string(), std::string(100, 't'));
  fs::last_write_time(old_temp, fs::file_time_type::clock::now() - std::chrono::hours(2));
  store.evict_to(1 << 30);
  EXPECT_FALSE(fs::exists(old_temp));
  EXPECT_TRUE(fs::exists(fresh_temp)) << "a write in progress was removed";
  EXPECT_TRUE(store.get("tc/aa01"));
}

TEST_F(LocalStoreTest, DropsOneToolchain) {
  LocalStore store(dir_.string(), 1 << 30);
  store.put("old/aa11", "1");
  store.put("new/aa22", "2");
  store.drop_toolchain("old");
  EXPECT_FALSE(store.get("old/aa11"));
  EXPECT_TRUE(store.get("new/aa22"));
  ASSERT_EQ(store.usage_by_toolchain().size(), 1u);
  EXPECT_EQ(store.usage_by_toolchain()[0].id, "new");
}

TEST_F(LocalStoreTest, UnwritableDirectoryIsAnError) {
  LocalStore store("/proc/cratecache-cannot-exist", 1 << 30);
  EXPECT_THROW(store.put("tc/abcd", "x"), std::runtime_error);
  EXPECT_FALSE(store.get("tc/abcd"));
}

}  // namespace
}  // namespace cratecache
