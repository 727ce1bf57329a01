#include "key/package_tree.h"

#include <array>
#include <cstdint>
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

std::optional<std::vector<TreeFile>> list_tree(const std::string& dir) {
  std::vector<TreeFile> files = tree_files(dir, outside_tree);
  if (files.size() > kMaxPackageTreeFiles) return std::nullopt;
  return files;
}

std::string snapshot_of(const std::vector<TreeFile>& files) {
  Sha256 h;
  h.field("package-tree-snapshot");
  for (const auto& f : files) {
    const FileStat& st = f.stat;
    const uint64_t fields[] = {st.size, static_cast<uint64_t>(st.mtime_ns), static_cast<uint64_t>(st.ctime_ns),
                               st.inode, st.device};
    h.field(f.path);
    h.field(std::string_view(reinterpret_cast<const char*>(fields), sizeof fields));
  }
  return h.hex_final();
}

std::string digest_of(const std::string& dir, const std::vector<TreeFile>& files, StatCache& digests) {
  return tree_digest("package-tree", dir, files, [&](const std::string& path) { return digests.digest(path); });
}

}  // namespace

std::optional<PackageTree> describe_package_tree(const std::string& dir, StatCache& digests) {
  auto files = list_tree(dir);
  if (!files) return std::nullopt;
  // The snapshot is taken before hashing: a file rewritten meanwhile no longer matches it, so the
  // next lookup compares content.
  std::string snapshot = snapshot_of(*files);
  return PackageTree{digest_of(dir, *files, digests), std::move(snapshot)};
}

bool package_tree_matches(const std::string& dir, const PackageTree& tree, StatCache& digests) {
  try {
    auto files = list_tree(dir);
    if (!files) return false;
    return snapshot_of(*files) == tree.snapshot || digest_of(dir, *files, digests) == tree.digest;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace cratecache
