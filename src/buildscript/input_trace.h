#pragma once
// What a build-script run read, looked for and ran without declaring it (a C header found through
// pkg-config, a header or .pc file *not* found in an earlier search dir, protoc on PATH, the
// Python a pyenv shim chose): libcratecache-trace.so, preloaded into the run and the programs it
// starts, lists every open, failed existence check and program start. The ones that are inputs
// join the run's rerun-if-changed files and variables in its manifest, so a replay happens only
// while they are as they were.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cratecache {

struct TracedInputs {
  // Files read and programs run (with the `#!` interpreters of scripts): inputs by content.
  std::vector<std::string> files;
  // Paths looked for and not found: inputs while absent (one that appears is a change).
  std::vector<std::string> absent;
  // The variables the shell scripts run refer to (a version manager's shim choosing an
  // interpreter by PYENV_VERSION): inputs by value.
  std::vector<std::string> env;
  // Program names looked up on PATH: inputs by what each finds on PATH when matched (another
  // user's PATH that finds the same program matches; one that finds another does not).
  std::vector<std::string> path_lookups;
};

class InputTrace {
 public:
  // Bounds the manifest, and so the hit path's stat calls: a run that looked for more paths than
  // this is not stored (not_cached.trace_too_large).
  static constexpr size_t kMaxAbsent = 4096;

  // Preloads the trace library (beside the cratecache executable, or in ../lib/cratecache) into
  // every process this one starts while the trace lives. nullopt, tracing nothing, when the
  // library or a temporary file is missing.
  static std::optional<InputTrace> start(const std::string& executable_dir);
  InputTrace(InputTrace&& other) noexcept;
  InputTrace& operator=(InputTrace&& other) noexcept;
  ~InputTrace();

  // The run's inputs, each sorted. Files must still exist, not have been written or modified
  // during the run (outputs), and paths lie under none of `skip` (directories the key covers
  // otherwise); an absent path must still be absent and not written by the run.
  TracedInputs inputs(const std::vector<std::string>& skip) const;

 private:
  InputTrace(std::string file, std::optional<std::string> preload, std::chrono::system_clock::time_point started)
      : file_(std::move(file)), preload_before_(std::move(preload)), started_(started) {}

  std::string file_;
  std::optional<std::string> preload_before_;  // LD_PRELOAD to restore
  std::chrono::system_clock::time_point started_;
};

}  // namespace cratecache
