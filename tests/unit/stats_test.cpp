#include "store/stats.h"

#include <gtest/gtest.h>

#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

class StatsTest : public ::testing::Test {
 protected:
  ScratchDir scratch_{"stats"};
  StoreLayout layout_{scratch_.path().string()};
};

TEST_F(StatsTest, CountersAddUpAcrossUpdates) {
  Stats stats(layout_);
  stats.add("hits");
  stats.add_many({{"hits", 2}, {"time_saved_ms", -5}, {"not_cached.print", 1}});
  auto totals = stats.totals();
  EXPECT_EQ(totals["hits"], 3);
  EXPECT_EQ(totals["time_saved_ms"], -5);
  EXPECT_EQ(totals["not_cached.print"], 1);
}

// Names with quotes, escapes and bytes past ASCII survive a shard's round trip.
TEST_F(StatsTest, NamesThatNeedEscapesSurvive) {
  Stats stats(layout_);
  const std::string odd = "errors.a \"quoted\" \\ name\t\xc3\xa9";
  stats.add(odd, 4);
  stats.add(odd, 1);
  stats.add("plain", 1);
  auto totals = stats.totals();
  EXPECT_EQ(totals[odd], 5);
  EXPECT_EQ(totals["plain"], 1);
}

// A shard written otherwise (by hand, by another JSON writer) is still read.
TEST_F(StatsTest, ShardsInOtherJsonFormsAreRead) {
  write_file_atomic(layout_.stats_dir() + "/3.json", "{\n  \"hits\": 7,\n  \"misses\": 2.0\n}\n");
  write_file_atomic(layout_.stats_dir() + "/4.json", R"({"hits":1}   )");
  auto totals = Stats(layout_).totals();
  EXPECT_EQ(totals["hits"], 8);
  EXPECT_EQ(totals["misses"], 2);
}

TEST_F(StatsTest, CountersOfTheStoreAreSetAndChanged) {
  Stats stats(layout_);
  EXPECT_FALSE(stats.counters()) << "a store with no shard 0 has no counters";
  stats.count_changes({{"00000000000000aa", 1, 100}});
  ASSERT_TRUE(stats.counters()) << "a store whose first change makes shard 0 counts all";
  Stats::StoreCounters exact;
  exact.toolchains["00000000000000aa"] = {2, 300};
  exact.toolchains["00000000000000bb"] = {0, 0};
  exact.manifest_bytes = 50;
  stats.set_counters(exact, stats.mark());
  EXPECT_EQ(stats.count_changes({{"", 0, 10}, {"00000000000000aa", -1, -100}}), 260u);
  auto counted = stats.counters();
  ASSERT_TRUE(counted);
  EXPECT_EQ(counted->manifest_bytes, 60u);
  ASSERT_EQ(counted->toolchains.size(), 1u);
  EXPECT_EQ(counted->toolchains["00000000000000aa"].count, 1u);
  EXPECT_EQ(counted->toolchains["00000000000000aa"].bytes, 200u);
  stats.count_changes({{"00000000000000aa", -1, -200}});
  EXPECT_TRUE(stats.counters()->toolchains.empty()) << "a toolchain without entries is still counted";
}

TEST_F(StatsTest, ChangesCountedDuringAWalkStayOnTopOfItsCounts) {
  Stats stats(layout_);
  stats.count_changes({{"00000000000000aa", 1, 100}, {"", 0, 5}});
  auto walk_start = stats.mark();
  // While the walk ran: another entry of aa stored, one of a new toolchain bb, a manifest grew.
  stats.count_changes({{"00000000000000aa", 1, 40}, {"00000000000000bb", 1, 7}, {"", 0, 3}});
  Stats::StoreCounters walked;  // what the walk saw: the first entry, trimmed to nothing more
  walked.toolchains["00000000000000aa"] = {1, 100};
  walked.manifest_bytes = 5;
  stats.set_counters(walked, walk_start);
  auto counted = stats.counters();
  ASSERT_TRUE(counted);
  EXPECT_EQ(counted->toolchains["00000000000000aa"].count, 2u);
  EXPECT_EQ(counted->toolchains["00000000000000aa"].bytes, 140u);
  EXPECT_EQ(counted->toolchains["00000000000000bb"].count, 1u);
  EXPECT_EQ(counted->toolchains["00000000000000bb"].bytes, 7u);
  EXPECT_EQ(counted->manifest_bytes, 8u);
  EXPECT_EQ(stats.size_estimate(), 155u) << "the estimate keeps what was stored during the walk";
  // A walk that removed a toolchain's last entries while nothing else changed lists it no more.
  walk_start = stats.mark();
  walked.toolchains = {{"00000000000000aa", {2, 140}}};
  walked.manifest_bytes = 8;
  stats.set_counters(walked, walk_start);
  EXPECT_EQ(stats.counters()->toolchains.count("00000000000000bb"), 0u);
  EXPECT_EQ(stats.size_estimate(), 148u);
}

}  // namespace
}  // namespace cratecache
