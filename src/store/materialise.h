#pragma once
// Writes an entry's files into a directory (outputs into the out-dir, a build script's OUT_DIR),
// restoring normalised paths in text blobs, and returns its stdout/stderr ready to replay.
#include <string>

#include "key/path_normaliser.h"
#include "key/stat_cache.h"
#include "store/entry.h"

namespace cratecache {

struct Replay {
  std::string out;
  std::string err;
};

// A stored name is relative, without "." or ".." components: an entry cannot write outside `dir`.
bool is_safe_entry_name(const std::string& name);

// Throws std::runtime_error on a write fault or an unsafe name (nothing is written for that blob).
Replay materialise(const Entry& entry, const std::string& dir, const PathNormaliser& normaliser,
                   StatCache& digests);

void replay_output(const Replay& replay);

}  // namespace cratecache
