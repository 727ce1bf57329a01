#pragma once
// The one path every job takes: look its result up, wait for a concurrent producer, run the tool,
// store what it produced, count the outcome. A hit writes the job's files and replays its messages
// as the tool would have; a fault of the cache never fails the build.
#include <optional>

#include "job/job.h"
#include "key/stat_cache.h"
#include "store/store.h"

namespace cratecache {

// The exit code to give Cargo; nullopt when the cache cannot take part before anything reached
// Cargo (the caller then runs the tool itself, uncached). Never throws.
std::optional<int> run_cached(Job& job, Store& store, StatCache& digests);

}  // namespace cratecache
