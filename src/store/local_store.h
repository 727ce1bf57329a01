#pragma once
// The local tier: one file per object (layout.h), written to a temp file and renamed. An entry's
// mtime is its last use, for LRU eviction. Entries and manifests count against max_size; trimming
// removes the least recently used entries with the manifests only they needed, and idle locks and
// stale stat records. A put that passes max_size trims in a detached child: the build never waits.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/layout.h"
#include "util/mapped_file.h"

namespace cratecache {

struct StoreUsage {
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

struct ToolchainUsage {
  std::string id;       // directory name under entries/
  std::string release;  // e.g. "1.95.0 x86_64-unknown-linux-gnu", when known
  StoreUsage usage;
  int64_t last_used = 0;  // unix seconds; 0 when unknown
};

// What a trim removed, and what it left: entries, and bytes of entries and manifests.
struct Trimmed {
  uint64_t entries = 0;
  uint64_t manifests = 0;
  uint64_t locks = 0;
  uint64_t stat_records = 0;
  StoreUsage left;
};

class LocalStore {
 public:
  LocalStore(StoreLayout layout, uint64_t max_size) : layout_(std::move(layout)), max_size_(max_size) {}

  // Mapped, not copied: the hit path's read. Reading an entry marks it used.
  std::optional<MappedFile> map(Kind kind, const EntryKey& key);
  // Atomic: a concurrent reader sees the old object or the whole new one. Growing the store past
  // max_size starts a background trim.
  void put(Kind kind, const EntryKey& key, std::string_view bytes);
  void remove(Kind kind, const EntryKey& key);

  const StoreLayout& layout() const { return layout_; }
  StoreUsage usage() const;
  std::vector<ToolchainUsage> usage_by_toolchain() const;
  // Removes every entry of one toolchain; returns the bytes freed.
  uint64_t drop_toolchain(const std::string& id);
  // Deletes least recently used entries (and what only they needed) until entries and manifests
  // hold at most `target` bytes. Waits for a background trim under way, then trims itself.
  Trimmed evict_to(uint64_t target);

 private:
  void maybe_evict(uint64_t added);
  // Holding the cleanup lock.
  Trimmed trim(uint64_t target);

  StoreLayout layout_;
  uint64_t max_size_;
};

}  // namespace cratecache
