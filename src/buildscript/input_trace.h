#pragma once
// The files a build-script run reads without declaring them (a C header found through pkg-config,
// a .pc file, a file outside its package): libcratecache-trace.so, preloaded into the run and the
// programs it starts, lists every file they open. The ones that are inputs join the run's
// rerun-if-changed files in its manifest, so a replay happens only while they are unchanged.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cratecache {

class InputTrace {
 public:
  // Preloads the trace library (beside the cratecache executable, or in ../lib/cratecache) into
  // every process this one starts while the trace lives. nullopt, tracing nothing, when the
  // library or a temporary file is missing.
  static std::optional<InputTrace> start(const std::string& executable_dir);
  InputTrace(InputTrace&& other) noexcept;
  InputTrace& operator=(InputTrace&& other) noexcept;
  ~InputTrace();

  // Files opened for reading that were neither opened for writing nor modified during the run,
  // still exist, and lie under none of `skip` (directories the key covers otherwise). Sorted.
  std::vector<std::string> inputs(const std::vector<std::string>& skip) const;

 private:
  InputTrace(std::string file, std::optional<std::string> preload, std::chrono::system_clock::time_point started)
      : file_(std::move(file)), preload_before_(std::move(preload)), started_(started) {}

  std::string file_;
  std::optional<std::string> preload_before_;  // LD_PRELOAD to restore
  std::chrono::system_clock::time_point started_;
};

}  // namespace cratecache
