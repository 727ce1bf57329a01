#include "key/content_digest.h"

#include <algorithm>
#include <filesystem>

#include "util/digest.h"
#include "util/fs.h"

namespace cratecache {
namespace fs = std::filesystem;

std::vector<std::string> tree_files(const std::string& dir, const DirFilter& skip_dir) {
  std::vector<std::string> files;
  std::error_code ec;
  // Entries are `base` + "/" + relative path (fs::relative would resolve every one on disk).
  std::string base = dir;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  size_t prefix = base == "/" ? 1 : base.size() + 1;
  for (fs::recursive_directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    std::string relative = it->path().string().substr(prefix);
    if (skip_dir && it->is_directory(ec) && !it->is_symlink(ec) && skip_dir(relative)) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) files.push_back(std::move(relative));
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string tree_digest(std::string_view rule, const std::string& dir, const std::vector<std::string>& files,
                        const FileDigest& file_digest) {
  Sha256 h;
  h.field(rule);
  for (const auto& f : files) {
    h.field(f);
    h.field(file_digest(dir + "/" + f));
  }
  return h.hex_final();
}

std::string content_digest(const std::string& path) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return kAbsent;
  if (!fs::is_directory(status)) return sha256_file(path);
  return tree_digest("tree", path, tree_files(path), sha256_file);
}

}  // namespace cratecache
