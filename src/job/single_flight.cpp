#include "job/single_flight.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "util/file_lock.h"
#include "util/fs.h"

namespace cratecache {

SingleFlight::SingleFlight(const StoreLayout& layout, const std::string& input_key) : path_(layout.lock(input_key)) {
  // O_CLOEXEC: the compiler we spawn must not inherit (and so prolong) the lock.
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    try {
      make_dirs(dirname_of(path_));
    } catch (const std::exception&) {
      return;  // No lock directory: run without single-flight.
    }
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  }
}

SingleFlight::~SingleFlight() {
  unlock();
  if (fd_ >= 0) ::close(fd_);
}

bool SingleFlight::try_lock() {
  if (fd_ < 0) return true;
  locked_ = ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
  return locked_;
}

bool SingleFlight::wait(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return true;
  locked_ = flock_within(fd_, LOCK_EX, timeout);
  return locked_;
}

void SingleFlight::unlock() {
  if (locked_) {
    ::flock(fd_, LOCK_UN);
    locked_ = false;
  }
}

}  // namespace cratecache
