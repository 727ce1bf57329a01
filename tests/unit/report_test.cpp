#include "manager/report.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "manager/report_data.h"
#include "manager/report_svg.h"
#include "entry/entry.h"
#include "store/events.h"
#include "store/local_store.h"
#include "store/stats.h"
#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

const std::string kEvil = "<script>alert('x')</script>";
const std::string kToolchain = "00000000000000c1";

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override { config_.dir = (dir_ / "store").string(); }

  // `digest_prefix` names the entry; keys are "<16 hex toolchain id>/<64 hex digest>".
  void put_entry(const std::string& digest_prefix, const std::string& crate, size_t size) {
    EntryKey key(kToolchain, digest_prefix + std::string(64 - digest_prefix.size(), '0'));
    Entry e;
    e.crate_name = crate;
    e.unit_kind = "lib";
    e.toolchain = "1.95.0";
    e.compile_ms = 1500;
    e.blobs.push_back({"lib" + crate + ".rlib", 0644, false, std::string(size, 'r'), "", ""});
    LocalStore(StoreLayout(config_.dir), config_.max_size).put(Kind::kEntry, key, encode_entry(e, {Codec::kNone}));
  }

  // Writes the report and returns its text (empty on failure).
  std::string report() {
    std::string path = (dir_ / "out" / "report.html").string();
    testing::internal::CaptureStdout();
    int rc = write_html_report(config_, path);
    EXPECT_EQ(testing::internal::GetCapturedStdout(), path + "\n");
    EXPECT_EQ(rc, 0);
    return try_read_file(path).value_or("");
  }

  ScratchDir scratch_{"report"};
  fs::path dir_ = scratch_.path();
  Config config_;
};

TEST_F(ReportTest, ShowsCratesToolchainsAndChartsWithEscapedNames) {
  record_event(config_, {"miss", "serde", "lib", "", 0});
  record_event(config_, {"hit", "serde", "lib", "", 2500});
  record_event(config_, {"hit", "tokio", "lib", "", 4000});
  record_event(config_, {"hit", kEvil, "lib", "", 10});
  record_event(config_, {"not_cached", "hello", "bin", "workspace_member", 0});
  Stats stats{StoreLayout(config_.dir)};
  stats.add_many({{"hits", 3}, {"hits.lib", 3}, {"misses", 1}, {"time_saved_ms", 6510},
                  {"not_cached.workspace_member", 1}});
  put_entry("aa01", "serde", 4000);
  put_entry("bb02", "tokio", 9000);
  put_entry("cc03", kEvil, 100);
  write_file_atomic(config_.dir + "/toolchains/" + kToolchain + ".release", "1.95.0 x86_64-unknown-linux-gnu\n");

  std::string html = report();
  for (const char* text : {"serde", "tokio", "1.95.0 x86_64-unknown-linux-gnu", "<svg", "workspace_member",
                           "75.0%", "6.5 s"}) {
    EXPECT_NE(html.find(text), std::string::npos) << text;
  }
  EXPECT_EQ(html.find("<script"), std::string::npos) << "crate name not escaped";
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("no data"), std::string::npos);
}

TEST_F(ReportTest, EmptyStoreSaysNoData) {
  std::string html = report();
  EXPECT_NE(html.find("no data yet"), std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST_F(ReportTest, UnwritablePathIsAnError) {
  write_file_atomic((dir_ / "file").string(), "x");
  testing::internal::CaptureStderr();
  EXPECT_EQ(write_html_report(config_, (dir_ / "file" / "report.html").string()), 1);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("cratecache: error: "), std::string::npos);
}

TEST_F(ReportTest, OneBarPerCrateWhateverItsSpelling) {
  record_event(config_, {"hit", "futures_util", "lib", "", 100});
  record_event(config_, {"hit", "futures-util", "build-script-run", "", 100});
  record_event(config_, {"hit", "build_script_build", "build-script", "", 100});
  put_entry("aa01", "build_script_build", 10);
  ReportData d = collect_report_data(config_, 0);
  ASSERT_EQ(d.crates_by_hits.size(), 2u);
  EXPECT_EQ(d.crates_by_hits[0].name, "futures_util");
  EXPECT_EQ(d.crates_by_hits[0].hits, 2u);
  EXPECT_EQ(d.crates_by_hits[1].name, kBuildScriptsLabel);
  ASSERT_EQ(d.crates_by_size.size(), 1u);
  EXPECT_EQ(d.crates_by_size[0].name, kBuildScriptsLabel);
}

TEST_F(ReportTest, ToolchainsAndTotalsFromTheWalk) {
  put_entry("aa01", "serde", 4000);
  put_entry("bb02", "serde", 9000);
  StoreLayout layout(config_.dir);
  write_file_atomic(layout.object(Kind::kEntry, EntryKey(kToolchain, std::string(64, 'c'))), "not an entry");
  const std::string empty = "00000000000000e2";
  make_dirs(layout.toolchain_entries_dir(empty));
  write_file_atomic(layout.toolchain_release(kToolchain), "1.95.0 x86_64-unknown-linux-gnu\n");
  std::string used = layout.toolchain_used(kToolchain);
  write_file_atomic(used, "");
  fs::last_write_time(used, fs::file_time_type::clock::now() - std::chrono::hours(24));
  int64_t used_at = stat_file(used)->mtime_ns / 1000000000;

  ReportData d = collect_report_data(config_, 0);
  uint64_t bytes = 0;
  layout.for_each_entry([&](const StoreLayout::EntryFile& f) { bytes += f.size; });
  EXPECT_EQ(d.usage.entries, 3u);  // an unreadable entry still takes its room
  EXPECT_EQ(d.usage.bytes, bytes);
  ASSERT_EQ(d.toolchains.size(), 2u);
  EXPECT_EQ(d.toolchains[0].id, kToolchain);
  EXPECT_EQ(d.toolchains[0].release, "1.95.0 x86_64-unknown-linux-gnu");
  EXPECT_EQ(d.toolchains[0].usage.entries, 3u);
  EXPECT_EQ(d.toolchains[0].usage.bytes, bytes);
  EXPECT_EQ(d.toolchains[0].last_used, used_at);
  EXPECT_EQ(d.toolchains[1].id, empty);
  EXPECT_EQ(d.toolchains[1].usage.entries, 0u);
  EXPECT_EQ(d.toolchains[1].last_used, 0);
  ASSERT_EQ(d.crates_by_size.size(), 1u);
  EXPECT_EQ(d.crates_by_size[0].entries, 2u);
  EXPECT_EQ(d.crates_by_size[0].uncompressed_bytes, 13000u);
}

TimeSeries bucket_events(const std::vector<TimedEvent>& events, int64_t now) {
  EventSeries series(now);
  for (const auto& e : events) series.add(e);
  return series.buckets();
}

TEST(ReportBuckets, HourlyForTwoDaysElseDaily) {
  const int64_t now = 1'750'000'000;
  auto at = [](int64_t t, const char* outcome) { return TimedEvent{t, {outcome, "c", "lib", "", 1000}}; };

  TimeSeries recent = bucket_events({at(now - 7200, "miss"), at(now - 10, "hit"), at(now, "hit")}, now);
  EXPECT_EQ(recent.bucket_seconds, 3600);
  ASSERT_EQ(recent.buckets.size(), 12u);  // at least half a day, so a single busy hour has context
  EXPECT_EQ(recent.buckets.back().hits, 2u);
  EXPECT_EQ(recent.buckets.back().saved_ms, 2000u);
  EXPECT_EQ(recent.buckets[recent.buckets.size() - 3].misses, 1u);

  TimeSeries older = bucket_events({at(now - 10 * 86400, "miss"), at(now, "hit")}, now);
  EXPECT_EQ(older.bucket_seconds, 86400);
  ASSERT_EQ(older.buckets.size(), 11u);
  EXPECT_EQ(older.buckets.front().misses, 1u);
  EXPECT_EQ(older.buckets.back().hits, 1u);

  EXPECT_TRUE(bucket_events({}, now).buckets.empty());
}

TEST(ReportBuckets, EdgesOfTheWindow) {
  const int64_t now = 1'750'000'000, day = 86400;
  const int64_t today = now - now % day;
  auto at = [](int64_t t, const char* outcome) { return TimedEvent{t, {outcome, "c", "lib", "", 1}}; };

  // Older than the window: spans it, counts in no bucket. Past now (a clock ahead): the last one.
  TimeSeries s = bucket_events({at(now - 40 * day, "miss"), at(today - 29 * day, "hit"),
                                at(today - 29 * day - 1, "hit"), at(now + 5 * day, "hit"), at(now, "miss")},
                               now);
  EXPECT_EQ(s.bucket_seconds, day);
  ASSERT_EQ(s.buckets.size(), static_cast<size_t>(kEventDays));
  EXPECT_EQ(s.buckets.front().start, today - 29 * day);
  uint64_t hits = 0, misses = 0;
  for (const auto& b : s.buckets) {
    hits += b.hits;
    misses += b.misses;
  }
  EXPECT_EQ(hits, 2u);
  EXPECT_EQ(misses, 1u);
  EXPECT_EQ(s.buckets.front().hits, 1u);
  EXPECT_EQ(s.buckets.back().hits, 1u);
  EXPECT_EQ(s.buckets.back().misses, 1u);

  // Just over 48 h: daily, each event on its own day.
  TimeSeries d = bucket_events({at(now - 48 * 3600 - 1, "hit"), at(now, "hit")}, now);
  EXPECT_EQ(d.bucket_seconds, day);
  ASSERT_EQ(d.buckets.size(), 7u);
  EXPECT_EQ(d.buckets.back().hits, 1u);
  EXPECT_EQ(d.buckets[d.buckets.size() - 3].hits, 1u);  // two days and a second back
  // 48 h exactly: hourly, 49 of them at most.
  TimeSeries h = bucket_events({at(now - 48 * 3600, "hit"), at(now, "hit")}, now);
  EXPECT_EQ(h.bucket_seconds, 3600);
  ASSERT_EQ(h.buckets.size(), 49u);
  EXPECT_EQ(h.buckets.front().hits, 1u);
  EXPECT_EQ(h.buckets.back().hits, 1u);
}

TEST(ReportSvg, EscapesAndShortensLabels) {
  EXPECT_EQ(html_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
  std::string svg = svg_hbars({{std::string(300, 'x'), 5, "5", ""}, {"y", 1, "1", ""}}, "c", 500);
  // The bar's label is cut; its tooltip keeps the whole name.
  EXPECT_NE(svg.find("x\u2026</text>"), std::string::npos) << svg;
  EXPECT_EQ(svg.find(std::string(300, 'x') + "</text>"), std::string::npos);
  EXPECT_NE(svg.find("<title>" + std::string(300, 'x') + "</title>"), std::string::npos);
}

}  // namespace
}  // namespace cratecache
