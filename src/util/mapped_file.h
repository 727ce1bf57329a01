#pragma once
// A whole file mapped read-only. The hit path reads store entries through a map: no copy into a
// buffer, and a deferred blob at the end of an entry is never even paged in. Entries are
// immutable (replaced only by rename), so a mapped entry cannot shrink under its reader.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cratecache {

class MappedFile {
 public:
  // nullopt when the file does not exist; throws std::runtime_error on any other fault.
  static std::optional<MappedFile> open(const std::string& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }
  uint32_t owner() const { return owner_; }  // the file's uid
  int fd() const { return fd_; }  // kept open: a hit clones ranges of it (util/clone.h)

 private:
  MappedFile(int fd, void* data, size_t size, uint32_t owner) : fd_(fd), data_(data), size_(size), owner_(owner) {}
  void release();

  int fd_ = -1;
  void* data_ = nullptr;
  size_t size_ = 0;
  uint32_t owner_ = 0;
};

}  // namespace cratecache
