#include "util/log.h"

#include <unistd.h>

namespace cratecache {

void print_warning(const std::string& message) {
  std::string line = "cratecache: warning: " + message + "\n";
  // One write call, so concurrent rustc jobs' lines do not interleave mid-line.
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace cratecache
