#include "util/clone.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

#include <string>

namespace cratecache {

bool clone_range(int source, uint64_t offset, int target, uint64_t size) {
  file_clone_range range{};
  range.src_fd = source;
  range.src_offset = offset;
  range.src_length = size;
  range.dest_offset = 0;
  return ::ioctl(target, FICLONERANGE, &range) == 0;
}

namespace {

// One try on two temp files in `dir`; errno tells why not.
bool try_clone_in(const std::string& dir) {
  std::string probe = dir + "/.clone-probe." + std::to_string(::getpid());
  int source = ::open((probe + ".a").c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (source < 0) return false;
  ::unlink((probe + ".a").c_str());
  int target = ::open((probe + ".b").c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (target >= 0) ::unlink((probe + ".b").c_str());
  std::string block(kCloneBlock, '\0');
  bool can = target >= 0 && ::write(source, block.data(), block.size()) == static_cast<ssize_t>(block.size()) &&
             clone_range(source, 0, target, kCloneBlock);
  int error = errno;
  ::close(source);
  if (target >= 0) ::close(target);
  errno = error;
  return can;
}

}  // namespace

CloneProbe probe_clone(const std::string& dir) {
  if (try_clone_in(dir)) return {true, 0};
  // What a filesystem without clones answers; anything else is a failure worth telling.
  bool cannot = errno == EOPNOTSUPP || errno == EXDEV || errno == ENOTTY;
  return {false, cannot ? 0 : errno};
}

}  // namespace cratecache
