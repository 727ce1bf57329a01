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

bool is_temporary(const std::string& path) { return path.find(".tmp.") != std::string::npos; }

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

}  // namespace

std::optional<MappedFile> LocalStore::map(Kind kind, const EntryKey& key) {
  std::string path = layout_.object(kind, key);
  auto mapped = MappedFile::open(path);
  if (mapped && kind == Kind::kEntry) touch(path);
  return mapped;
}

void LocalStore::put(Kind kind, const EntryKey& key, std::string_view bytes) {
  std::string path = layout_.object(kind, key);
  // A manifest replaces the last one of its input key: only its growth is new.
  uint64_t replaced = 0;
  if (kind == Kind::kManifest) {
    if (auto st = stat_file(path)) replaced = st->size;
  }
  write_file_atomic(path, bytes);
  if (bytes.size() > replaced) maybe_evict(bytes.size() - replaced);
}

void LocalStore::remove(Kind kind, const EntryKey& key) { ::unlink(layout_.object(kind, key).c_str()); }

StoreUsage LocalStore::usage() const {
  StoreUsage u;
  layout_.for_each_entry([&](const StoreLayout::EntryFile& f) {
    ++u.entries;
    u.bytes += f.size;
  });
  return u;
}

std::vector<ToolchainUsage> LocalStore::usage_by_toolchain() const {
  std::vector<ToolchainUsage> out;
  for (const auto& id : layout_.entry_toolchains()) {
    ToolchainUsage t;
    t.id = id;
    t.release = try_read_file(layout_.toolchain_release(id)).value_or("");
    while (!t.release.empty() && t.release.back() == '\n') t.release.pop_back();
    if (auto st = stat_file(layout_.toolchain_used(id))) t.last_used = st->mtime_ns / 1000000000;
    layout_.for_each_entry(
        [&](const StoreLayout::EntryFile& f) {
          ++t.usage.entries;
          t.usage.bytes += f.size;
        },
        id);
    out.push_back(std::move(t));
  }
  return out;
}

uint64_t LocalStore::drop_toolchain(const std::string& id) {
  uint64_t freed = 0;
  layout_.for_each_entry([&](const StoreLayout::EntryFile& f) { freed += f.size; }, id);
  std::string dir = layout_.toolchain_entries_dir(id);
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) throw std::runtime_error("cannot remove " + dir + ": " + ec.message());
  fs::remove(layout_.toolchain_used(id), ec);
  Stats(layout_).set_store_size(usage().bytes);
  return freed;
}

Trimmed LocalStore::evict_to(uint64_t target) {
  int fd = ::open(layout_.cleanup_lock().c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  // Without the lock (no lock file, or a background trim past its deadline), trims all the same:
  // a second trim's unlinks of what the first removed fail harmlessly.
  if (fd >= 0) flock_within(fd, LOCK_EX, kTrimWait);
  Trimmed t = trim(target);
  if (fd >= 0) ::close(fd);
  return t;
}

Trimmed LocalStore::trim(uint64_t target) {
  Trimmed t;
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
  layout_.for_each_entry(
      [&](const StoreLayout::EntryFile& f) {
        if (f.temporary) {
          if (f.mtime_ns < abandoned) ::unlink(f.path.c_str());
          return;
        }
        total += f.size;
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
    }
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.mtime_ns < b.mtime_ns; });
  for (const auto& e : entries) {
    if (total <= target) break;
    if (::unlink(e.path.c_str()) != 0) continue;
    total -= e.size;
    ++t.entries;
    for (size_t i : named_by[e.path]) {
      WalkedManifest& m = manifests[i];
      if (--m.live == 0 && remove_unused(m)) {
        total -= m.file.size;
        ++t.manifests;
      }
    }
  }
  int64_t idle = ns_ago(kIdleLock);
  layout_.for_each_file(layout_.locks_dir(), [&](const StoreLayout::StoredFile& f) {
    if (f.mtime_ns < idle && remove_idle_lock(f)) ++t.locks;
  });
  int64_t stale = ns_ago(kStaleStatRecord);
  layout_.for_each_file(layout_.stat_dir(), [&](const StoreLayout::StoredFile& f) {
    bool expired = f.mtime_ns < (is_temporary(f.path) ? abandoned : stale);
    if (expired && ::unlink(f.path.c_str()) == 0 && !is_temporary(f.path)) ++t.stat_records;
  });
  t.left = {entries.size() - t.entries, total};
  Stats(layout_).set_store_size(total);
  return t;
}

// The running size estimate lives in the stats; only when it passes the limit does one process
// (holding the cleanup lock) walk the store. That walk is a whole-store pass (10^5 entries: about a
// second), so it runs in a detached child, like an upload: the put returns at once and the build
// goes on. A bounded step per put was the other way, but LRU needs every entry's age: any bounded
// step would trim a sample, not the oldest. The child holds the lock to its end, so while it runs
// other puts past the limit start nothing; `cratecache gc` waits for it, then trims itself.
void LocalStore::maybe_evict(uint64_t added) {
  Stats stats(layout_);
  uint64_t estimate = 0;
  try {
    estimate = stats.add_store_size(added);
  } catch (const std::runtime_error&) {
    return;  // shard 0 held past its deadline: no estimate this time, the next put counts again
  }
  if (estimate <= max_size_) return;
  int fd = ::open(layout_.cleanup_lock().c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) return;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0 || fork_detached(fd) != 0) {
    ::close(fd);  // a trim under way, or this one started (its child's copy keeps the lock), or no fork
    return;
  }
  // The child: nothing of the build's may run here, whatever happens.
  ::setpriority(PRIO_PROCESS, 0, 19);
  try {
    // Builds go on storing while a pass walks, and their puts past the limit start nothing while
    // this child holds the lock: another pass takes what came meanwhile, until one removes nothing.
    for (int pass = 0; pass < 4; ++pass) {
      Trimmed t = trim(max_size_ / 10 * 9);
      stats.add_many({{"evicted", static_cast<int64_t>(t.entries)}, {"evicted_manifests", static_cast<int64_t>(t.manifests)}});
      if (t.entries == 0 && t.manifests == 0) break;
    }
  } catch (...) {
  }
  ::_exit(0);
}

}  // namespace cratecache
