#pragma once
// Copy-on-write clones of file ranges (FICLONERANGE: XFS with reflink, btrfs). A clone shares the
// source's blocks until either side is written, so a cache hit writes no data and an output
// edited in place never changes the store.
#include <cstdint>
#include <string>

namespace cratecache {

// The block size a clonable range starts and (but at its source's end) ends on.
inline constexpr uint64_t kCloneBlock = 4096;

// Clones `size` bytes at `offset` of `source` to offset 0 of `target`; `size` must be a multiple of
// kCloneBlock. False, with nothing written, when the filesystem cannot (another filesystem, no
// reflink support).
bool clone_range(int source, uint64_t offset, int target, uint64_t size);

// Whether files in `dir` can be cloned: tries it on two temp files there (a few syscalls, for the
// store path only: a hit just tries its clone).
bool dir_can_clone(const std::string& dir);

}  // namespace cratecache
