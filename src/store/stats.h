#pragma once
// Counters shared by every cratecache process on the machine: 16 small JSON files under
// the store's stats/, each updated under flock, so concurrent builds rarely contend on one lock.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

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

  // What the store holds, kept in shard 0 with the size estimate that drives eviction, so that a
  // put counts both in the one update it makes: `stats` reads them instead of walking the store.
  // Puts and removals apply their changes; a trim, which walks the store anyway, sets them exactly.
  struct Entries {
    uint64_t count = 0;
    uint64_t bytes = 0;
  };
  struct StoreCounters {
    std::map<std::string, Entries> toolchains;  // by toolchain id; none for one without entries
    uint64_t manifest_bytes = 0;
  };
  // An entry of `toolchain` stored (entries +1, or 0 when it replaced one), removed (-1), or a
  // manifest (no toolchain); `bytes` is the change in size.
  struct StoreChange {
    std::string toolchain;
    int64_t entries = 0;
    int64_t bytes = 0;
  };
  // Returns the size estimate after the changes. Throws std::runtime_error when shard 0 cannot be
  // updated (held past its deadline, unwritable): the changes are then not counted, until a trim.
  uint64_t count_changes(const std::vector<StoreChange>& changes);
  // Builds go on storing while a walk counts: a walk takes a mark before it starts, and setting its
  // counts keeps what was counted since the mark on top of them. A change the walk also saw is then
  // counted twice: the estimate errs high, which only brings the next trim (and its recount) sooner.
  struct Mark {
    std::map<std::string, int64_t> usage;
  };
  Mark mark() const;
  void set_counters(const StoreCounters& walked, const Mark& walk_start);
  // The size estimate (entries and manifests); 0 without shard 0.
  uint64_t size_estimate() const;
  // nullopt when no walk ever set the counters and the store did not start with them: one made by
  // an older version, whose counters hold only the changes since.
  std::optional<StoreCounters> counters() const;

 private:
  std::string dir_;
};

}  // namespace cratecache
