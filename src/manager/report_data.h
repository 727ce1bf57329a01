#pragma once
// What the HTML report shows, gathered from the store: counters, the events log (bucketed over
// time, streamed), usage per toolchain and per crate (one walk of the entries). Kept apart from
// the rendering so each is testable.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "store/events.h"
#include "store/local_store.h"

namespace cratecache {

struct TimeBucket {
  int64_t start = 0;  // unix seconds, UTC-aligned
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t saved_ms = 0;
};

struct TimeSeries {
  int64_t bucket_seconds = 3600;  // 3600 (hourly) or 86400 (daily)
  std::vector<TimeBucket> buckets;  // oldest first; empty when there are no events
};

// Hourly buckets when the events span at most 48 h, else daily over the events' days (up to 30).
// Events are added as they stream from the log: what is kept is a count per hour of the month.
class EventSeries {
 public:
  explicit EventSeries(int64_t now);
  void add(const TimedEvent& e);
  TimeSeries buckets() const;

 private:
  int64_t now_;
  int64_t first_;  // the oldest event's time, or now
  bool any_ = false;
  int64_t first_hour_;  // the start of hours_[0], kEventDays days back
  std::vector<TimeBucket> hours_;  // to now's hour, which also counts the events after it
};

// The bar of all compiled build scripts (rustc calls each one `build_script_build`).
inline constexpr const char* kBuildScriptsLabel = "(build scripts)";

struct CrateUsage {
  std::string name;
  uint64_t entries = 0;
  uint64_t stored_bytes = 0;        // on disk (compressed), as counted against max_size
  uint64_t uncompressed_bytes = 0;  // the outputs themselves
};

struct CrateHits {
  std::string name;
  uint64_t hits = 0;
  uint64_t saved_ms = 0;
};

using Counts = std::vector<std::pair<std::string, int64_t>>;  // largest first

struct ReportData {
  int64_t now = 0;
  std::map<std::string, int64_t> totals;  // Stats counters
  StoreUsage usage;
  std::vector<ToolchainUsage> toolchains;  // largest first
  TimeSeries series;
  // Crates are named as rustc names them (`-` becomes `_`).
  std::vector<CrateUsage> crates_by_size;  // largest first
  std::vector<CrateHits> crates_by_hits;   // most hits first (events window)
  Counts not_cached;                       // reason -> count
  Counts hits_by_kind;                     // unit kind -> hits
};

ReportData collect_report_data(const Config& config, int64_t now);

}  // namespace cratecache
