#include "manager/report_data.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "entry/entry.h"
#include "store/stats.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

// Entries and events name a unit by rustc crate name (`futures_util`) or, for build-script runs, by
// package name (`futures-util`): one spelling keeps a crate on one bar. Every compiled build script
// is the crate `build_script_build`, whatever its package, so they share a bar of their own.
std::string crate_label(const std::string& name) {
  if (name.starts_with("build_script_")) return kBuildScriptsLabel;
  std::string out = name;
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

std::vector<CrateUsage> usage_by_crate(const StoreLayout& layout) {
  std::map<std::string, CrateUsage> by_name;
  layout.for_each_entry([&](const StoreLayout::EntryFile& f) {
    auto info = read_entry_info(f.path);
    if (!info) return;  // `cratecache verify` reports these; the report just skips them
    auto& c = by_name[crate_label(info->crate_name)];
    c.name = crate_label(info->crate_name);
    ++c.entries;
    c.stored_bytes += f.size;
    c.uncompressed_bytes += info->size;
  });
  std::vector<CrateUsage> out;
  for (auto& [name, c] : by_name) out.push_back(std::move(c));
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.stored_bytes > b.stored_bytes; });
  return out;
}

std::vector<CrateHits> hits_by_crate(const std::vector<TimedEvent>& events) {
  std::map<std::string, CrateHits> by_name;
  for (const auto& e : events) {
    if (e.event.outcome != "hit") continue;
    auto& c = by_name[crate_label(e.event.crate_name)];
    c.name = crate_label(e.event.crate_name);
    ++c.hits;
    c.saved_ms += e.event.saved_ms;
  }
  std::vector<CrateHits> out;
  for (auto& [name, c] : by_name) out.push_back(std::move(c));
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.hits > b.hits; });
  return out;
}

// Counters "<prefix>.<name>", largest first.
Counts counters_with_prefix(const std::map<std::string, int64_t>& totals, const std::string& prefix) {
  Counts out;
  for (const auto& [name, value] : totals) {
    if (name.starts_with(prefix) && value > 0) out.emplace_back(name.substr(prefix.size()), value);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

}  // namespace

TimeSeries bucket_events(const std::vector<TimedEvent>& events, int64_t now) {
  TimeSeries s;
  if (events.empty()) return s;
  int64_t first = now;
  for (const auto& e : events) first = std::min(first, e.time);
  bool hourly = now - first <= 48 * 3600;
  s.bucket_seconds = hourly ? 3600 : 86400;
  const int64_t size = s.bucket_seconds;
  int64_t last_start = now - now % size;
  int64_t wanted = (last_start - (first - first % size)) / size + 1;
  // At least half a day (or a week) so one busy hour still reads as a moment in time;
  // 49 hours covers a 48 h span that straddles hour boundaries, 30 days is what the log keeps.
  int64_t n = std::clamp<int64_t>(wanted, hourly ? 12 : 7, hourly ? 49 : kEventDays);
  int64_t first_start = last_start - (n - 1) * size;
  s.buckets.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) s.buckets[static_cast<size_t>(i)].start = first_start + i * size;
  for (const auto& e : events) {
    if (e.time < first_start) continue;
    auto& b = s.buckets[static_cast<size_t>(std::min(n - 1, (e.time - first_start) / size))];
    if (e.event.outcome == "hit") ++b.hits;
    if (e.event.outcome == "miss") ++b.misses;
    b.saved_ms += e.event.saved_ms;
  }
  return s;
}

ReportData collect_report_data(const Config& config, int64_t now) {
  ReportData d;
  d.now = now;
  StoreLayout layout(config.dir);
  d.totals = Stats(layout).totals();
  LocalStore store(layout, config.max_size);
  d.usage = store.usage();
  d.toolchains = store.usage_by_toolchain();
  std::stable_sort(d.toolchains.begin(), d.toolchains.end(),
                   [](const auto& a, const auto& b) { return a.usage.bytes > b.usage.bytes; });
  auto events = read_events(layout, kEventDays);
  d.series = bucket_events(events, now);
  d.crates_by_size = usage_by_crate(layout);
  d.crates_by_hits = hits_by_crate(events);
  d.not_cached = counters_with_prefix(d.totals, "not_cached.");
  d.hits_by_kind = counters_with_prefix(d.totals, "hits.");
  return d;
}

}  // namespace cratecache
