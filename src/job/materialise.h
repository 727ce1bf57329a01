#pragma once
// The hit path: decodes an entry straight into a directory (outputs into the out-dir, a build
// script's files into OUT_DIR), streaming large blobs to their files while checking digests,
// restoring normalised paths in text blobs, and returns stdout/stderr ready to replay.
#include <stdexcept>
#include <string>
#include <string_view>

#include "key/path_normaliser.h"
#include "key/stat_cache.h"
#include "entry/entry.h"

namespace cratecache {

struct Replay {
  EntryInfo info;
  std::string out;
  std::string err;
  uint64_t cloned_bytes = 0;  // of the outputs, cloned from the entry's file rather than written
};

// A stored name is relative, without "." or ".." components: an entry cannot write outside `dir`.
bool is_safe_entry_name(const std::string& name);

// The directory a hit goes to cannot take its files (a read-only target dir): not a cache fault.
struct OutputUnwritable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A name of the entry meets a symlink in `dir` (put there by an earlier build script, say): nothing
// is written through it, and the job runs uncached as for an unwritable directory. The entry is
// not at fault, so it is kept.
struct OutputThroughSymlink : OutputUnwritable {
  using OutputUnwritable::OutputUnwritable;
};

// Files are created relative to `dir` without following symlinks (util/beneath.h), with their
// mode masked (served_mode). Throws CorruptEntry for a damaged entry or an unsafe name,
// OutputThroughSymlink for a link in the way, OutputUnwritable on a write fault.
// The blob named `deferred` (if any) is left in the entry (see deferred_blob.h). Unless
// `trust_digests` (an authenticated entry), each file's SHA-256 is computed as it is written and must
// be the header's (else CorruptEntry): that digest feeds later keys through `digests`.
// `clone_source`, when not -1, is the entry's file: blobs stored in place are cloned from it where
// the filesystem can (the tail after the last whole block is written). Only a file no one else
// can change may be given: its bytes are checked after they are cloned.
Replay materialise(std::string_view entry_bytes, const std::string& dir, const PathNormaliser& normaliser,
                   StatCache& digests, const std::string& deferred = "", bool trust_digests = false,
                   int clone_source = -1);

void replay_output(const Replay& replay);

}  // namespace cratecache
