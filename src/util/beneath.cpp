#include "util/beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "util/units.h"

namespace cratecache {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

int openat2_beneath(int base_fd, const std::string& relative, int flags) {
#ifdef SYS_openat2
  open_how how{};
  how.flags = static_cast<uint64_t>(flags);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
  return static_cast<int>(::syscall(SYS_openat2, base_fd, relative.c_str(), &how, sizeof how));
#else
  errno = ENOSYS;
  return -1;
#endif
}

// One component below `dir_fd`, created if missing; never a symlink.
DirFd open_component(int dir_fd, const std::string& name, std::string_view whole) {
  if (::mkdirat(dir_fd, name.c_str(), 0755) != 0 && errno != EEXIST) {
    throw std::runtime_error("cannot create " + std::string(whole) + ": " + std::strerror(errno));
  }
  int fd = ::openat(dir_fd, name.c_str(), kDirFlags | O_NOFOLLOW);
  if (fd >= 0) return DirFd(fd);
  if (errno == ELOOP || errno == ENOTDIR) {
    throw SymlinkBeneath("not a directory (a symlink?): " + name + " in " + std::string(whole));
  }
  throw std::runtime_error("cannot open " + std::string(whole) + ": " + std::strerror(errno));
}

// One component at a time from an O_PATH descriptor of the root: `..` goes back to the directory
// it came from (nothing below the root was a link), never above the root.
int walk_beneath(int root_fd, std::string_view relative) {
  std::vector<DirFd> stack;
  stack.emplace_back(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
  if (stack.back().get() < 0) return -1;
  size_t start = 0;
  while (start <= relative.size()) {
    size_t slash = relative.find('/', start);
    if (slash == std::string_view::npos) slash = relative.size();
    std::string name(relative.substr(start, slash - start));
    start = slash + 1;
    if (name.empty() || name == ".") continue;
    if (name == "..") {
      if (stack.size() == 1) return errno = EXDEV, -1;
      stack.pop_back();
      continue;
    }
    int fd = ::openat(stack.back().get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    DirFd next(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return -1;
    if (S_ISLNK(st.st_mode)) return errno = ELOOP, -1;
    if (start <= relative.size() && !S_ISDIR(st.st_mode)) return errno = ENOTDIR, -1;
    stack.push_back(std::move(next));
  }
  return stack.size() == 1 ? ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0) : stack.back().release();
}

}  // namespace

DirFd::~DirFd() {
  if (fd_ >= 0) ::close(fd_);
}

DirFd& DirFd::operator=(DirFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

int DirFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

DirFd open_dir_beneath(int base_fd, std::string_view relative) {
  std::string path(relative);
  int fd = openat2_beneath(base_fd, path, kDirFlags);
  if (fd >= 0) return DirFd(fd);
  // ELOOP is a link; ENOENT a component to create; ENOSYS an old kernel; EAGAIN a concurrent
  // rename. The walk gives the answer in every case.
  DirFd current(::fcntl(base_fd, F_DUPFD_CLOEXEC, 0));
  if (current.get() < 0) throw std::runtime_error(std::string("cannot duplicate: ") + std::strerror(errno));
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    current = open_component(current.get(), path.substr(start, slash - start), relative);
    start = slash + 1;
  }
  return current;
}

int create_fresh_file(int dir_fd, const std::string& name) {
  ::unlinkat(dir_fd, name.c_str(), 0);
  return ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

int open_path_beneath(const std::string& root, std::string_view relative) {
  DirFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root_fd.get() < 0) return -1;
  std::string rest(relative.empty() ? "." : relative);
  int fd = openat2_beneath(root_fd.get(), rest, O_PATH | O_CLOEXEC);
  // ENOSYS: an old kernel; EAGAIN: a concurrent rename. The walk answers both.
  if (fd >= 0 || (errno != ENOSYS && errno != EAGAIN)) return fd;
  return walk_beneath(root_fd.get(), rest);
}

std::optional<std::vector<std::string>> names_in(int dir_fd) {
  int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = fd < 0 ? nullptr : ::fdopendir(fd);
  if (!d) {
    if (fd >= 0) ::close(fd);
    return std::nullopt;
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_file_of(int dir_fd, const std::string& name, uid_t owner, const std::string& whose,
                         uint64_t max_bytes) {
  int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::strerror(errno));
  DirFd file(fd);  // closes it, a file or not
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) throw std::runtime_error("not a regular file");
  if (st.st_uid != owner) throw std::runtime_error("not a file of " + whose);
  if (static_cast<uint64_t>(st.st_size) > max_bytes) throw std::runtime_error("over " + human_bytes(max_bytes));
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("short read");
    done += static_cast<size_t>(n);
  }
  return bytes;
}

}  // namespace cratecache
