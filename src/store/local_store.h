#pragma once
// The local tier: one file per entry under <dir>/entries/<2 hex>/<key>.entry, written to a temp
// file and renamed. An entry's mtime is its last use, for LRU eviction.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/storage.h"
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

class LocalStore : public Storage {
 public:
  LocalStore(std::string dir, uint64_t max_size) : dir_(std::move(dir)), max_size_(max_size) {}

  std::optional<std::string> get(const std::string& key) override;
  // The hit path's get: the entry mapped, not copied.
  std::optional<MappedFile> map(const std::string& key);
  void put(const std::string& key, const std::string& bytes) override;
  void remove(const std::string& key) override;

  StoreUsage usage() const;
  std::vector<ToolchainUsage> usage_by_toolchain() const;
  // Removes every entry of one toolchain; returns the bytes freed.
  uint64_t drop_toolchain(const std::string& id);
  // Deletes least recently used entries until the store holds at most `target` bytes.
  // Returns the number of entries removed.
  uint64_t evict_to(uint64_t target);

  // A key read from a manifest (a tenant's, a remote's) becomes a path only if it is one we make:
  // "<16 hex toolchain id or none>/<64 hex digest>". entry_path throws std::invalid_argument otherwise.
  static bool is_valid_key(std::string_view key);
  std::string entry_path(const std::string& key) const;

 private:
  void maybe_evict(uint64_t added);

  std::string dir_;
  uint64_t max_size_;
};

}  // namespace cratecache
