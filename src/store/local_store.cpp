#include "store/local_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <unordered_map>

#include "store/stats.h"
#include "util/file_lock.h"
#include "util/fs.h"
#include "util/process.h"

namespace cratecache {
namespace fs = std::filesystem;
namespace {

using std::chrono::hours;

// Marks an entry as recently used; failure only weakens LRU ordering.
void touch(const std::string& path) { ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0); }

int64_t ns_ago(hours age) {
  auto then = std::chrono::system_clock::now() - age;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(then.time_since_epoch()).count();
}

// write_file_atomic's "<name>.tmp.<pid>.<n>", left by a writer killed before its rename; no write
// lasts an hour.
constexpr hours kAbandonedWrite{1};
// A lock matters only while a build holds it; an idle one is made again by the next miss.
constexpr hours kIdleLock{1};
// A stat record only saves rehashing one input file: losing one not rewritten for a month costs
// one rehash.
constexpr hours kStaleStatRecord{24 * 30};
// A background trim of 10^5 entries takes about a second; `gc` waits for one this long at most.
constexpr std::chrono::minutes kTrimWait{10};
// A background trim's walks at most: builds storing as fast as it trims cannot keep it running.
constexpr int kTrimPasses = 8;
constexpr std::chrono::seconds kTrimRetake{5};

bool is_temporary(const std::string& path) { return basename_of(path).find(".tmp.") != std::string::npos; }

// The entries a manifest names, as paths: every JSON string in it of the form
// "<toolchain>/<digest>". The manifest's format belongs to key/, a sibling room the store may not
// include; a string of that form is only ever a result key, and one taken wrongly for one would
// only keep its manifest longer.
std::vector<std::string> named_entries(const StoreLayout& layout, std::string_view text) {
  std::vector<std::string> paths;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '"') continue;
    size_t start = ++i;
    while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
    if (i >= text.size()) break;
    if (auto key = EntryKey::parse(text.substr(start, i - start))) paths.push_back(layout.object(Kind::kEntry, *key));
  }
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

struct WalkedManifest {
  StoreLayout::StoredFile file;
  std::vector<std::string> entries;
  size_t live = 0;  // of `entries`, those the walk found
};

// Only the manifest the walk read (a concurrent rewrite is a new inode), and only while none of
// its entries exists: an entry written since, then its manifest, keep it. What may still race is
// a rewrite between the check and the unlink: the next lookup misses, and nothing worse.
bool remove_unused(const WalkedManifest& m) {
  auto st = stat_file(m.file.path);
  if (!st || st->inode != m.file.inode) return false;
  for (const auto& entry : m.entries) {
    if (stat_file(entry)) return false;
  }
  return ::unlink(m.file.path.c_str()) == 0;
}

// A lock nobody holds, not made in the last hour. A build that opened it just before the unlink
// may hold the old inode while the next opens a new one: the two compile the same unit, each
// storing the same result.
bool remove_idle_lock(const StoreLayout::StoredFile& f) {
  int fd = ::open(f.path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  bool removed = false;
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
    auto st = stat_file(f.path);
    removed = st && st->inode == f.inode && ::unlink(f.path.c_str()) == 0;
  }
  ::close(fd);
  return removed;
}

// The temporaries of writes outside entries, manifests, locks and stat records (which the trim
// walks anyway): toolchain and miss records, settings, warm's work. That part of the store is small.
void remove_abandoned_elsewhere(const StoreLayout& layout, int64_t abandoned) {
  auto remove_if_abandoned = [&](const StoreLayout::StoredFile& f) {
    if (is_temporary(f.path) && f.mtime_ns < abandoned) ::unlink(f.path.c_str());
  };
  std::vector<std::string> walked;
  for (const auto& dir : {layout.entries_dir(), layout.manifests_dir(), layout.locks_dir(), layout.stat_dir()}) {
    walked.push_back(basename_of(dir));
  }
  std::error_code ec;
  for (fs::directory_iterator it(layout.dir(), ec), end; !ec && it != end; it.increment(ec)) {
    std::string path = it->path().string();
    if (std::find(walked.begin(), walked.end(), it->path().filename().string()) != walked.end()) continue;
    std::error_code type_ec;
    auto type = it->symlink_status(type_ec).type();  // a link is not followed, as in the trim's walks
    if (type == fs::file_type::directory) {
      layout.for_each_file(path, remove_if_abandoned);
    } else if (auto st = stat_file(path); st && type == fs::file_type::regular) {
      remove_if_abandoned({path, st->size, st->mtime_ns, st->inode});
    }
  }
}

}  // namespace

std::optional<MappedFile> LocalStore::map(Kind kind, const EntryKey& key) {
  std::string path = layout_.object(kind, key);
  auto mapped = MappedFile::open(path);
  if (mapped && kind == Kind::kEntry) touch(path);
  return mapped;
}

void LocalStore::put(Kind kind, const EntryKey& key, std::string_view bytes) {
  std::string path = layout_.object(kind, key);
  // Only the difference from an object replaced is new: a manifest rewritten with another
  // candidate, an entry stored again (by concurrent misses, or over a damaged one).
  auto replaced = stat_file(path);
  write_file_atomic(path, bytes);
  bool entry = kind == Kind::kEntry;
  Stats::StoreChange change{entry ? key.toolchain() : "", entry && !replaced ? 1 : 0,
                            static_cast<int64_t>(bytes.size()) - static_cast<int64_t>(replaced ? replaced->size : 0)};
  if (change.entries == 0 && change.bytes == 0) return;
  auto estimate = count(change);
  if (estimate && change.bytes > 0 && *estimate > max_size_) start_trim();
}

void LocalStore::remove(Kind kind, const EntryKey& key) {
  std::string path = layout_.object(kind, key);
  auto st = stat_file(path);
  if (!st || ::unlink(path.c_str()) != 0) return;
  bool entry = kind == Kind::kEntry;
  count({entry ? key.toolchain() : "", entry ? -1 : 0, -static_cast<int64_t>(st->size)});
}

void LocalStore::remove(const StoreLayout::EntryFile& walked) {
  if (::unlink(walked.path.c_str()) == 0) count({walked.toolchain, -1, -static_cast<int64_t>(walked.size)});
}

std::optional<uint64_t> LocalStore::count(const Stats::StoreChange& change) const {
  try {
    return Stats(layout_).count_changes({change});
  } catch (const std::runtime_error&) {
    return std::nullopt;  // shard 0 held past its deadline, or not writable
  }
}

ToolchainUsage describe_toolchain(const StoreLayout& layout, const std::string& id) {
  ToolchainUsage t;
  t.id = id;
  t.release = try_read_file(layout.toolchain_release(id)).value_or("");
  while (!t.release.empty() && t.release.back() == '\n') t.release.pop_back();
  if (auto st = stat_file(layout.toolchain_used(id))) t.last_used = st->mtime_ns / 1000000000;
  return t;
}

StoreContents LocalStore::contents() const {
  Stats stats(layout_);
  auto counted = stats.counters();
  if (!counted) {
    auto mark = stats.mark();
    counted = walk_counters();
    try {
      // Not for a store that does not exist: `stats` makes nothing.
      if (stat_file(layout_.entries_dir())) stats.set_counters(*counted, mark);
    } catch (const std::runtime_error&) {
      // A store this process cannot write is walked each time.
    }
  }
  StoreContents c;
  c.manifest_bytes = counted->manifest_bytes;
  for (const auto& id : layout_.entry_toolchains()) {
    ToolchainUsage t = describe_toolchain(layout_, id);
    if (auto it = counted->toolchains.find(id); it != counted->toolchains.end()) {
      t.usage = {it->second.count, it->second.bytes};
    }
    c.entries.entries += t.usage.entries;
    c.entries.bytes += t.usage.bytes;
    c.toolchains.push_back(std::move(t));
  }
  return c;
}

Stats::StoreCounters LocalStore::walk_counters() const {
  Stats::StoreCounters c;
  layout_.for_each_entry([&](const StoreLayout::EntryFile& f) {
    auto& e = c.toolchains[f.toolchain];
    ++e.count;
    e.bytes += f.size;
  });
  layout_.for_each_file(layout_.manifests_dir(), [&](const StoreLayout::StoredFile& f) {
    if (!is_temporary(f.path) && f.path.ends_with(".json")) c.manifest_bytes += f.size;
  });
  return c;
}

void LocalStore::drop_toolchains(const std::vector<std::string>& ids) {
  auto counted = Stats(layout_).counters().value_or(Stats::StoreCounters{});
  for (const auto& id : ids) {
    std::string dir = layout_.toolchain_entries_dir(id);
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec) throw std::runtime_error("cannot remove " + dir + ": " + ec.message());
    fs::remove(layout_.toolchain_used(id), ec);
    const auto& e = counted.toolchains[id];
    if (e.count != 0 || e.bytes != 0) count({id, -static_cast<int64_t>(e.count), -static_cast<int64_t>(e.bytes)});
  }
}

Trimmed LocalStore::evict_to(uint64_t target) {
  int fd = ::open(layout_.cleanup_lock().c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  // Without the lock (no lock file, or a background trim past its deadline), trims all the same:
  // a second trim's unlinks of what the first removed fail harmlessly.
  if (fd >= 0) flock_within(fd, LOCK_EX, kTrimWait);
  Trimmed t = trim(target);
  if (fd >= 0) ::close(fd);
  // A put that crossed max_size while this held the lock started no trim of its own.
  if (Stats(layout_).size_estimate() > max_size_) start_trim();
  return t;
}

Trimmed LocalStore::trim(uint64_t target) {
  Trimmed t;
  Stats stats(layout_);
  auto walk_start = stats.mark();
  int64_t abandoned = ns_ago(kAbandonedWrite);
  // Manifests before entries: an entry is written before its manifest, so a manifest the walk
  // reads finds its entries in the entries walk that follows.
  std::vector<WalkedManifest> manifests;
  layout_.for_each_file(layout_.manifests_dir(), [&](const StoreLayout::StoredFile& f) {
    if (is_temporary(f.path)) {
      if (f.mtime_ns < abandoned) ::unlink(f.path.c_str());
      return;
    }
    if (!f.path.ends_with(".json")) return;
    if (auto text = try_read_file(f.path)) manifests.push_back({f, named_entries(layout_, *text)});
  });
  std::vector<StoreLayout::EntryFile> entries;
  std::unordered_map<std::string, std::vector<size_t>> named_by;  // entry path -> manifests
  uint64_t total = 0;
  Stats::StoreCounters left;
  layout_.for_each_entry(
      [&](const StoreLayout::EntryFile& f) {
        if (f.temporary) {
          if (f.mtime_ns < abandoned) ::unlink(f.path.c_str());
          return;
        }
        total += f.size;
        auto& counted = left.toolchains[f.toolchain];
        ++counted.count;
        counted.bytes += f.size;
        named_by[f.path];
        entries.push_back(f);
      },
      "", true);
  for (size_t i = 0; i < manifests.size(); ++i) {
    for (const auto& entry : manifests[i].entries) {
      auto it = named_by.find(entry);
      if (it == named_by.end()) continue;
      it->second.push_back(i);
      ++manifests[i].live;
    }
  }
  // A manifest whose entries are all gone leads nowhere: it goes first, whatever the size.
  for (const auto& m : manifests) {
    if (m.live == 0 && remove_unused(m)) {
      ++t.manifests;
    } else {
      total += m.file.size;
      left.manifest_bytes += m.file.size;
    }
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.mtime_ns < b.mtime_ns; });
  for (const auto& e : entries) {
    if (total <= target) break;
    if (::unlink(e.path.c_str()) != 0) continue;
    total -= e.size;
    ++t.entries;
    auto& counted = left.toolchains[e.toolchain];
    --counted.count;
    counted.bytes -= e.size;
    for (size_t i : named_by[e.path]) {
      WalkedManifest& m = manifests[i];
      if (--m.live == 0 && remove_unused(m)) {
        total -= m.file.size;
        left.manifest_bytes -= m.file.size;
        ++t.manifests;
      }
    }
  }
  int64_t idle = ns_ago(kIdleLock);
  layout_.for_each_file(layout_.locks_dir(), [&](const StoreLayout::StoredFile& f) {
    if (is_temporary(f.path)) {
      if (f.mtime_ns < abandoned) ::unlink(f.path.c_str());
    } else if (f.mtime_ns < idle && remove_idle_lock(f)) {
      ++t.locks;
    }
  });
  int64_t stale = ns_ago(kStaleStatRecord);
  layout_.for_each_file(layout_.stat_dir(), [&](const StoreLayout::StoredFile& f) {
    bool expired = f.mtime_ns < (is_temporary(f.path) ? abandoned : stale);
    if (expired && ::unlink(f.path.c_str()) == 0 && !is_temporary(f.path)) ++t.stat_records;
  });
  remove_abandoned_elsewhere(layout_, abandoned);
  t.left = {entries.size() - t.entries, total};
  stats.set_counters(left, walk_start);
  return t;
}

// The running size estimate lives in the stats; only when it passes the limit does one process
// (holding the cleanup lock) walk the store. That walk is a whole-store pass (10^5 entries: about a
// second), so it runs in a detached child, like an upload: the put returns at once and the build
// goes on. A bounded step per put was the other way, but LRU needs every entry's age: any bounded
// step would trim a sample, not the oldest. The child holds the lock to its end, so while it runs
// other puts past the limit start nothing; `cratecache gc` waits for it, then trims itself.
void LocalStore::start_trim() {
  int fd = ::open(layout_.cleanup_lock().c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) return;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0 || fork_detached(fd) != 0) {
    ::close(fd);  // a trim under way, or this one started (its child's copy keeps the lock), or no fork
    return;
  }
  // The child: nothing of the build's may run here, whatever happens.
  ::setpriority(PRIO_PROCESS, 0, 19);
  try {
    Stats stats(layout_);
    // Builds go on storing while a pass walks, and their puts past the limit start nothing while
    // this child holds the lock: another pass takes what came meanwhile, until one removes nothing.
    // Then, with the lock let go, one look more: a put that crossed the limit after the last walk
    // found the lock taken, and a put after this look finds it free. The lock is taken back with a
    // wait, since whoever was waiting for it (`gc`, or a test watching for the end) gets it first.
    int passes = 0;
    do {
      Trimmed t;
      do {
        t = trim(max_size_ / 10 * 9);
        stats.add_many({{"evicted", static_cast<int64_t>(t.entries)}, {"evicted_manifests", static_cast<int64_t>(t.manifests)}});
      } while (++passes < kTrimPasses && (t.entries != 0 || t.manifests != 0));
      ::flock(fd, LOCK_UN);
    } while (passes < kTrimPasses && stats.size_estimate() > max_size_ && flock_within(fd, LOCK_EX, kTrimRetake));
  } catch (...) {
  }
  ::_exit(0);
}

}  // namespace cratecache
