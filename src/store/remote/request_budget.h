#pragma once
// The total deadline of one remote request (connect, send, the whole reply, redirections): it may
// last max(6 x the I/O timeout, bytes moved so far / 1 MiB/s). A server that trickles is cut at the
// floor (30 s by default) however steadily it sends; a big object keeping 1 MiB/s on average runs to
// completion, and the size cap bounds how long that can be (4 GiB: ~70 min at worst).
#include <algorithm>
#include <chrono>
#include <cstdint>

#include "store/remote/remote_config.h"

namespace cratecache {

class RequestBudget {
 public:
  static constexpr uint64_t kMinAverageBytesPerSecond = 1 << 20;
  static constexpr int kFloorInIoTimeouts = 6;

  explicit RequestBudget(const RemoteLimits& limits)
      : start_(Clock::now()), floor_ms_(int64_t{kFloorInIoTimeouts} * limits.io_timeout_ms) {}

  void moved(uint64_t bytes) { moved_ += bytes; }
  uint64_t moved_bytes() const { return moved_; }
  int64_t allowed_ms() const {
    return std::max<int64_t>(floor_ms_, static_cast<int64_t>(moved_ * 1000 / kMinAverageBytesPerSecond));
  }
  // Milliseconds left; 0 once spent.
  int remaining_ms() const {
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_).count();
    return static_cast<int>(std::clamp<int64_t>(allowed_ms() - elapsed, 0, INT32_MAX));
  }
  bool spent() const { return remaining_ms() == 0; }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_;
  int64_t floor_ms_;
  uint64_t moved_ = 0;
};

}  // namespace cratecache
