#include "store/events.h"

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

class EventsTest : public ::testing::Test {
 protected:
  void SetUp() override { config_.dir = (scratch_.path() / "store").string(); }

  std::string day_file(int days_ago) const {
    return event_day_file(layout_, std::time(nullptr) - static_cast<int64_t>(days_ago) * 86400);
  }
  static std::string line(int64_t time, const std::string& crate, uint64_t saved_ms) {
    return std::to_string(time) + "\thit\t" + crate + "\tlib\t\t" + std::to_string(saved_ms) + "\n";
  }
  std::vector<TimedEvent> read_all() const {
    std::vector<TimedEvent> out;
    for_each_event(layout_, kEventDays, [&](const TimedEvent& e) { out.push_back(e); });
    return out;
  }

  ScratchDir scratch_{"events"};
  Config config_;
  StoreLayout layout_{(scratch_.path() / "store").string()};
};

TEST_F(EventsTest, RecordedEventsReadBack) {
  record_event(config_, {"hit", "serde", "lib", "", 2500});
  record_event(config_, {"not_cached", "hello", "bin", "workspace_member", 0});
  auto events = read_all();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event.outcome, "hit");
  EXPECT_EQ(events[0].event.crate_name, "serde");
  EXPECT_EQ(events[0].event.saved_ms, 2500u);
  EXPECT_NEAR(static_cast<double>(events[0].time), static_cast<double>(std::time(nullptr)), 5);
  EXPECT_EQ(events[1].event.kind, "bin");
  EXPECT_EQ(events[1].event.detail, "workspace_member");
}

TEST_F(EventsTest, ReadsTheLastDaysOldestFirst) {
  // One event per day over 40 days: the window is the last kEventDays, read oldest first.
  for (int d = 0; d < 40; ++d) write_file_atomic(day_file(d), line(1000 + 40 - d, "day" + std::to_string(d), 1));
  auto events = read_all();
  ASSERT_EQ(events.size(), static_cast<size_t>(kEventDays));
  EXPECT_EQ(events.front().event.crate_name, "day" + std::to_string(kEventDays - 1));
  EXPECT_EQ(events.back().event.crate_name, "day0");
  for (size_t i = 1; i < events.size(); ++i) EXPECT_LT(events[i - 1].time, events[i].time);
}

TEST_F(EventsTest, SkipsTornAndOverlongLines) {
  std::string text = line(1, "a", 1);
  text += "2\thit\tb\tlib\t\n";                   // torn: five fields
  text += "3\thit\tc\tlib\t\t7\textra\n";         // seven fields
  text += "x4\thit\td\tlib\t\t1\n";               // not a time
  text += "5\thit\te\tlib\t\t-1\n";               // not a count
  text += "6\thi7\thit\tf\tlib\t\t1\n";           // a torn line run into the next one
  text += line(8, std::string(100 << 10, 'g'), 1);  // longer than any event
  text += line(9, "h", 1);
  text += "10\thit\ti\tlib\t\t3";                  // the last line, its newline not yet written
  write_file_atomic(day_file(0), text);
  std::vector<std::string> names;
  for (const auto& e : read_all()) names.push_back(e.event.crate_name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "h", "i"}));
}

TEST_F(EventsTest, LinesAcrossChunksReadWhole) {
  // Far more than one read's chunk, with lines of varying lengths so they straddle its ends.
  std::string text;
  uint64_t sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    text += line(i, "crate" + std::string(static_cast<size_t>(i % 97), 'x'), static_cast<uint64_t>(i));
    sum += static_cast<uint64_t>(i);
  }
  write_file_atomic(day_file(0), text);
  uint64_t count = 0, seen_sum = 0;
  bool names_whole = true;
  for_each_event(layout_, kEventDays, [&](const TimedEvent& e) {
    ++count;
    seen_sum += e.event.saved_ms;
    names_whole &= e.event.crate_name == "crate" + std::string(static_cast<size_t>(e.time % 97), 'x');
  });
  EXPECT_EQ(count, static_cast<uint64_t>(n));
  EXPECT_EQ(seen_sum, sum);
  EXPECT_TRUE(names_whole);
}

TEST_F(EventsTest, FirstEventOfADayDropsDaysPastKeeping) {
  for (int d : {kEventDays + 1, kEventDays + 10, 10}) write_file_atomic(day_file(d), line(1, "old", 1));
  record_event(config_, {"hit", "serde", "lib", "", 1});
  EXPECT_FALSE(fs::exists(day_file(kEventDays + 1)));
  EXPECT_FALSE(fs::exists(day_file(kEventDays + 10)));
  EXPECT_TRUE(fs::exists(day_file(10)));
  EXPECT_NE(try_read_file(day_file(0)).value_or("").find("\tserde\t"), std::string::npos);
  // Today's file kept by the next first event of a day too (another build racing this one).
  remove_old_events(layout_, kEventDays);
  EXPECT_TRUE(fs::exists(day_file(0)));
}

TEST_F(EventsTest, LaterEventsOfADayDropNothing) {
  record_event(config_, {"hit", "serde", "lib", "", 1});
  write_file_atomic(day_file(kEventDays + 1), line(1, "old", 1));
  record_event(config_, {"hit", "serde", "lib", "", 1});
  EXPECT_TRUE(fs::exists(day_file(kEventDays + 1)));  // gc drops it, or tomorrow's first event
}

TEST_F(EventsTest, AnUnwritableStoreDropsTheEventQuietly) {
  write_file_atomic(config_.dir, "a file where the store should be");
  config_.log_file = config_.dir + "/log";
  record_event(config_, {"hit", "serde", "lib", "", 1});  // noexcept: a throw would end the test
  EXPECT_TRUE(read_all().empty());
}

}  // namespace
}  // namespace cratecache
