#pragma once
// The result of a miss, assembled the same way for every job: the inputs the run was seen to read
// become a manifest candidate (run_cached makes its result key), the outputs, stdout and stderr
// the entry.
#include <cstdint>
#include <string>

#include "job/job.h"

namespace cratecache {

class ResultBuilder {
 public:
  ResultBuilder(const PathNormaliser& normaliser, const std::string& name, const std::string& kind,
                uint64_t run_ms);

  // An input file (or a whole package, or a PATH lookup) as described now.
  void add_input(ManifestFile file);
  // An environment variable the run read; a project path in its value becomes a placeholder.
  void add_env(const std::string& name, const std::optional<std::string>& value);
  void add_output(Blob blob);
  Entry& entry() { return result_.entry; }

  // Adds the run's stdout and stderr (normalised) and puts the blob named `deferred` last (a hit
  // stops decoding before it).
  JobResult finish(const TeeResult& run, const std::string& deferred);

 private:
  const PathNormaliser& normaliser_;
  JobResult result_;
};

}  // namespace cratecache
