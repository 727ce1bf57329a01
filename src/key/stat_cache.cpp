#include "key/stat_cache.h"

#include <fmt/core.h>

#include <sstream>

#include "util/digest.h"

namespace cratecache {
namespace {

std::string snapshot_line(const std::string& path, const FileStat& st) {
  return fmt::format("{} {} {} {} {} {}", st.size, st.mtime_ns, st.ctime_ns, st.inode, st.device, path);
}

}  // namespace

std::string StatCache::record_path(const std::string& path) const {
  std::string h = sha256_hex(path);
  return dir_ + "/" + h.substr(0, 2) + "/" + h;
}

std::optional<std::string> StatCache::lookup(const std::string& path, const FileStat& st) const {
  auto text = try_read_file(record_path(path));
  if (!text) return std::nullopt;
  // Format: "<digest>\n<snapshot line>"; any mismatch (or a hash collision of paths) is a miss.
  auto nl = text->find('\n');
  if (nl != 64 || text->substr(nl + 1) != snapshot_line(path, st)) return std::nullopt;
  return text->substr(0, nl);
}

void StatCache::store(const std::string& path, const FileStat& st, const std::string& digest) {
  try {
    write_file_atomic(record_path(path), digest + "\n" + snapshot_line(path, st));
  } catch (const std::exception&) {
    // A stat record is an optimisation only.
  }
}

std::string StatCache::digest(const std::string& path) {
  auto before = stat_file(path);
  if (!before) throw std::runtime_error("cannot stat " + path);
  if (auto known = lookup(path, *before)) return *known;
  std::string d = sha256_file(path);
  // Only remember what was stable while we read it.
  if (auto after = stat_file(path); after && *after == *before) store(path, *before, d);
  return d;
}

void StatCache::record(const std::string& path, const std::string& digest) {
  if (auto st = stat_file(path)) store(path, *st, digest);
}

}  // namespace cratecache
