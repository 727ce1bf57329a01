#pragma once
// The content of an input path as one digest: a file's SHA-256, a directory's digest over its
// whole tree (names and contents; Cargo treats a rerun-if-changed directory that way), or
// kAbsent for a path that does not exist (a state that can match again later).
#include <string>

namespace cratecache {

inline constexpr const char* kAbsent = "absent";

// Throws std::runtime_error when the path exists but cannot be read.
std::string content_digest(const std::string& path);

}  // namespace cratecache
