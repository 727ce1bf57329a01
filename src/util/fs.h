#pragma once
// Small POSIX file helpers: whole-file reads, atomic writes, stat snapshots.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct stat;

namespace cratecache {

// What the stat cache compares to decide a file is unchanged since it was hashed.
struct FileStat {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint64_t inode = 0;
  uint64_t device = 0;
  uint32_t mode = 0;
  uint32_t uid = 0;
  bool operator==(const FileStat&) const = default;
};

std::optional<FileStat> stat_file(const std::string& path);
FileStat file_stat_of(const struct ::stat& st);
// Throws std::runtime_error with the path and errno text.
std::string read_file(const std::string& path);
std::optional<std::string> try_read_file(const std::string& path);
// A file another user may have made: read only when it is a regular file (never through a final
// link, never waiting on a FIFO), and only `max_bytes` from `offset` (a log read as it grows).
std::optional<std::string> read_regular_range(const std::string& path, uint64_t offset, size_t max_bytes);
void make_dirs(const std::string& path);
// Writes to a unique temp file beside `path`, then renames: readers see all or nothing.
void write_file_atomic(const std::string& path, std::string_view data, uint32_t mode = 0644);
// Replaces `path` with `data` (unlinking first so a hard link elsewhere is never written through).
void write_file_replacing(const std::string& path, std::string_view data, uint32_t mode);
std::string dirname_of(std::string_view path);
std::string basename_of(std::string_view path);
std::string absolute_path(const std::string& path);
std::string home_dir();

}  // namespace cratecache
