#pragma once
// Creating files under a directory without following a symlink anywhere below it: an out-dir can
// hold links that an earlier build script (an adversary) put there, and a stored name like
// `sub/x` must not land where `sub` points. And reading what another user left in a directory
// (warm's scratch store, the requests drop box) the same way.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cratecache {

// A symlink (or a non-directory) where a directory of the name was expected.
struct SymlinkBeneath : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An open directory descriptor, closed on destruction.
class DirFd {
 public:
  explicit DirFd(int fd = -1) : fd_(fd) {}
  ~DirFd();
  DirFd(DirFd&& other) noexcept : fd_(other.release()) {}
  DirFd& operator=(DirFd&& other) noexcept;
  DirFd(const DirFd&) = delete;
  DirFd& operator=(const DirFd&) = delete;
  int get() const { return fd_; }
  int release();

 private:
  int fd_;
};

// Opens directory `relative` (components without "." or "..") under `base_fd`, creating missing
// components (mode 0755 before the umask). Tries openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)
// first, then walks one component at a time with O_NOFOLLOW (a kernel without openat2, or a
// component still to be created). Throws SymlinkBeneath for a link met on the way,
// std::runtime_error for other faults.
DirFd open_dir_beneath(int base_fd, std::string_view relative);

// A fresh file `name` (one component) in `dir_fd`, write-only, mode 0600: an old file of that
// name is unlinked first (never written through a hard link into another tree) and a symlink is
// never followed (O_CREAT | O_EXCL). Returns -1 with errno set on failure.
int create_fresh_file(int dir_fd, const std::string& name);

// `relative` (components; `.`, `..` and empty ones allowed) beneath the directory `root`, which
// is followed, without following a symlink at or below any component of `relative`, nor climbing
// above `root`: an O_PATH descriptor (the file is not opened for reading: a FIFO or device is not
// woken), or -1 with errno: ENOENT or ENOTDIR when nothing is there, ELOOP for a symlink on the
// way or at the end, EXDEV for a climb above `root`. openat2(RESOLVE_BENEATH |
// RESOLVE_NO_SYMLINKS), else a walk of O_NOFOLLOW opens.
int open_path_beneath(const std::string& root, std::string_view relative);

// The names in the directory `dir_fd` (even one opened O_PATH), sorted; nullopt when it cannot be
// listed.
std::optional<std::vector<std::string>> names_in(int dir_fd);

// File `name` (one component) in `dir_fd`, made by another user: opened without following a link
// and without waiting (a FIFO), read only when it is a regular file of `owner` of at most
// `max_bytes`. Throws std::runtime_error saying what is wrong; `whose` names the owner it had to
// be ("the build user's").
std::string read_file_of(int dir_fd, const std::string& name, uid_t owner, const std::string& whose,
                         uint64_t max_bytes);

}  // namespace cratecache
