#pragma once
// Running child processes: rustc on a miss (streamed and captured), probes like `rustc -vV`.
#include <optional>
#include <string>
#include <vector>

namespace cratecache {

struct TeeResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// Runs `program args...`, forwarding its stdout/stderr to ours as they arrive (Cargo's pipelining
// reads rustc's artifact notices live) while keeping a copy of each. Inherits the environment and
// every fd (Cargo's jobserver). Throws when the program cannot be started.
TeeResult run_tee(const std::string& program, const std::vector<std::string>& args);

// Runs a short probe and returns its stdout when it exits 0.
std::optional<std::string> run_capture(const std::string& program, const std::vector<std::string>& args);

// Replaces this process with `program args...`; returns only if exec failed.
void exec_program(const std::string& program, const std::vector<std::string>& args);

// Searches PATH like execvp does; returns the name unchanged when it contains a '/'.
std::optional<std::string> find_in_path(const std::string& name);

// Maps a wait status to a shell-style exit code (128+signal for a killed child).
int exit_code_of(int wait_status);

}  // namespace cratecache
