#pragma once
// A blob left inside its entry until it is needed. A cached package's build-script binary is
// executed only when its *run* misses; on a hit its entry is hard-linked beside Cargo's path (one
// syscall instead of megabytes decompressed and written) and the binary is extracted from that
// link if a run ever needs it. Nothing writes through the link: entries are only ever replaced by
// rename, and the link is read-only to cratecache.
#include <string>
#include <string_view>

namespace cratecache {

constexpr const char* kDeferredEntrySuffix = ".cratecache-entry";

// Hard-links the store's entry file at `link_path` (replacing an older link). False when that is
// not possible (another filesystem, another user's file under protected_hardlinks, evicted).
bool link_entry(const std::string& entry_path, const std::string& link_path);

// SHA-256 of blob `name` in the entry file at `entry_path`, from its digest-checked header.
// Throws CorruptEntry or std::runtime_error.
std::string deferred_blob_digest(const std::string& entry_path, const std::string& name);

// Writes blob `name` of the entry to `dest` (atomically, with its mode) after checking its digest.
// Throws CorruptEntry or std::runtime_error.
void extract_blob(std::string_view entry_bytes, const std::string& name, const std::string& dest);

}  // namespace cratecache
