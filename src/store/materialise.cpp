#include "store/materialise.h"

#include <unistd.h>

#include <stdexcept>

#include "util/fs.h"

namespace cratecache {
namespace {

void write_out(int fd, const std::string& data) {
  std::string_view rest(data);
  while (!rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n <= 0) return;
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

bool is_safe_entry_name(const std::string& name) {
  if (name.empty() || name[0] == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    if (slash == std::string::npos) slash = name.size();
    std::string_view part(name.data() + start, slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = slash + 1;
  }
  return true;
}

Replay materialise(const Entry& entry, const std::string& dir, const PathNormaliser& normaliser,
                   StatCache& digests) {
  Replay replay;
  for (const auto& blob : entry.blobs) {
    if (blob.name == ":stdout") {
      replay.out = normaliser.restore(blob.data);
      continue;
    }
    if (blob.name == ":stderr") {
      replay.err = normaliser.restore(blob.data);
      continue;
    }
    if (!is_safe_entry_name(blob.name)) throw std::runtime_error("unsafe file name in entry: " + blob.name);
    std::string path = dir + "/" + blob.name;
    if (blob.name.find('/') != std::string::npos) make_dirs(dirname_of(path));
    if (blob.has_paths) {
      write_file_replacing(path, normaliser.restore(blob.data), blob.mode);
    } else {
      write_file_replacing(path, blob.data, blob.mode);
      digests.record(path, blob.digest);
    }
  }
  return replay;
}

void replay_output(const Replay& replay) {
  write_out(STDOUT_FILENO, replay.out);
  write_out(STDERR_FILENO, replay.err);
}

}  // namespace cratecache
