#include "store/events.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <ctime>
#include <filesystem>
#include <string_view>

#include "util/fs.h"

namespace cratecache {
namespace {

// Far past any event's line (names and short reasons): a longer one is not an event.
constexpr size_t kMaxLine = 64 << 10;
constexpr size_t kChunk = 64 << 10;

std::string day_name(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
  return buf;
}

int open_for_append(const std::string& path, int extra_flags) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | extra_flags, 0600);
}

int create_for_append(const std::string& path) {
  int fd = open_for_append(path, O_CREAT);
  if (fd < 0 && errno == ENOENT) {
    try {
      make_dirs(dirname_of(path));
    } catch (const std::exception&) {
      return -1;
    }
    fd = open_for_append(path, O_CREAT);
  }
  return fd;
}

void write_and_close(int fd, const std::string& line) {
  if (fd < 0) return;  // Events are best effort.
  [[maybe_unused]] auto n = ::write(fd, line.data(), line.size());
  ::close(fd);
}

// The day's file exists but for the first event of a day: only that one, finding no file,
// creates it and drops the days past keeping. Concurrent first events may both drop: an unlink
// that finds nothing is harmless, and today's file is never older than the cutoff.
void append_event_line(const StoreLayout& layout, std::time_t now, const std::string& line) {
  std::string path = event_day_file(layout, now);
  int fd = open_for_append(path, 0);
  if (fd < 0 && errno == ENOENT) {
    fd = create_for_append(path);
    if (fd >= 0) remove_old_events(layout, kEventDays);
  }
  write_and_close(fd, line);
}

// `time outcome crate kind detail saved_ms`; false for a torn line.
bool parse_event(std::string_view line, TimedEvent& out) {
  std::array<std::string_view, 6> f;
  for (size_t i = 0; i + 1 < f.size(); ++i) {
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos) return false;
    f[i] = line.substr(0, tab);
    line.remove_prefix(tab + 1);
  }
  f.back() = line;
  auto number = [](std::string_view s, auto& value) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    return ec == std::errc() && end == s.data() + s.size();
  };
  if (!number(f[0], out.time) || !number(f[5], out.event.saved_ms)) return false;
  out.event.outcome.assign(f[1]);
  out.event.crate_name.assign(f[2]);
  out.event.kind.assign(f[3]);
  out.event.detail.assign(f[4]);
  return true;
}

// Lines split across chunks are carried in `partial`; one past kMaxLine is skipped to its end.
void for_each_bounded_line(int fd, const std::function<void(std::string_view)>& visit) {
  std::string chunk(kChunk, '\0'), partial;
  bool overlong = false;
  auto take = [&](std::string_view piece, bool complete) {
    if (!overlong && partial.size() + piece.size() > kMaxLine) {
      overlong = true;
      partial.clear();
    }
    if (!overlong) {
      if (complete && partial.empty()) {
        visit(piece);
      } else {
        partial.append(piece);
        if (complete) visit(partial);
      }
    }
    if (complete) {
      partial.clear();
      overlong = false;
    }
  };
  for (;;) {
    ssize_t got = ::read(fd, chunk.data(), chunk.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    std::string_view rest(chunk.data(), static_cast<size_t>(got));
    for (size_t nl; (nl = rest.find('\n')) != std::string_view::npos; rest.remove_prefix(nl + 1)) {
      take(rest.substr(0, nl), true);
    }
    take(rest, false);
  }
  // The last line may lack its newline: a crash mid-write, or a write still under way.
  if (!overlong && !partial.empty()) visit(partial);
}

}  // namespace

void record_event(const Config& config, const Event& e) noexcept {
  try {
    std::string fields = e.outcome + "\t" + e.crate_name + "\t" + e.kind + "\t" + e.detail;
    if (!config.log_file.empty()) write_and_close(create_for_append(config.log_file), fields + "\n");
    std::time_t now = std::time(nullptr);
    append_event_line(StoreLayout(config.dir), now,
                      std::to_string(now) + "\t" + fields + "\t" + std::to_string(e.saved_ms) + "\n");
  } catch (const std::exception&) {
    // Out of memory: the build goes on without its event.
  }
}

std::string event_day_file(const StoreLayout& layout, int64_t time) {
  return layout.events_dir() + "/" + day_name(static_cast<std::time_t>(time)) + ".tsv";
}

void for_each_event(const StoreLayout& layout, int days, const std::function<void(const TimedEvent&)>& visit) {
  std::time_t now = std::time(nullptr);
  TimedEvent event;
  for (int d = days - 1; d >= 0; --d) {
    int fd = ::open(event_day_file(layout, now - static_cast<std::time_t>(d) * 86400).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{fd};
    for_each_bounded_line(fd, [&](std::string_view line) {
      if (parse_event(line, event)) visit(event);
    });
  }
}

void remove_old_events(const StoreLayout& layout, int keep_days) {
  namespace fs = std::filesystem;
  std::string cutoff = day_name(std::time(nullptr) - static_cast<std::time_t>(keep_days) * 86400);
  std::error_code ec;
  for (fs::directory_iterator it(layout.events_dir(), ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().stem().string() < cutoff) fs::remove(it->path(), ec);
  }
}

}  // namespace cratecache
