#pragma once
// Counters shared by every cratecache process on the machine: 16 small JSON files under
// the store's stats/, each updated under flock, so concurrent builds rarely contend on one lock.
#include <cstdint>
#include <map>
#include <string>

#include "store/layout.h"

namespace cratecache {

class Stats {
 public:
  explicit Stats(const StoreLayout& layout) : dir_(layout.stats_dir()) {}

  // Counter names: "hits", "misses", "not_cached.<reason>", "errors.<kind>", "time_saved_ms", ...
  // Counting is best effort (a read-only store, a full disk): it never throws, so it may follow
  // a replay that Cargo has already seen.
  void add(const std::string& counter, int64_t delta = 1);
  void add_many(const std::map<std::string, int64_t>& deltas);
  std::map<std::string, int64_t> totals() const;
  void zero();

  // The store size estimate that drives eviction (kept in shard 0).
  uint64_t add_store_size(uint64_t delta);
  void set_store_size(uint64_t bytes);

 private:
  std::string dir_;
};

}  // namespace cratecache
