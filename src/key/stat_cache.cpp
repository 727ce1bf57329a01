#include "key/stat_cache.h"

#include <fmt/core.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <sstream>

#include "util/digest.h"

namespace cratecache {
namespace {

std::string snapshot_line(const std::string& path, const FileStat& st) {
  return fmt::format("{} {} {} {} {} {}", st.size, st.mtime_ns, st.ctime_ns, st.inode, st.device, path);
}

constexpr const char* kDigestAttribute = "user.cratecache.sha256";
constexpr size_t kDigestHexSize = 64;

// The attribute lives on the inode, and setting it changes the ctime: size and mtime are what
// tell a later rewrite in place.
std::string attribute_value(const std::string& digest, const FileStat& st) {
  return fmt::format("{} {} {}", digest, st.size, st.mtime_ns);
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

std::optional<std::string> StatCache::lookup_attribute(const std::string& path, const FileStat& st) {
  // Anyone may set a user attribute on their own files: a digest is taken from one only on a file
  // of the user running cratecache (who wrote it), never on a word of another user's.
  if (st.uid != ::geteuid()) return std::nullopt;
  char value[128];
  ssize_t n = ::getxattr(path.c_str(), kDigestAttribute, value, sizeof value);
  if (n <= static_cast<ssize_t>(kDigestHexSize)) return std::nullopt;
  std::string_view text(value, static_cast<size_t>(n));
  std::string digest(text.substr(0, kDigestHexSize));
  if (text != attribute_value(digest, st)) return std::nullopt;
  return digest;
}

bool StatCache::store_attribute(const std::string& path, const FileStat& st, const std::string& digest) {
  std::string value = attribute_value(digest, st);
  return ::setxattr(path.c_str(), kDigestAttribute, value.data(), value.size(), 0) == 0;
}

std::string StatCache::digest(const std::string& path) {
  auto before = stat_file(path);
  if (!before) throw std::runtime_error("cannot stat " + path);
  if (auto known = lookup_attribute(path, *before)) return *known;
  if (auto known = lookup(path, *before)) return *known;
  std::string d = sha256_file(path);
  // Only remember what was stable while we read it.
  if (auto after = stat_file(path); after && *after == *before) store(path, *before, d);
  return d;
}

void StatCache::record(const std::string& path, const std::string& digest) {
  // Filesystems without user attributes (or a file of another user) fall back to a record file.
  if (auto st = stat_file(path); st && !store_attribute(path, *st, digest)) store(path, *st, digest);
}

}  // namespace cratecache
