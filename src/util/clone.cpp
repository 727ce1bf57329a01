#include "util/clone.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

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

bool dir_can_clone(const std::string& dir) {
  std::string probe = dir + "/.clone-probe." + std::to_string(::getpid());
  int source = ::open((probe + ".a").c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (source < 0) return false;
  ::unlink((probe + ".a").c_str());
  int target = ::open((probe + ".b").c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (target >= 0) ::unlink((probe + ".b").c_str());
  std::string block(kCloneBlock, '\0');
  bool can = target >= 0 && ::write(source, block.data(), block.size()) == static_cast<ssize_t>(block.size()) &&
             clone_range(source, 0, target, kCloneBlock);
  ::close(source);
  if (target >= 0) ::close(target);
  return can;
}

}  // namespace cratecache
