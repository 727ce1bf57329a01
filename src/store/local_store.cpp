#include "store/local_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "store/stats.h"
#include "util/fs.h"

namespace cratecache {
namespace fs = std::filesystem;
namespace {

// Marks an entry as recently used; failure only weakens LRU ordering.
void touch(const std::string& path) { ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0); }

}  // namespace

std::optional<MappedFile> LocalStore::map(Kind kind, const EntryKey& key) {
  std::string path = layout_.object(kind, key);
  auto mapped = MappedFile::open(path);
  if (mapped && kind == Kind::kEntry) touch(path);
  return mapped;
}

void LocalStore::put(Kind kind, const EntryKey& key, std::string_view bytes) {
  write_file_atomic(layout_.object(kind, key), bytes);
  if (kind == Kind::kEntry) maybe_evict(bytes.size());
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

uint64_t LocalStore::evict_to(uint64_t target) {
  std::vector<StoreLayout::EntryFile> entries;
  uint64_t total = 0;
  // A writer killed before its rename leaves "<key>.entry.tmp.<pid>.<n>"; no write lasts an hour.
  auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  int64_t abandoned_before = now_ns - std::chrono::nanoseconds(std::chrono::hours(1)).count();
  layout_.for_each_entry(
      [&](const StoreLayout::EntryFile& f) {
        if (f.temporary) {
          if (f.mtime_ns < abandoned_before) ::unlink(f.path.c_str());
          return;
        }
        total += f.size;
        entries.push_back(f);
      },
      "", true);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.mtime_ns < b.mtime_ns; });
  uint64_t removed = 0;
  for (const auto& e : entries) {
    if (total <= target) break;
    if (::unlink(e.path.c_str()) == 0) {
      total -= e.size;
      ++removed;
    }
  }
  Stats(layout_).set_store_size(total);
  return removed;
}

// The running size estimate lives in the stats; only when it passes the limit does one process
// (holding the cleanup lock) walk the store.
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
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
    uint64_t removed = evict_to(max_size_ / 10 * 9);
    stats.add("evicted", removed);
  }
  ::close(fd);
}

}  // namespace cratecache
