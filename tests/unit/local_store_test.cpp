#include "store/local_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
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
  EXPECT_EQ(store.evict_to(2000).entries, 2u);
  EXPECT_FALSE(get(store, key("aa01")));
  EXPECT_FALSE(get(store, key("aa03")));
  EXPECT_TRUE(get(store, key("aa02")));
  EXPECT_TRUE(get(store, key("aa04")));
  EXPECT_EQ(store.usage().entries, 2u);
}

// A manifest as key/manifest.h writes one, naming `entries` as its candidates' result keys.
std::string manifest_naming(const std::vector<EntryKey>& entries, size_t padding = 0) {
  std::string candidates;
  for (const auto& e : entries) {
    candidates += (candidates.empty() ? "" : ",") + std::string(R"({"key":")") + e.str() +
                  R"(","files":[["src/lib.rs",1,2,3,4,")" + digest("ee") + R"("]],"env":[]})";
  }
  return R"({"candidates":[)" + candidates + R"(],"crate":"a \"quoted\" name","kind":"lib","inputs":[]})" +
         std::string(padding, ' ');
}

void age(const fs::path& path, std::chrono::hours by) {
  fs::last_write_time(path, fs::file_time_type::clock::now() - by);
}

bool has_manifest(const fs::path& dir, const EntryKey& input) {
  return fs::exists(dir / "manifests" / input.digest().substr(0, 2) / (input.digest() + ".json"));
}

uint64_t manifest_bytes(const fs::path& dir) {
  uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir / "manifests")) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

// Whether a trim is under way: its child holds the cleanup lock.
bool trimming(const fs::path& dir) {
  int fd = ::open((dir / "cleanup.lock").c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

TEST_F(LocalStoreTest, ManifestsGoWithTheLastOfTheirEntries) {
  LocalStore store(StoreLayout(dir_.string()), 1 << 30);
  EntryKey e1 = key("aa01"), e2 = key("aa02"), e3 = key("aa03");
  EntryKey only_e1 = key("bb01"), e2_and_e3 = key("bb23"), e1_and_e2 = key("bb12"), absent_only = key("bb09");
  for (const auto& e : {e1, e2, e3}) store.put(Kind::kEntry, e, std::string(1000, 'z'));
  store.put(Kind::kManifest, only_e1, manifest_naming({e1}));
  store.put(Kind::kManifest, e2_and_e3, manifest_naming({e2, e3}));
  store.put(Kind::kManifest, e1_and_e2, manifest_naming({e1, e2}));
  store.put(Kind::kManifest, absent_only, manifest_naming({key("aa09")}));
  age(store.layout().object(Kind::kEntry, e1), std::chrono::hours(3));
  age(store.layout().object(Kind::kEntry, e2), std::chrono::hours(2));
  // 3000 bytes of entries and the manifests: e1 and e2 must go.
  Trimmed t = store.evict_to(1500);
  EXPECT_EQ(t.entries, 2u);
  EXPECT_EQ(t.manifests, 3u);
  EXPECT_FALSE(has_manifest(dir_, only_e1));
  EXPECT_FALSE(has_manifest(dir_, e1_and_e2));
  EXPECT_FALSE(has_manifest(dir_, absent_only)) << "a manifest leading nowhere stayed";
  EXPECT_TRUE(has_manifest(dir_, e2_and_e3)) << "a manifest whose entry e3 remains went";
  EXPECT_TRUE(get(store, e3));
  EXPECT_EQ(t.left.entries, 1u);
  EXPECT_EQ(t.left.bytes, 1000 + manifest_bytes(dir_));
}

TEST_F(LocalStoreTest, ManifestsCountAgainstTheLimit) {
  LocalStore store(StoreLayout(dir_.string()), 1 << 30);
  EntryKey old_entry = key("aa01"), new_entry = key("aa02");
  store.put(Kind::kEntry, old_entry, std::string(1000, 'z'));
  store.put(Kind::kEntry, new_entry, std::string(1000, 'z'));
  store.put(Kind::kManifest, key("bb01"), manifest_naming({old_entry}, 3000));
  store.put(Kind::kManifest, key("bb02"), manifest_naming({new_entry}, 3000));
  age(store.layout().object(Kind::kEntry, old_entry), std::chrono::hours(1));
  // The entries alone fit; with their manifests they do not.
  Trimmed t = store.evict_to(6000);
  EXPECT_EQ(t.entries, 1u);
  EXPECT_EQ(t.manifests, 1u);
  EXPECT_FALSE(get(store, old_entry));
  EXPECT_TRUE(has_manifest(dir_, key("bb02")));
  EXPECT_LE(t.left.bytes, 6000u);
}

TEST_F(LocalStoreTest, TrimRemovesIdleLocksAndStaleStatRecords) {
  LocalStore store(StoreLayout(dir_.string()), 1 << 30);
  const StoreLayout& layout = store.layout();
  std::string idle = layout.lock(digest("c1")), held = layout.lock(digest("c2")), fresh = layout.lock(digest("c3"));
  for (const auto& l : {idle, held, fresh}) write_file_atomic(l, "");
  age(idle, std::chrono::hours(2));
  age(held, std::chrono::hours(2));
  int holder = ::open(held.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_EQ(::flock(holder, LOCK_EX), 0);
  fs::path stale = fs::path(layout.stat_dir()) / "ab" / digest("ab"), recent = fs::path(layout.stat_dir()) / "ab" / digest("ac");
  write_file_atomic(stale.string(), "record");
  write_file_atomic(recent.string(), "record");
  age(stale, std::chrono::hours(24 * 40));
  Trimmed t = store.evict_to(1 << 30);
  ::close(holder);
  EXPECT_EQ(t.locks, 1u);
  EXPECT_FALSE(fs::exists(idle));
  EXPECT_TRUE(fs::exists(held)) << "a lock a build holds was removed";
  EXPECT_TRUE(fs::exists(fresh));
  EXPECT_EQ(t.stat_records, 1u);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(recent));
}

// The put that passes the limit does not walk the store: a detached child trims it, soon after,
// to 90 % of the limit, entries and manifests together.
TEST_F(LocalStoreTest, PutPastTheLimitTrimsInTheBackground) {
  constexpr int kUnits = 3000;
  const uint64_t limit = kUnits * 1000;
  LocalStore store(StoreLayout(dir_.string()), limit);
  auto unit = [](int i) { return key(std::to_string(100000 + i)); };
  auto manifest_of = [](int i) { return key("ff" + std::to_string(100000 + i)); };
  for (int i = 0; i < kUnits && !trimming(dir_); ++i) {
    store.put(Kind::kEntry, unit(i), std::string(900, 'q'));
    store.put(Kind::kManifest, manifest_of(i), manifest_naming({unit(i)}));
  }
  ASSERT_TRUE(trimming(dir_)) << "no put passed the limit";
  // Oldest first: the first entry stored is the trim's first victim, still here as the put returns
  // (looked at, not read: a read would make it the newest).
  std::string first = store.layout().object(Kind::kEntry, unit(0));
  EXPECT_TRUE(fs::exists(first)) << "the put trimmed the store before returning";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (trimming(dir_) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(trimming(dir_)) << "the background trim did not finish in 30 s";
  StoreUsage left = store.usage();
  EXPECT_LE(left.bytes + manifest_bytes(dir_), limit / 10 * 9);
  EXPECT_GT(left.entries, 0u);
  EXPECT_FALSE(fs::exists(first));
  EXPECT_FALSE(has_manifest(dir_, manifest_of(0))) << "an evicted entry's manifest stayed";
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
