#include "entry/deferred_blob.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "entry/entry.h"
#include "util/fs.h"

namespace cratecache {
namespace {

// Streams the one wanted blob to a temp file beside its destination (a blob can be GiBs: never
// held in memory); every other blob is deferred, so decoding stops right after it.
class OneBlobSink : public BlobSink {
 public:
  OneBlobSink(const std::string& name, const std::string& dest)
      : name_(name), tmp_(dest + ".tmp." + std::to_string(::getpid())) {}
  ~OneBlobSink() override { abandon(); }
  void begin(const Blob& header) override {
    ::unlink(tmp_.c_str());
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0 && errno == ENOENT) {
      make_dirs(dirname_of(tmp_));
      fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    }
    if (fd_ < 0) throw std::runtime_error("cannot create " + tmp_ + ": " + std::strerror(errno));
    mode_ = served_mode(header.mode);
  }
  void data(const char* bytes, size_t size) override {
    while (size > 0) {
      ssize_t n = ::write(fd_, bytes, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::runtime_error("cannot write " + tmp_ + ": " + std::strerror(errno));
      bytes += n;
      size -= static_cast<size_t>(n);
    }
  }
  void end() override { found_ = true; }
  void abandon() override {
    if (fd_ < 0) return;
    ::close(fd_);
    fd_ = -1;
    ::unlink(tmp_.c_str());
  }
  bool defers(const Blob& header) const override { return found_ || header.name != name_; }

  bool found() const { return found_; }
  // Readers of `dest` see the old binary or the whole new one.
  void commit(const std::string& dest) {
    if (::fchmod(fd_, mode_) != 0 || ::close(fd_) != 0 || ::rename(tmp_.c_str(), dest.c_str()) != 0) {
      std::string err = std::strerror(errno);
      ::unlink(tmp_.c_str());
      fd_ = -1;
      throw std::runtime_error("cannot write " + dest + ": " + err);
    }
    fd_ = -1;
  }

 private:
  const std::string& name_;
  std::string tmp_;
  int fd_ = -1;
  uint32_t mode_ = 0644;
  bool found_ = false;
};

}  // namespace

bool link_entry(const std::string& entry_path, const std::string& link_path) {
  ::unlink(link_path.c_str());
  return ::link(entry_path.c_str(), link_path.c_str()) == 0;
}

std::string deferred_blob_digest(const std::string& entry_path, const std::string& name) {
  for (const Blob& blob : peek_entry_header(read_file(entry_path)).blobs) {
    if (blob.name == name) return blob.digest;
  }
  throw CorruptEntry(entry_path + " has no " + name);
}

void extract_blob(std::string_view entry_bytes, const std::string& name, const std::string& dest) {
  OneBlobSink sink(name, dest);
  decode_entry(entry_bytes, sink);
  if (!sink.found()) throw CorruptEntry("entry has no " + name);
  sink.commit(dest);
}

}  // namespace cratecache
