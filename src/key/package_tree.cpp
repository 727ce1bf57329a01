#include "key/package_tree.h"

#include <fmt/core.h>

#include <array>
#include <string_view>
#include <vector>

#include "key/content_digest.h"
#include "util/digest.h"
#include "util/fs.h"

namespace cratecache {
namespace {

constexpr std::array<std::string_view, 6> kVcsDirs{".git", ".hg", ".svn", ".jj", ".pijul", "_darcs"};

// Build products of the package itself and a version control's store are not the package.
bool outside_tree(const std::string& relative_dir) {
  if (relative_dir == "target") return true;
  std::string name = basename_of(relative_dir);
  for (auto vcs : kVcsDirs) {
    if (name == vcs) return true;
  }
  return false;
}

std::optional<std::vector<std::string>> list_tree(const std::string& dir) {
  std::vector<std::string> files = tree_files(dir, outside_tree);
  if (files.size() > kMaxPackageTreeFiles) return std::nullopt;
  return files;
}

std::string snapshot_of(const std::string& dir, const std::vector<std::string>& files) {
  Sha256 h;
  h.field("package-tree-snapshot");
  for (const auto& f : files) {
    h.field(f);
    auto st = stat_file(dir + "/" + f);
    h.field(st ? fmt::format("{} {} {} {} {}", st->size, st->mtime_ns, st->ctime_ns, st->inode, st->device) : "gone");
  }
  return h.hex_final();
}

std::string digest_of(const std::string& dir, const std::vector<std::string>& files, StatCache& digests) {
  return tree_digest("package-tree", dir, files, [&](const std::string& path) { return digests.digest(path); });
}

}  // namespace

std::optional<PackageTree> describe_package_tree(const std::string& dir, StatCache& digests) {
  auto files = list_tree(dir);
  if (!files) return std::nullopt;
  // Snapshot first: a file changed while it is hashed then fails the snapshot at the next lookup.
  std::string snapshot = snapshot_of(dir, *files);
  return PackageTree{digest_of(dir, *files, digests), std::move(snapshot)};
}

bool package_tree_matches(const std::string& dir, const PackageTree& tree, StatCache& digests) {
  auto files = list_tree(dir);
  if (!files) return false;
  if (snapshot_of(dir, *files) == tree.snapshot) return true;
  try {
    return digest_of(dir, *files, digests) == tree.digest;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace cratecache
