#include "manager/report_data.h"

#include <algorithm>

#include "entry/entry.h"
#include "store/stats.h"

namespace cratecache {
namespace {

// Entries and events name a unit by rustc crate name (`futures_util`) or, for build-script runs, by
// package name (`futures-util`): one spelling keeps a crate on one bar. Every compiled build script
// is the crate `build_script_build`, whatever its package, so they share a bar of their own.
std::string crate_label(const std::string& name) {
  if (name.starts_with("build_script_")) return kBuildScriptsLabel;
  std::string out = name;
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

// Toolchains, their usage and usage per crate, from one walk of entries/: each entry's header
// tells its crate. Every toolchain directory is listed, even an empty one, as `stats` lists them.
void walk_store(const StoreLayout& layout, ReportData& d) {
  std::map<std::string, CrateUsage> by_name;
  for (const auto& id : layout.entry_toolchains()) {
    ToolchainUsage t = describe_toolchain(layout, id);
    layout.for_each_entry(
        [&](const StoreLayout::EntryFile& f) {
          ++t.usage.entries;
          t.usage.bytes += f.size;
          auto info = read_entry_info(f.path);
          if (!info) return;  // `cratecache verify` reports these; the report just skips them
          std::string label = crate_label(info->crate_name);
          auto& c = by_name[label];
          c.name = std::move(label);
          ++c.entries;
          c.stored_bytes += f.size;
          c.uncompressed_bytes += info->size;
        },
        id);
    d.usage.entries += t.usage.entries;
    d.usage.bytes += t.usage.bytes;
    d.toolchains.push_back(std::move(t));
  }
  std::stable_sort(d.toolchains.begin(), d.toolchains.end(),
                   [](const auto& a, const auto& b) { return a.usage.bytes > b.usage.bytes; });
  for (auto& [name, c] : by_name) d.crates_by_size.push_back(std::move(c));
  std::stable_sort(d.crates_by_size.begin(), d.crates_by_size.end(),
                   [](const auto& a, const auto& b) { return a.stored_bytes > b.stored_bytes; });
}

std::vector<CrateHits> most_hits_first(std::map<std::string, CrateHits>& by_name) {
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

int64_t floor_to(int64_t t, int64_t size) { return t - ((t % size) + size) % size; }

}  // namespace

EventSeries::EventSeries(int64_t now)
    : now_(now),
      first_(now),
      first_hour_(floor_to(now, 86400) - (kEventDays - 1) * int64_t{86400}),
      hours_(static_cast<size_t>((floor_to(now, 3600) - first_hour_) / 3600 + 1)) {}

void EventSeries::add(const TimedEvent& e) {
  any_ = true;
  first_ = std::min(first_, e.time);
  if (e.time < first_hour_) return;  // before any bucket, whatever the span
  int64_t last_hour = first_hour_ + static_cast<int64_t>(hours_.size() - 1) * 3600;
  auto& h = hours_[static_cast<size_t>((std::min(e.time, last_hour) - first_hour_) / 3600)];
  if (e.event.outcome == "hit") ++h.hits;
  if (e.event.outcome == "miss") ++h.misses;
  h.saved_ms += e.event.saved_ms;
}

TimeSeries EventSeries::buckets() const {
  TimeSeries s;
  if (!any_) return s;
  bool hourly = now_ - first_ <= 48 * 3600;
  s.bucket_seconds = hourly ? 3600 : 86400;
  const int64_t size = s.bucket_seconds;
  int64_t last_start = floor_to(now_, size);
  int64_t wanted = (last_start - floor_to(first_, size)) / size + 1;
  // At least half a day (or a week) so one busy hour still reads as a moment in time;
  // 49 hours covers a 48 h span that straddles hour boundaries, 30 days is what the log keeps.
  int64_t n = std::clamp<int64_t>(wanted, hourly ? 12 : 7, hourly ? 49 : kEventDays);
  int64_t first_start = last_start - (n - 1) * size;
  s.buckets.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) s.buckets[static_cast<size_t>(i)].start = first_start + i * size;
  // Buckets start on whole hours, so each hour counts whole in one; what lies past the last
  // bucket counts in it, as it did in the last hour.
  for (size_t i = 0; i < hours_.size(); ++i) {
    int64_t start = first_hour_ + static_cast<int64_t>(i) * 3600;
    if (start < first_start) continue;
    auto& b = s.buckets[static_cast<size_t>(std::min(n - 1, (start - first_start) / size))];
    b.hits += hours_[i].hits;
    b.misses += hours_[i].misses;
    b.saved_ms += hours_[i].saved_ms;
  }
  return s;
}

ReportData collect_report_data(const Config& config, int64_t now) {
  ReportData d;
  d.now = now;
  StoreLayout layout(config.dir);
  d.totals = Stats(layout).totals();
  walk_store(layout, d);
  EventSeries series(now);
  std::map<std::string, CrateHits> hits;
  for_each_event(layout, kEventDays, [&](const TimedEvent& e) {
    series.add(e);
    if (e.event.outcome != "hit") return;
    std::string label = crate_label(e.event.crate_name);
    auto& c = hits[label];
    c.name = std::move(label);
    ++c.hits;
    c.saved_ms += e.event.saved_ms;
  });
  d.series = series.buckets();
  d.crates_by_hits = most_hits_first(hits);
  d.not_cached = counters_with_prefix(d.totals, "not_cached.");
  d.hits_by_kind = counters_with_prefix(d.totals, "hits.");
  return d;
}

}  // namespace cratecache
