#include "store/remote/circuit_breaker.h"

#include <ctime>
#include <sstream>

#include "util/fs.h"

namespace cratecache {
namespace {

struct State {
  int failures = 0;
  long open_until = 0;
};

State read_state(const std::string& path) {
  State s;
  if (auto text = try_read_file(path)) std::istringstream(*text) >> s.failures >> s.open_until;
  return s;
}

void write_state(const std::string& path, const State& s) {
  try {
    write_file_atomic(path, std::to_string(s.failures) + " " + std::to_string(s.open_until) + "\n");
  } catch (const std::exception&) {
    // Without the file every process tries the remote: slower, still correct.
  }
}

}  // namespace

bool CircuitBreaker::allows() const { return read_state(path_).open_until <= std::time(nullptr); }

void CircuitBreaker::record_success() {
  if (read_state(path_).failures != 0) write_state(path_, {});
}

void CircuitBreaker::record_failure() {
  State s = read_state(path_);
  ++s.failures;
  if (s.failures >= kFailuresToOpen) {
    s.open_until = std::time(nullptr) + kOpenSeconds;
    s.failures = 0;
  }
  write_state(path_, s);
}

}  // namespace cratecache
