#include "manager/progress.h"

#include <fmt/core.h>

#include <algorithm>

namespace cratecache {

std::string Progress::render(const WarmCounts& c) const {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  size_t units = c.hits + c.compiled;
  double fraction = c.projects_total ? static_cast<double>(c.projects_done) / static_cast<double>(c.projects_total) : 1;
  // Units are the finer measure once known; projects bound it.
  if (c.units_estimate > 0) fraction = std::max(fraction, std::min(0.99, static_cast<double>(units) / static_cast<double>(c.units_estimate)));
  std::string eta = fraction > 0.01 ? fmt::format("{:.0f}s", elapsed / fraction - elapsed) : "?";
  constexpr int kWidth = 24;
  int filled = static_cast<int>(fraction * kWidth);
  std::string total = c.units_estimate ? "/~" + std::to_string(c.units_estimate) : "";
  return fmt::format("[{}{}] projects {}/{}  units {}{} ({} hits, {} compiled)  {:.0f}s, ETA {}",
                     std::string(static_cast<size_t>(filled), '#'), std::string(static_cast<size_t>(kWidth - filled), '.'),
                     c.projects_done, c.projects_total, units, total, c.hits, c.compiled, elapsed, eta);
}

void Progress::update(const WarmCounts& counts) {
  if (!terminal_) return;
  std::string text = render(counts);
  if (text == last_) return;
  last_ = text;
  fmt::print(stderr, "\r\033[2K{}", text);
  std::fflush(stderr);
}

void Progress::line(const std::string& text) {
  if (terminal_) fmt::print(stderr, "\r\033[2K");
  fmt::print(stderr, "{}\n", text);
  if (terminal_ && !last_.empty()) fmt::print(stderr, "{}", last_);
}

void Progress::finish(const WarmCounts& counts) {
  if (terminal_) fmt::print(stderr, "\r\033[2K");
  fmt::print(stderr, "{}\n", render(counts));
}

}  // namespace cratecache
