#include "job/materialise.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "util/beneath.h"
#include "util/clone.h"
#include "util/digest.h"
#include "util/fs.h"

namespace cratecache {
namespace {

void write_out(int fd, std::string_view rest) {
  while (!rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

class MaterialiseSink : public BlobSink {
 public:
  MaterialiseSink(const std::string& dir, const PathNormaliser& normaliser, StatCache& digests, Replay& replay,
                  const std::string& deferred, bool trust_digests, int clone_source)
      : dir_(dir),
        normaliser_(normaliser),
        digests_(digests),
        replay_(replay),
        deferred_(deferred),
        trust_digests_(trust_digests),
        clone_source_(clone_source) {}
  ~MaterialiseSink() override {
    if (fd_ >= 0) ::close(fd_);
  }

  void begin(const Blob& header) override {
    blob_ = header;
    text_.clear();
    if (!trust_digests_) sha256_.emplace();
    if (is_in_memory_blob(blob_)) return;
    open_output();
    if (blob_.in_place && clone_source_ >= 0) clone();
  }

  void data(const char* bytes, size_t size) override {
    if (sha256_ && !blob_.has_paths) sha256_->update(bytes, size);
    if (fd_ < 0) {
      text_.append(bytes, size);
      return;
    }
    size_t skipped = static_cast<size_t>(std::min<uint64_t>(cloned_left_, size));
    cloned_left_ -= skipped;
    bytes += skipped;
    size -= skipped;
    while (size > 0) {
      ssize_t n = ::write(fd_, bytes, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw OutputUnwritable("cannot write " + path_ + ": " + std::strerror(errno));
      bytes += n;
      size -= static_cast<size_t>(n);
    }
  }

  void end() override {
    if (blob_.name == ":stdout") {
      replay_.out = normaliser_.restore(text_);
      return;
    }
    if (blob_.name == ":stderr") {
      replay_.err = normaliser_.restore(text_);
      return;
    }
    if (blob_.has_paths) {
      open_output();
      std::string text = normaliser_.restore(text_);
      data(text.data(), text.size());
    }
    int fd = fd_;
    fd_ = -1;
    subdir_ = DirFd();
    if (::close(fd) != 0) throw OutputUnwritable("cannot write " + path_ + ": " + std::strerror(errno));
    if (!blob_.has_paths) digests_.record(path_, known_digest());
  }

  // The digest a later key takes as this file's content: the header's only when it is authenticated.
  std::string known_digest() {
    if (!sha256_) return blob_.digest;
    std::string computed = sha256_->hex_final();
    sha256_.reset();
    if (computed != blob_.digest) throw CorruptEntry(blob_.name + " does not have the SHA-256 its entry claims");
    return computed;
  }

  bool defers(const Blob& header) const override { return !deferred_.empty() && header.name == deferred_; }

  void abandon() override {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
      ::unlinkat(parent_fd_, leaf_.c_str(), 0);
      subdir_ = DirFd();
    }
  }

 private:
  // Clones the blob's whole blocks; data() then writes only the rest. After a first failure (the
  // out-dir on another filesystem, say) the remaining blobs are written without trying.
  void clone() {
    uint64_t whole = blob_.in_place->size / kCloneBlock * kCloneBlock;
    if (whole == 0) return;
    if (!clone_range(clone_source_, blob_.in_place->offset, fd_, whole) || ::lseek(fd_, static_cast<off_t>(whole), SEEK_SET) < 0) {
      clone_source_ = -1;
      return;
    }
    cloned_left_ = whole;
    replay_.cloned_bytes += whole;
    // A clone shares blocks, not the page cache: its first reader (rustc, the linker) would read
    // them from the disk. Reading ahead now overlaps that with the rest of the build.
    ::posix_fadvise(fd_, 0, static_cast<off_t>(whole), POSIX_FADV_WILLNEED);
  }

  // The out-dir itself may be reached through links (the user's choice); nothing below it is.
  int dir_fd() {
    if (dir_fd_.get() < 0) {
      dir_fd_ = DirFd(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (dir_fd_.get() < 0 && errno == ENOENT) {
        try {
          make_dirs(dir_);
        } catch (const std::runtime_error& e) {
          throw OutputUnwritable(e.what());
        }
        dir_fd_ = DirFd(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      }
      if (dir_fd_.get() < 0) throw OutputUnwritable("cannot open " + dir_ + ": " + std::strerror(errno));
    }
    return dir_fd_.get();
  }

  void open_output() {
    if (!is_safe_entry_name(blob_.name)) throw CorruptEntry("unsafe file name in entry: " + blob_.name);
    path_ = dir_ + "/" + blob_.name;
    size_t slash = blob_.name.rfind('/');
    leaf_ = slash == std::string::npos ? blob_.name : blob_.name.substr(slash + 1);
    parent_fd_ = dir_fd();
    try {
      if (slash != std::string::npos) {
        subdir_ = open_dir_beneath(parent_fd_, std::string_view(blob_.name).substr(0, slash));
        parent_fd_ = subdir_.get();
      }
    } catch (const SymlinkBeneath& e) {
      throw OutputThroughSymlink(dir_ + ": " + e.what());
    } catch (const std::runtime_error& e) {
      throw OutputUnwritable(e.what());
    }
    fd_ = create_fresh_file(parent_fd_, leaf_);
    if (fd_ < 0 && errno == EEXIST) {
      throw OutputThroughSymlink("cannot replace " + path_ + " (something put back in its place)");
    }
    if (fd_ < 0) throw OutputUnwritable("cannot create " + path_ + ": " + std::strerror(errno));
    ::fchmod(fd_, served_mode(blob_.mode));
  }

  const std::string& dir_;
  const PathNormaliser& normaliser_;
  StatCache& digests_;
  Replay& replay_;
  const std::string& deferred_;
  const bool trust_digests_;
  int clone_source_;
  uint64_t cloned_left_ = 0;  // bytes of the current blob that data() must not write
  std::optional<Sha256> sha256_;
  Blob blob_;
  std::string text_;
  std::string path_;
  DirFd dir_fd_;
  DirFd subdir_;        // the file's directory when below dir_
  int parent_fd_ = -1;  // the file's directory: dir_fd_ or subdir_
  std::string leaf_;    // its name there
  int fd_ = -1;
};

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

Replay materialise(std::string_view entry_bytes, const std::string& dir, const PathNormaliser& normaliser,
                   StatCache& digests, const std::string& deferred, bool trust_digests, int clone_source) {
  Replay replay;
  MaterialiseSink sink(dir, normaliser, digests, replay, deferred, trust_digests, clone_source);
  replay.info = decode_entry(entry_bytes, sink);
  return replay;
}

void replay_output(const Replay& replay) {
  write_out(STDOUT_FILENO, replay.out);
  write_out(STDERR_FILENO, replay.err);
}

}  // namespace cratecache
