#include "manager/report.h"

#include <fmt/core.h>

namespace cratecache {

int write_html_report(const Config& config, const std::string& path) {
  fmt::print(stderr, "cratecache: report not written yet ({} -> {})\n", config.dir, path);
  return 1;
}

}  // namespace cratecache
