#pragma once
// A package as one input: Cargo reruns a build script that declares no rerun-if directive when
// anything in its package changes, and a fresh project runs it over the package as it is now. The
// tree is every regular file under the package dir except its root `target/` and version-control
// dirs (a superset of the files Cargo lists: more misses, never a stale replay). Its snapshot
// (names and stat of every file) lets a hit stat the files instead of reading them; when only the
// snapshot moved (another machine's manifest, a touched file), the stat cache spares re-reading
// files hashed before.
#include <cstddef>
#include <optional>
#include <string>

#include "key/stat_cache.h"

namespace cratecache {

struct PackageTree {
  std::string digest;    // names and contents
  std::string snapshot;  // names and stat snapshots
};

// Beyond this a package is not keyed as a tree (a hit would stat every file).
inline constexpr size_t kMaxPackageTreeFiles = 20000;

// nullopt when the tree has more than kMaxPackageTreeFiles files. Throws std::runtime_error when
// a file cannot be read.
std::optional<PackageTree> describe_package_tree(const std::string& dir, StatCache& digests);

// Whether the tree at `dir` is still `tree`: the same snapshot, or else the same content.
bool package_tree_matches(const std::string& dir, const PackageTree& tree, StatCache& digests);

}  // namespace cratecache
