#pragma once
// The local tier: one file per object (layout.h), written to a temp file and renamed. An entry's
// mtime is its last use, for LRU eviction. Entries and manifests count against max_size; trimming
// removes the least recently used entries with the manifests only they needed, idle locks, stale
// stat records, and the temp files killed writers left anywhere in the store. A put that passes
// max_size trims in a detached child: the build never waits. What the store holds is counted as it
// changes (stats.h), so reading it walks nothing; the counts are exact unless something outside
// the store changes its files or two processes store the same new entry at once, and each trim
// recounts them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/layout.h"
#include "store/stats.h"
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

// A toolchain's release and last use, from its small files under toolchains/; usage left at zero.
ToolchainUsage describe_toolchain(const StoreLayout& layout, const std::string& id);

struct StoreContents {
  std::vector<ToolchainUsage> toolchains;  // those with an entries directory
  StoreUsage entries;                      // of them all
  uint64_t manifest_bytes = 0;
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
  // An entry found by a walk (layout.h), removed without looking it up again.
  void remove(const StoreLayout::EntryFile& walked);

  const StoreLayout& layout() const { return layout_; }
  // From the counters, and per toolchain its release and last use: no walk of the entries. A store
  // never counted (made by an older version) is walked once, and its counters recorded if it can
  // be written.
  StoreContents contents() const;
  StoreUsage usage() const { return contents().entries; }
  std::vector<ToolchainUsage> usage_by_toolchain() const { return contents().toolchains; }
  // Removes every entry of these toolchains (one directory each) and their last use; their
  // manifests go in the next trim.
  void drop_toolchains(const std::vector<std::string>& ids);
  // Deletes least recently used entries (and what only they needed) until entries and manifests
  // hold at most `target` bytes. Waits for a background trim under way, then trims itself.
  Trimmed evict_to(uint64_t target);

 private:
  // Best effort: a change not counted waits for the next trim. Returns the size estimate.
  std::optional<uint64_t> count(const Stats::StoreChange& change) const;
  void start_trim();
  // Holding the cleanup lock. Sets the counters from its walk.
  Trimmed trim(uint64_t target);
  Stats::StoreCounters walk_counters() const;

  StoreLayout layout_;
  uint64_t max_size_;
};

}  // namespace cratecache
