#pragma once
// One event per rustc call or build-script run (hit, miss, not_cached), appended with a single
// write so concurrent jobs never interleave within a line:
//  - to CRATECACHE_LOG when set: `outcome<TAB>crate<TAB>kind<TAB>detail`;
//  - always to <dir>/events/<YYYYMMDD>.tsv with the time and the milliseconds saved, for
//    `cratecache report`. `cratecache gc` drops days older than kEventDays.
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "store/layout.h"

namespace cratecache {

inline constexpr int kEventDays = 30;

struct Event {
  std::string outcome;  // "hit", "miss", "not_cached"
  std::string crate_name;
  std::string kind;     // unit kind, or "build-script-run"
  std::string detail;   // reason for not_cached
  uint64_t saved_ms = 0;
};

void record_event(const Config& config, const Event& event);

struct TimedEvent {
  int64_t time = 0;  // unix seconds
  Event event;
};

// The events of the last `days` days, oldest first.
std::vector<TimedEvent> read_events(const StoreLayout& layout, int days);
void remove_old_events(const StoreLayout& layout, int keep_days);

}  // namespace cratecache
