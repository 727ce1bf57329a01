#pragma once
// Content digests of input files (extern rlibs, native libs, linkers), remembered by path and
// stat snapshot, so a file already hashed (or written by cratecache itself) is not read again.
// A file cratecache wrote carries its digest in an extended attribute (one syscall, no record
// file to create on the hit path); other files have a record under the store's stat/ directory.
#include <optional>
#include <string>

#include "util/fs.h"

namespace cratecache {

class StatCache {
 public:
  explicit StatCache(std::string dir) : dir_(std::move(dir)) {}

  // Digest of the file now at `path`; hashes it only when the stat snapshot changed.
  // Throws std::runtime_error when the file cannot be read.
  std::string digest(const std::string& path);
  // Records a digest already known (an output cratecache just wrote).
  void record(const std::string& path, const std::string& digest);

 private:
  std::string record_path(const std::string& path) const;
  std::optional<std::string> lookup(const std::string& path, const FileStat& st) const;
  static std::optional<std::string> lookup_attribute(const std::string& path, const FileStat& st);
  static bool store_attribute(const std::string& path, const FileStat& st, const std::string& digest);
  void store(const std::string& path, const FileStat& st, const std::string& digest);

  std::string dir_;
};

}  // namespace cratecache
