#pragma once
// The local tier: one file per object (layout.h), written to a temp file and renamed. An entry's
// mtime is its last use, for LRU eviction.
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

class LocalStore {
 public:
  LocalStore(StoreLayout layout, uint64_t max_size) : layout_(std::move(layout)), max_size_(max_size) {}

  // Mapped, not copied: the hit path's read. Reading an entry marks it used.
  std::optional<MappedFile> map(Kind kind, const EntryKey& key);
  // Atomic: a concurrent reader sees the old object or the whole new one. A new entry may start
  // an eviction.
  void put(Kind kind, const EntryKey& key, std::string_view bytes);
  void remove(Kind kind, const EntryKey& key);

  const StoreLayout& layout() const { return layout_; }
  StoreUsage usage() const;
  std::vector<ToolchainUsage> usage_by_toolchain() const;
  // Removes every entry of one toolchain; returns the bytes freed.
  uint64_t drop_toolchain(const std::string& id);
  // Deletes least recently used entries until the store holds at most `target` bytes.
  // Returns the number of entries removed.
  uint64_t evict_to(uint64_t target);

 private:
  void maybe_evict(uint64_t added);

  StoreLayout layout_;
  uint64_t max_size_;
};

}  // namespace cratecache
