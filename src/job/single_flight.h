#pragma once
// When concurrent builds miss the same key, one compiles and the others wait for it, then hit.
// The lock is an flock on the input key's lock file (layout.h): the kernel drops it when its holder exits or is
// killed, so a crashed build never blocks others; waiting is bounded by a timeout after which the
// waiter compiles itself.
#include <chrono>
#include <string>

#include "store/layout.h"

namespace cratecache {

class SingleFlight {
 public:
  SingleFlight(const StoreLayout& layout, const std::string& input_key);
  ~SingleFlight();
  SingleFlight(const SingleFlight&) = delete;
  SingleFlight& operator=(const SingleFlight&) = delete;

  // True when this process got the lock at once (nobody else is producing the key).
  bool try_lock();
  // Waits up to `timeout` for the holder to finish; true if the lock was then taken.
  bool wait(std::chrono::milliseconds timeout);
  void unlock();

 private:
  std::string path_;
  int fd_ = -1;
  bool locked_ = false;
};

}  // namespace cratecache
