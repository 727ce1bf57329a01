#pragma once
// One event per rustc call or build-script run (hit, miss, not_cached), appended with a single
// write so concurrent jobs never interleave within a line:
//  - to CRATECACHE_LOG when set: `outcome<TAB>crate<TAB>kind<TAB>detail`;
//  - always to <dir>/events/<YYYYMMDD>.tsv with the time and the milliseconds saved, for
//    `cratecache report`. The event that starts a day's file drops the days older than
//    kEventDays (so does `cratecache gc`): the log stays a month whatever runs.
#include <cstdint>
#include <functional>
#include <string>

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

// Never throws: events are best effort and must not fail a build.
void record_event(const Config& config, const Event& event) noexcept;

struct TimedEvent {
  int64_t time = 0;  // unix seconds
  Event event;
};

// The day file that holds the events recorded at `time`.
std::string event_day_file(const StoreLayout& layout, int64_t time);
// Visits the events of the last `days` days, oldest day first, reading each day file in bounded
// chunks: a month of events is never held in memory. Torn lines (a crash mid-write) and lines
// longer than any event are skipped. The visited event is reused for the next line.
void for_each_event(const StoreLayout& layout, int days, const std::function<void(const TimedEvent&)>& visit);
void remove_old_events(const StoreLayout& layout, int keep_days);

}  // namespace cratecache
