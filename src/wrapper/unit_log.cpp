#include "wrapper/unit_log.h"

#include <fcntl.h>
#include <unistd.h>

namespace cratecache {

void append_unit_log(const std::string& log_file, const std::string& outcome, const std::string& crate_name,
                     const std::string& unit_kind, const std::string& detail) {
  if (log_file.empty()) return;
  int fd = ::open(log_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  std::string line = outcome + "\t" + crate_name + "\t" + unit_kind + "\t" + detail + "\n";
  [[maybe_unused]] auto n = ::write(fd, line.data(), line.size());
  ::close(fd);
}

}  // namespace cratecache
