#pragma once
// After a few consecutive failures the remote is left alone for a while, so a dead remote costs a
// build one timeout, not one per unit. The state is a small file shared by all cratecache processes.
#include <string>

namespace cratecache {

class CircuitBreaker {
 public:
  static constexpr int kFailuresToOpen = 3;
  static constexpr int kOpenSeconds = 60;

  explicit CircuitBreaker(std::string path) : path_(std::move(path)) {}
  bool allows() const;
  void record_success();
  void record_failure();

 private:
  std::string path_;
};

}  // namespace cratecache
