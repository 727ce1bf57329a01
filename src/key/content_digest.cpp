#include "key/content_digest.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "util/digest.h"
#include "util/fs.h"

namespace cratecache {
namespace fs = std::filesystem;

namespace {

// One directory level through its descriptor: fstatat on a name needs no walk of the whole path.
void list_dir(int dir_fd, const std::string& dir_path, const std::string& relative, const DirFilter& skip_dir,
              std::vector<TreeFile>& out) {
  DIR* d = ::fdopendir(dir_fd);
  if (!d) {
    ::close(dir_fd);
    throw std::runtime_error("cannot list " + dir_path);
  }
  std::unique_ptr<DIR, int (*)(DIR*)> closer(d, ::closedir);
  while (const dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string rel = relative.empty() ? name : relative + "/" + name;
    struct stat st {};
    if (::fstatat(::dirfd(d), name.c_str(), &st, 0) != 0) continue;  // a dangling symlink, or gone
    if (S_ISREG(st.st_mode)) {
      out.push_back({std::move(rel), file_stat_of(st)});
      continue;
    }
    if (!S_ISDIR(st.st_mode)) continue;
    bool link = e->d_type == DT_LNK;
    if (e->d_type == DT_UNKNOWN) {
      struct stat lst {};
      link = ::fstatat(::dirfd(d), name.c_str(), &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode);
    }
    if (link || (skip_dir && skip_dir(rel))) continue;
    int sub = ::openat(::dirfd(d), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) throw std::runtime_error("cannot open " + dir_path + "/" + rel);
    list_dir(sub, dir_path, rel, skip_dir, out);
  }
}

}  // namespace

std::vector<TreeFile> tree_files(const std::string& dir, const DirFilter& skip_dir) {
  std::vector<TreeFile> files;
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + dir);
  list_dir(fd, dir, "", skip_dir, files);
  std::sort(files.begin(), files.end(), [](const TreeFile& a, const TreeFile& b) { return a.path < b.path; });
  return files;
}

std::string tree_digest(std::string_view rule, const std::string& dir, const std::vector<TreeFile>& files,
                        const FileDigest& file_digest) {
  Sha256 h;
  h.field(rule);
  for (const auto& f : files) {
    h.field(f.path);
    h.field(file_digest(dir + "/" + f.path));
  }
  return h.hex_final();
}

bool is_tree_digest(std::string_view digest) { return digest.starts_with(kTreeDigestPrefix); }

std::string content_digest(const std::string& path, const FileDigest& file_digest) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return kAbsent;
  if (fs::is_regular_file(status)) return sha256_file(path);
  if (!fs::is_directory(status)) throw std::runtime_error(path + " is not a regular file or a directory");
  return std::string(kTreeDigestPrefix) + tree_digest("tree", path, tree_files(path), file_digest);
}

}  // namespace cratecache
