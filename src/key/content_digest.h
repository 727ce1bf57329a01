#pragma once
// The content of an input path as one digest: a file's SHA-256, a directory's digest over its
// whole tree (names and contents; Cargo treats a rerun-if-changed directory that way), or
// kAbsent for a path that does not exist (a state that can match again later).
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/digest.h"
#include "util/fs.h"

namespace cratecache {

inline constexpr const char* kAbsent = "absent";
// A directory's digest says it is one: a directory where a file was recorded is a mismatch
// without reading the tree.
inline constexpr std::string_view kTreeDigestPrefix = "tree:";
bool is_tree_digest(std::string_view digest);


// The regular files under `dir` (symlinks to files included, symlinks to directories not
// entered), sorted by relative path, with their stat, without entering the subdirectories for
// which `skip_dir` (given a relative path) is true. Throws std::runtime_error when a directory
// cannot be read.
struct TreeFile {
  std::string path;  // relative to the tree's root
  FileStat stat;
};
using DirFilter = std::function<bool(const std::string& relative_dir)>;
std::vector<TreeFile> tree_files(const std::string& dir, const DirFilter& skip_dir = nullptr);

// A digest over the names and contents of `files` under `dir`; `rule` names how the files were
// chosen, so trees listed by different rules never compare equal.
using FileDigest = std::function<std::string(const std::string& path)>;
std::string tree_digest(std::string_view rule, const std::string& dir, const std::vector<TreeFile>& files,
                        const FileDigest& file_digest);

// Throws std::runtime_error when the path exists but cannot be read, or is neither a regular
// file nor a directory (a FIFO, device or socket is never opened). A directory's files are
// digested by `file_digest`: a check on the hit path passes the stat cache's, so an unchanged
// tree is listed and stat'ed, not read.
std::string content_digest(const std::string& path, const FileDigest& file_digest = sha256_file);

}  // namespace cratecache
