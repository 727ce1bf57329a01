#include "store/local_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <thread>

#include "scratch_dir.h"
#include "store/stats.h"
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

// A put past the limit while another process holds the cleanup lock starts nothing: the holder
// looks at the size once more when it lets go, and has what came meanwhile trimmed.
TEST_F(LocalStoreTest, PutsPastTheLimitWhileTheLockIsHeldAreTrimmedAfterIt) {
  const uint64_t limit = 100 * 1000;
  LocalStore store(StoreLayout(dir_.string()), limit);
  fs::create_directories(dir_);
  int held = ::open((dir_ / "cleanup.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_EX), 0);
  for (int i = 0; i < 200; ++i) store.put(Kind::kEntry, key(std::to_string(100000 + i)), std::string(1000, 'q'));
  ::close(held);
  ASSERT_GT(store.usage().bytes, limit) << "a put trimmed while the lock was held";
  store.evict_to(1 << 30);  // removes nothing itself
  EXPECT_TRUE(trimming(dir_)) << "the store is over max_size and no trim followed";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (trimming(dir_) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_LE(store.usage().bytes, limit / 10 * 9);
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

// Per toolchain id: entries and their bytes.
using Usage = std::map<std::string, std::pair<uint64_t, uint64_t>>;

// As a walk of the entries finds it.
Usage walked_usage(const fs::path& dir) {
  Usage out;
  for (const auto& e : fs::recursive_directory_iterator(dir / "entries")) {
    if (!e.is_regular_file() || e.path().extension() != ".entry") continue;
    auto& u = out[e.path().parent_path().parent_path().filename().string()];
    ++u.first;
    u.second += e.file_size();
  }
  return out;
}

Usage counted_usage(const LocalStore& store) {
  Usage out;
  for (const auto& t : store.usage_by_toolchain()) {
    if (t.usage.entries != 0) out[t.id] = {t.usage.entries, t.usage.bytes};
  }
  return out;
}

// Writes an entry file as nothing of the store's would: the counters cannot know it.
void write_behind_the_store(const LocalStore& store, const EntryKey& k, size_t size) {
  write_file_atomic(store.layout().object(Kind::kEntry, k), std::string(size, 'w'));
}

const std::string kOther = "00000000000000bb";

TEST_F(LocalStoreTest, CountersFollowPutsReplacementsAndRemovals) {
  LocalStore store(StoreLayout(dir_.string()), 1 << 30);
  store.put(Kind::kEntry, key("aa01"), std::string(10, 'a'));
  ASSERT_TRUE(Stats(store.layout()).counters()) << "a store made by this version is not counted from its first put";
  store.put(Kind::kEntry, key("aa02"), std::string(20, 'a'));
  store.put(Kind::kEntry, key("aa03"), std::string(30, 'a'));
  store.put(Kind::kEntry, key("aa04", kOther), std::string(5, 'b'));
  store.put(Kind::kManifest, key("bb01"), std::string(100, 'm'));
  Usage expected{{kTc, {3, 60}}, {kOther, {1, 5}}};
  EXPECT_EQ(counted_usage(store), expected);
  EXPECT_EQ(store.contents().manifest_bytes, 100u);

  // Replacements count only their difference, smaller or larger.
  store.put(Kind::kEntry, key("aa01"), std::string(15, 'a'));
  store.put(Kind::kEntry, key("aa02"), std::string(2, 'a'));
  store.put(Kind::kManifest, key("bb01"), std::string(40, 'm'));
  expected[kTc] = {3, 47};
  EXPECT_EQ(counted_usage(store), expected);
  EXPECT_EQ(walked_usage(dir_), expected);
  EXPECT_EQ(store.contents().manifest_bytes, 40u);

  store.remove(Kind::kEntry, key("aa03"));
  store.remove(Kind::kEntry, key("aa03"));  // gone already: nothing to count
  store.remove(Kind::kManifest, key("bb01"));
  store.layout().for_each_entry([&](const StoreLayout::EntryFile& f) { store.remove(f); }, kOther);
  expected = {{kTc, {2, 17}}};
  EXPECT_EQ(counted_usage(store), expected);
  EXPECT_EQ(walked_usage(dir_), expected);
  EXPECT_EQ(store.usage().entries, 2u);
  EXPECT_EQ(store.usage().bytes, 17u);
  EXPECT_EQ(store.contents().manifest_bytes, 0u);

  // Read from the counters, not a walk: an entry written behind the store's back is not seen.
  write_behind_the_store(store, key("aa05"), 1000);
  EXPECT_EQ(store.usage().entries, 2u);
}

TEST_F(LocalStoreTest, TrimSetsTheCountersFromItsWalk) {
  LocalStore store(StoreLayout(dir_.string()), 1 << 30);
  for (const char* k : {"aa01", "aa02", "aa03"}) store.put(Kind::kEntry, key(k), std::string(1000, 'z'));
  store.put(Kind::kEntry, key("aa04", kOther), std::string(1000, 'z'));
  store.put(Kind::kManifest, key("bb01"), manifest_naming({key("aa03")}));
  store.put(Kind::kManifest, key("bb04"), manifest_naming({key("aa04", kOther)}));
  // What the counters cannot know: a file removed and one added behind the store's back.
  fs::remove(store.layout().object(Kind::kEntry, key("aa02")));
  write_behind_the_store(store, key("aa05", kOther), 500);
  store.evict_to(1 << 30);
  EXPECT_EQ(counted_usage(store), walked_usage(dir_));
  EXPECT_EQ(store.contents().manifest_bytes, manifest_bytes(dir_));

  for (const char* k : {"aa01", "aa03"}) age(store.layout().object(Kind::kEntry, key(k)), std::chrono::hours(2));
  age(store.layout().object(Kind::kEntry, key("aa04", kOther)), std::chrono::hours(1));
  // aa01, aa03 (and its manifest) and aa04 (and its) go; aa05 stays.
  Trimmed t = store.evict_to(600);
  EXPECT_EQ(t.entries, 3u);
  Usage expected{{kOther, {1, 500}}};
  EXPECT_EQ(walked_usage(dir_), expected);
  EXPECT_EQ(counted_usage(store), expected);
  EXPECT_EQ(store.contents().manifest_bytes, 0u);
}

TEST_F(LocalStoreTest, DropsSeveralToolchains) {
  LocalStore store(StoreLayout(dir_.string()), 1 << 30);
  const std::string tc1 = "0000000000000001", tc2 = "0000000000000002", tc3 = "0000000000000003";
  store.put(Kind::kEntry, key("aa11", tc1), "1");
  store.put(Kind::kEntry, key("aa12", tc1), "12");
  store.put(Kind::kEntry, key("aa22", tc2), "2");
  store.put(Kind::kEntry, key("aa33", tc3), "333");
  write_file_atomic(store.layout().toolchain_used(tc1), "");
  store.drop_toolchains({tc1, tc3});
  EXPECT_FALSE(get(store, key("aa11", tc1)));
  EXPECT_FALSE(get(store, key("aa33", tc3)));
  EXPECT_FALSE(fs::exists(store.layout().toolchain_used(tc1)));
  EXPECT_TRUE(get(store, key("aa22", tc2)));
  ASSERT_EQ(store.usage_by_toolchain().size(), 1u);
  EXPECT_EQ(store.usage_by_toolchain()[0].id, tc2);
  // Counted without a walk: the dropped toolchains' counters are gone with them.
  auto counted = Stats(store.layout()).counters();
  ASSERT_TRUE(counted);
  EXPECT_EQ(counted->toolchains.size(), 1u);
  EXPECT_EQ(counted->toolchains[tc2].count, 1u);
  EXPECT_EQ(store.usage().bytes, 1u);
}

// A store an older version made has a size estimate in shard 0 but no counters: the first reading
// walks it and records them, the next one reads them.
TEST_F(LocalStoreTest, AStoreNeverCountedIsWalkedOnceThenCounted) {
  LocalStore store(StoreLayout(dir_.string()), 1 << 30);
  write_behind_the_store(store, key("aa01"), 100);
  write_behind_the_store(store, key("aa02"), 200);
  write_behind_the_store(store, key("aa03", kOther), 300);
  write_file_atomic(store.layout().object(Kind::kManifest, key("bb01")), std::string(50, 'm'));
  write_file_atomic(store.layout().stats_dir() + "/0.json", R"({"store_size_estimate":650})");
  ASSERT_FALSE(Stats(store.layout()).counters());
  // A put made since counts only its own change, into counters that do not hold the rest.
  store.put(Kind::kEntry, key("aa04"), std::string(400, 'z'));
  Usage expected{{kTc, {3, 700}}, {kOther, {1, 300}}};
  EXPECT_EQ(counted_usage(store), expected);
  EXPECT_EQ(store.contents().manifest_bytes, 50u);
  ASSERT_TRUE(Stats(store.layout()).counters()) << "the walk's counters were not recorded";
  write_behind_the_store(store, key("aa05"), 1000);
  EXPECT_EQ(counted_usage(store), expected) << "walked again";
}

TEST_F(LocalStoreTest, ReadingAStoreThatDoesNotExistMakesNothing) {
  fs::path absent = dir_ / "absent";
  LocalStore store(StoreLayout(absent.string()), 1 << 30);
  EXPECT_EQ(store.usage().entries, 0u);
  EXPECT_TRUE(store.usage_by_toolchain().empty());
  EXPECT_FALSE(fs::exists(absent));
}

// The trim reclaims the temp files killed writers left anywhere in the store, not only among
// entries: gc has no walk of its own for them.
TEST_F(LocalStoreTest, TrimRemovesAbandonedTempFilesAcrossTheStore) {
  LocalStore store(StoreLayout(dir_.string()), 1 << 30);
  const StoreLayout& layout = store.layout();
  std::vector<fs::path> old_temps, fresh_temps;
  for (const auto& dir : {layout.toolchains_dir(), layout.explain_dir(), layout.warm_dir() + "/123/deep",
                          layout.locks_dir() + "/ab", layout.dir()}) {
    old_temps.push_back(fs::path(dir) / "record.json.tmp.123.0");
    fresh_temps.push_back(fs::path(dir) / "record.json.tmp.456.0");
  }
  for (const auto& p : old_temps) {
    write_file_atomic(p.string(), "partial");
    age(p, std::chrono::hours(2));
  }
  for (const auto& p : fresh_temps) write_file_atomic(p.string(), "partial");
  write_file_atomic(layout.toolchains_dir() + "/0000000000000001.release", "1.0");
  age(layout.toolchains_dir() + "/0000000000000001.release", std::chrono::hours(2));
  store.evict_to(1 << 30);
  for (const auto& p : old_temps) EXPECT_FALSE(fs::exists(p)) << p;
  for (const auto& p : fresh_temps) EXPECT_TRUE(fs::exists(p)) << "a write in progress was removed: " << p;
  EXPECT_TRUE(fs::exists(layout.toolchains_dir() + "/0000000000000001.release"));
}

TEST_F(LocalStoreTest, UnwritableDirectoryIsAnError) {
  LocalStore store(StoreLayout("/proc/cratecache-cannot-exist"), 1 << 30);
  EXPECT_THROW(store.put(Kind::kEntry, key("abcd"), "x"), std::runtime_error);
  EXPECT_FALSE(get(store, key("abcd")));
}

}  // namespace
}  // namespace cratecache
