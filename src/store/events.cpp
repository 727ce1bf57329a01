#include "store/events.h"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <sstream>

#include "util/fs.h"

namespace cratecache {
namespace {

std::string day_name(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
  return buf;
}

void append_line(const std::string& path, const std::string& line) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 && errno == ENOENT) {
    try {
      make_dirs(dirname_of(path));
    } catch (const std::exception&) {
      return;
    }
    fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  }
  if (fd < 0) return;  // Events are best effort.
  [[maybe_unused]] auto n = ::write(fd, line.data(), line.size());
  ::close(fd);
}

}  // namespace

void record_event(const Config& config, const Event& e) {
  std::string fields = e.outcome + "\t" + e.crate_name + "\t" + e.kind + "\t" + e.detail;
  if (!config.log_file.empty()) append_line(config.log_file, fields + "\n");
  std::time_t now = std::time(nullptr);
  append_line(StoreLayout(config.dir).events_dir() + "/" + day_name(now) + ".tsv",
              std::to_string(now) + "\t" + fields + "\t" + std::to_string(e.saved_ms) + "\n");
}

std::vector<TimedEvent> read_events(const StoreLayout& layout, int days) {
  std::vector<TimedEvent> out;
  std::time_t now = std::time(nullptr);
  for (int d = days - 1; d >= 0; --d) {
    auto text = try_read_file(layout.events_dir() + "/" + day_name(now - static_cast<std::time_t>(d) * 86400) + ".tsv");
    if (!text) continue;
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      size_t start = 0;
      for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
        f.push_back(line.substr(start, tab - start));
      }
      f.push_back(line.substr(start));
      if (f.size() != 6) continue;
      try {
        out.push_back({std::stoll(f[0]), {f[1], f[2], f[3], f[4], std::stoull(f[5])}});
      } catch (const std::exception&) {
        // A torn line from a crash: skip it.
      }
    }
  }
  return out;
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
