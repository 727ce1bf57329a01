#include "manager/report.h"

#include <fmt/core.h>

#include <algorithm>
#include <ctime>

#include "manager/report_data.h"
#include "manager/report_style.h"
#include "manager/report_svg.h"
#include "util/units.h"
#include "util/fs.h"

namespace cratecache {
namespace {

constexpr int kFullWidth = 1090, kHalfWidth = 518;  // chart widths inside a full / half card
constexpr size_t kTopN = 15;

std::string utc(int64_t t, const char* format) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string mib(uint64_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20)); }

std::string human_duration(uint64_t ms) {
  uint64_t s = ms / 1000;
  if (s < 60) return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000);
  if (s < 3600) return fmt::format("{} min {} s", s / 60, s % 60);
  return fmt::format("{} h {} min", s / 3600, s % 3600 / 60);
}

std::string percent(uint64_t part, uint64_t whole) {
  return whole ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole)) : "–";
}

std::string empty_state(const std::string& why) {
  return fmt::format("<div class=\"empty\">no data yet<br><small>{}</small></div>\n", html_escape(why));
}

std::string card(const std::string& title, const std::string& note, const std::string& body) {
  return fmt::format("<section class=\"card\"><h2>{}</h2><p class=\"note\">{}</p>\n{}</section>\n", html_escape(title),
                     html_escape(note), body);
}

std::string tile(const std::string& key, const std::string& value, const std::string& sub, const char* cls = "") {
  return fmt::format(
      "<div class=\"tile {}\"><div class=\"k\">{}</div><div class=\"v\">{}</div><div class=\"s\">{}</div></div>\n", cls,
      html_escape(key), html_escape(value), html_escape(sub));
}

// Ticks every few hours on round hours (dates at midnight), or every few days ending today.
std::string tick_for(const TimeSeries& s, size_t i) {
  size_t n = s.buckets.size(), every = (n + 11) / 12;
  int64_t t = s.buckets[i].start;
  if (s.bucket_seconds == 3600) {
    every = every <= 1 ? 1 : every <= 2 ? 2 : every <= 3 ? 3 : 6;
    if (t / 3600 % static_cast<int64_t>(every) != 0) return "";
    return t % 86400 == 0 ? utc(t, "%b %d") : utc(t, "%H:00");
  }
  return (n - 1 - i) % every == 0 ? utc(t, "%b %d") : "";
}

std::string bucket_name(const TimeSeries& s, const TimeBucket& b) {
  return s.bucket_seconds == 3600 ? utc(b.start, "%b %d %H:00") + utc(b.start + 3600, "–%H:00 UTC")
                                  : utc(b.start, "%b %d UTC");
}

std::string series_note(const TimeSeries& s, const std::string& per) {
  bool hourly = s.bucket_seconds == 3600;
  return fmt::format("{} per {}, last {} {} (UTC)", per, hourly ? "hour" : "day", s.buckets.size(),
                     hourly ? "hours" : "days");
}

std::string hit_rate_section(const TimeSeries& s) {
  TimeChart c;
  c.y_title = "hit rate";
  c.y_suffix = "%";
  c.y_max = 100.0;
  c.css_class = "hit";
  c.width = kFullWidth;
  size_t with_data = 0;
  for (size_t i = 0; i < s.buckets.size(); ++i) {
    const auto& b = s.buckets[i];
    uint64_t lookups = b.hits + b.misses;
    TimePoint p{tick_for(s, i), std::nullopt, ""};
    if (lookups) {
      p.value = 100.0 * static_cast<double>(b.hits) / static_cast<double>(lookups);
      p.tooltip = fmt::format("{}: {} ({} hits, {} misses)", bucket_name(s, b), percent(b.hits, lookups), b.hits,
                              b.misses);
      ++with_data;
    }
    c.points.push_back(std::move(p));
  }
  // A line needs a few points to read as a trend; one or two busy slots read better as columns.
  c.line = with_data >= 3;
  bool any = with_data > 0;
  c.x_title = s.bucket_seconds == 3600 ? "hour (UTC)" : "day (UTC)";
  std::string body = any ? svg_time_chart(c) : empty_state("Builds through cratecache will show up here.");
  return card("Hit rate over time", any ? series_note(s, "Hits / (hits + misses)") : "", body);
}

std::string time_saved_section(const TimeSeries& s, uint64_t total_ms) {
  uint64_t max_ms = 0;
  for (const auto& b : s.buckets) max_ms = std::max(max_ms, b.saved_ms);
  bool minutes = max_ms >= 120000;
  TimeChart c;
  c.y_title = minutes ? "minutes saved" : "seconds saved";
  c.css_class = "saved";
  c.width = kFullWidth;
  c.x_title = s.bucket_seconds == 3600 ? "hour (UTC)" : "day (UTC)";
  for (size_t i = 0; i < s.buckets.size(); ++i) {
    const auto& b = s.buckets[i];
    double v = static_cast<double>(b.saved_ms) / (minutes ? 60000.0 : 1000.0);
    c.points.push_back({tick_for(s, i), v, fmt::format("{}: {} saved", bucket_name(s, b), human_duration(b.saved_ms))});
  }
  std::string note = fmt::format("Compile time avoided by hits; {} in total", human_duration(total_ms));
  if (max_ms == 0) return card("Time saved", note, empty_state("Hits save the compile time their entry recorded."));
  return card("Time saved", series_note(s, "Compile time avoided by hits") + " · total " + human_duration(total_ms),
              svg_time_chart(c));
}

std::string toolchain_section(const ReportData& d) {
  std::vector<HBar> bars;
  for (const auto& t : d.toolchains) {
    std::string used = t.last_used ? "last used " + utc(t.last_used, "%Y-%m-%d %H:%M UTC") : "last use unknown";
    bars.push_back({t.release.empty() ? t.id : t.release, static_cast<double>(t.usage.bytes),
                    fmt::format("{} · {} entries", mib(t.usage.bytes), t.usage.entries),
                    fmt::format("{} ({}): {} entries, {}; {}", t.release.empty() ? "release unknown" : t.release, t.id,
                                t.usage.entries, mib(t.usage.bytes), used)});
  }
  std::string body = bars.empty() ? empty_state("Nothing is stored yet.") : svg_hbars(bars, "tc", kFullWidth);
  return card("Store size per toolchain", "Entries on disk, by the rustc release that built them", body);
}

std::string crate_title(const std::string& name) {
  return name == kBuildScriptsLabel ? "compiled build scripts of all packages" : name;
}

std::string crates_by_size_section(const ReportData& d) {
  std::vector<HBar> bars;
  for (size_t i = 0; i < std::min(kTopN, d.crates_by_size.size()); ++i) {
    const auto& c = d.crates_by_size[i];
    bars.push_back({c.name, static_cast<double>(c.stored_bytes), human_bytes(c.stored_bytes),
                    fmt::format("{}: {} entries, {} stored ({} uncompressed)", crate_title(c.name), c.entries,
                                human_bytes(c.stored_bytes), human_bytes(c.uncompressed_bytes))});
  }
  std::string body = bars.empty() ? empty_state("Nothing is stored yet.") : svg_hbars(bars, "crate", kHalfWidth);
  return card("Top crates by stored size", "All entries of a crate (every version, kind and toolchain)", body);
}

std::string crates_by_hits_section(const ReportData& d) {
  std::vector<HBar> bars;
  for (size_t i = 0; i < std::min(kTopN, d.crates_by_hits.size()); ++i) {
    const auto& c = d.crates_by_hits[i];
    bars.push_back({c.name, static_cast<double>(c.hits), fmt::format("{}", c.hits),
                    fmt::format("{}: {} hits, {} saved", crate_title(c.name), c.hits, human_duration(c.saved_ms))});
  }
  std::string body = bars.empty() ? empty_state("No hits in the last 30 days.") : svg_hbars(bars, "hits", kHalfWidth);
  return card("Top crates by hits", fmt::format("Last {} days", kEventDays), body);
}

std::string counts_section(const std::string& title, const std::string& note, const Counts& counts,
                           const char* cls, const std::string& why_empty) {
  std::vector<HBar> bars;
  for (const auto& [name, n] : counts) {
    bars.push_back({name, static_cast<double>(n), fmt::format("{}", n), fmt::format("{}: {}", name, n)});
  }
  return card(title, note, bars.empty() ? empty_state(why_empty) : svg_hbars(bars, cls, kHalfWidth));
}

std::string render_page(const Config& config, const ReportData& d) {
  auto total = [&](const char* k) -> uint64_t {
    auto it = d.totals.find(k);
    return it == d.totals.end() ? 0 : static_cast<uint64_t>(std::max<int64_t>(0, it->second));
  };
  uint64_t hits = total("hits"), misses = total("misses"), saved = total("time_saved_ms");
  std::string page = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>cratecache report</title>\n<style>{}</style></head>\n<body><main>\n"
      "<header><h1>cratecache report</h1><p class=\"sub\">Cache <code>{}</code> · generated {} · "
      "version {}</p></header>\n<div class=\"tiles\">\n",
      kReportCss, html_escape(config.dir), utc(d.now, "%Y-%m-%d %H:%M UTC"), CRATECACHE_VERSION);
  page += tile("Hit rate", percent(hits, hits + misses), fmt::format("of {} lookups", hits + misses), "accent");
  page += tile("Hits", fmt::format("{}", hits), "served from the cache");
  page += tile("Misses", fmt::format("{}", misses), "compiled, then stored");
  page += tile("Time saved", human_duration(saved), "compile time avoided");
  page += tile("Entries", fmt::format("{}", d.usage.entries), fmt::format("{} toolchain(s)", d.toolchains.size()));
  page += tile("Store size", human_bytes(d.usage.bytes), "of " + human_bytes(config.max_size) + " max");
  page += "</div>\n";
  page += hit_rate_section(d.series);
  page += time_saved_section(d.series, saved);
  page += toolchain_section(d);
  page += "<div class=\"row\">\n" + crates_by_size_section(d) + crates_by_hits_section(d) + "</div>\n";
  page += "<div class=\"row\">\n";
  page += counts_section("Why units were not cached", "Compiler calls passed through uncached, by reason",
                         d.not_cached, "reason", "Every call so far was cacheable.");
  page += counts_section("Hits by unit kind", "Libraries, proc-macros, build scripts and their runs", d.hits_by_kind,
                         "kind", "No hits yet.");
  page += "</div>\n<footer>Hover a bar or point for exact numbers. Counters are totals since the last "
          "<code>cratecache zero-stats</code>; charts cover the events log (30 days).</footer>\n";
  return page + "</main></body></html>\n";
}

}  // namespace

int write_html_report(const Config& config, const std::string& path) {
  try {
    ReportData data = collect_report_data(config, static_cast<int64_t>(std::time(nullptr)));
    write_file_atomic(path, render_page(config, data));
  } catch (const std::exception& e) {
    fmt::print(stderr, "cratecache: error: cannot write report {}: {}\n", path, e.what());
    return 1;
  }
  fmt::print("{}\n", path);
  return 0;
}

}  // namespace cratecache
