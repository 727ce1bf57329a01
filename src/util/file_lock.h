#pragma once
// flock with a deadline: every wait for another process's lock ends.
#include <chrono>

namespace cratecache {

// Takes `operation` (LOCK_EX or LOCK_SH) on `fd`, polling until `timeout` has passed. False when
// the lock was not had by then.
bool flock_within(int fd, int operation, std::chrono::milliseconds timeout);

}  // namespace cratecache
