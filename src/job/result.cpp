#include "job/result.h"

#include <algorithm>

namespace cratecache {

ResultBuilder::ResultBuilder(const PathNormaliser& normaliser, const std::string& name, const std::string& kind,
                             uint64_t run_ms)
    : normaliser_(normaliser) {
  result_.entry.crate_name = name;
  result_.entry.unit_kind = kind;
  result_.entry.compile_ms = run_ms;
}

void ResultBuilder::add_input(ManifestFile file) { result_.candidate.files.push_back(std::move(file)); }

void ResultBuilder::add_env(const std::string& name, const std::optional<std::string>& value) {
  result_.candidate.env.push_back({name, value ? std::optional(normaliser_.normalise(*value)) : std::nullopt});
}

void ResultBuilder::add_output(Blob blob) { result_.entry.blobs.push_back(std::move(blob)); }

JobResult ResultBuilder::finish(const TeeResult& run, const std::string& deferred) {
  auto& blobs = result_.entry.blobs;
  blobs.push_back({":stdout", 0, true, normaliser_.normalise(run.out), "", ""});
  blobs.push_back({":stderr", 0, true, normaliser_.normalise(run.err), "", ""});
  std::stable_partition(blobs.begin(), blobs.end(), [&](const Blob& b) { return b.name != deferred; });
  return std::move(result_);
}

}  // namespace cratecache
