#include "store/local_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "store/stats.h"
#include "util/fs.h"

namespace cratecache {
namespace fs = std::filesystem;

namespace {

bool is_lower_hex(std::string_view s, size_t length) {
  return s.size() == length && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

bool LocalStore::is_valid_key(std::string_view key) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return is_lower_hex(key, 64);
  std::string_view toolchain = key.substr(0, slash);
  return (toolchain == "none" || is_lower_hex(toolchain, 16)) && is_lower_hex(key.substr(slash + 1), 64);
}

// Keys are "<toolchain id>/<digest>": a toolchain's entries share a directory, so its size is one
// walk and dropping it is one removal.
std::string LocalStore::entry_path(const std::string& key) const {
  if (!is_valid_key(key)) throw std::invalid_argument("not an entry key: " + key.substr(0, 100));
  auto slash = key.find('/');
  std::string toolchain = slash == std::string::npos ? "any" : key.substr(0, slash);
  std::string digest = slash == std::string::npos ? key : key.substr(slash + 1);
  return dir_ + "/entries/" + toolchain + "/" + digest.substr(0, 2) + "/" + digest + ".entry";
}

namespace {

// Marks an entry as recently used; failure only weakens LRU ordering.
void touch(const std::string& path) { ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0); }

}  // namespace

std::optional<std::string> LocalStore::get(const std::string& key) {
  std::string path = entry_path(key);
  auto bytes = try_read_file(path);
  if (bytes) touch(path);
  return bytes;
}

std::optional<MappedFile> LocalStore::map(const std::string& key) {
  std::string path = entry_path(key);
  auto mapped = MappedFile::open(path);
  if (mapped) touch(path);
  return mapped;
}

void LocalStore::put(const std::string& key, const std::string& bytes) {
  write_file_atomic(entry_path(key), bytes);
  maybe_evict(bytes.size());
}

void LocalStore::remove(const std::string& key) { ::unlink(entry_path(key).c_str()); }

StoreUsage LocalStore::usage() const {
  StoreUsage u;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir_ + "/entries", ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".entry") {
      ++u.entries;
      u.bytes += it->file_size(ec);
    }
  }
  return u;
}

std::vector<ToolchainUsage> LocalStore::usage_by_toolchain() const {
  std::vector<ToolchainUsage> out;
  std::error_code ec;
  for (fs::directory_iterator dir(dir_ + "/entries", ec), end; !ec && dir != end; dir.increment(ec)) {
    if (!dir->is_directory(ec)) continue;
    ToolchainUsage t;
    t.id = dir->path().filename().string();
    t.release = try_read_file(dir_ + "/toolchains/" + t.id + ".release").value_or("");
    while (!t.release.empty() && t.release.back() == '\n') t.release.pop_back();
    if (auto st = stat_file(dir_ + "/toolchains/" + t.id + ".used")) t.last_used = st->mtime_ns / 1000000000;
    std::error_code ec2;
    for (fs::recursive_directory_iterator it(dir->path(), ec2), e2; !ec2 && it != e2; it.increment(ec2)) {
      if (it->is_regular_file(ec2) && it->path().extension() == ".entry") {
        ++t.usage.entries;
        t.usage.bytes += it->file_size(ec2);
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

uint64_t LocalStore::drop_toolchain(const std::string& id) {
  uint64_t freed = 0;
  for (const auto& t : usage_by_toolchain()) {
    if (t.id == id) freed = t.usage.bytes;
  }
  std::error_code ec;
  fs::remove_all(dir_ + "/entries/" + id, ec);
  if (ec) throw std::runtime_error("cannot remove " + dir_ + "/entries/" + id + ": " + ec.message());
  fs::remove(dir_ + "/toolchains/" + id + ".used", ec);
  Stats(dir_).set_store_size(usage().bytes);
  return freed;
}

uint64_t LocalStore::evict_to(uint64_t target) {
  struct Item {
    fs::path path;
    fs::file_time_type used;
    uint64_t size;
  };
  std::vector<Item> items;
  uint64_t total = 0;
  std::error_code ec;
  // A writer killed before its rename leaves "<key>.entry.tmp.<pid>.<n>"; no write lasts an hour.
  auto abandoned_before = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (fs::recursive_directory_iterator it(dir_ + "/entries", ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    if (it->path().filename().string().find(".entry.tmp.") != std::string::npos) {
      if (it->last_write_time(ec) < abandoned_before) fs::remove(it->path(), ec);
      continue;
    }
    if (it->path().extension() != ".entry") continue;
    Item item{it->path(), it->last_write_time(ec), it->file_size(ec)};
    total += item.size;
    items.push_back(std::move(item));
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.used < b.used; });
  uint64_t removed = 0;
  for (const auto& item : items) {
    if (total <= target) break;
    if (fs::remove(item.path, ec)) {
      total -= item.size;
      ++removed;
    }
  }
  Stats(dir_).set_store_size(total);
  return removed;
}

// The running size estimate lives in the stats; only when it passes the limit does one process
// (holding the cleanup lock) walk the store.
void LocalStore::maybe_evict(uint64_t added) {
  Stats stats(dir_);
  uint64_t estimate = stats.add_store_size(added);
  if (estimate <= max_size_) return;
  std::string lock_path = dir_ + "/cleanup.lock";
  int fd = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0) return;
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
    uint64_t removed = evict_to(max_size_ / 10 * 9);
    stats.add("evicted", removed);
  }
  ::close(fd);
}

}  // namespace cratecache
