#include "util/log.h"

#include <fcntl.h>
#include <unistd.h>

namespace cratecache {
namespace {

std::string& warnings_file() {
  static std::string path;
  return path;
}

}  // namespace

void redirect_warnings(const std::string& path) { warnings_file() = path; }

void print_warning(const std::string& message) {
  std::string line = "cratecache: warning: " + message + "\n";
  int fd = STDERR_FILENO;
  if (!warnings_file().empty()) {
    fd = ::open(warnings_file().c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return;
  }
  // One write call, so concurrent jobs' lines do not interleave mid-line.
  [[maybe_unused]] auto n = ::write(fd, line.data(), line.size());
  if (fd != STDERR_FILENO) ::close(fd);
}

}  // namespace cratecache
