#pragma once
// Progress of `cratecache warm`: a bar redrawn in place on a terminal, plain lines otherwise.
#include <chrono>
#include <cstddef>
#include <string>

namespace cratecache {

struct WarmCounts {
  size_t projects_done = 0;
  size_t projects_total = 0;
  size_t hits = 0;
  size_t compiled = 0;       // misses: units really compiled (or build scripts really run)
  size_t units_estimate = 0;  // distinct locked packages
};

class Progress {
 public:
  explicit Progress(bool terminal) : terminal_(terminal), start_(std::chrono::steady_clock::now()) {}
  void update(const WarmCounts& counts);
  void line(const std::string& text);  // a message that stays (finished/failed project)
  void finish(const WarmCounts& counts);

 private:
  std::string render(const WarmCounts& counts) const;

  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::string last_;
};

}  // namespace cratecache
