#include "store/layout.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include <sys/stat.h>

#include "util/fs.h"

namespace cratecache {
namespace fs = std::filesystem;
namespace {

bool is_lower_hex(std::string_view s, size_t length) {
  return s.size() == length && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// A 2-hex fan-out keeps directories small at 10^5 objects.
std::string fanned(const std::string& dir, const std::string& digest, const char* suffix) {
  return dir + "/" + digest.substr(0, 2) + "/" + digest + suffix;
}

}  // namespace

bool EntryKey::is_toolchain_id(std::string_view s) { return s == "none" || is_lower_hex(s, 16); }
bool EntryKey::is_digest(std::string_view s) { return is_lower_hex(s, 64); }

EntryKey::EntryKey(std::string toolchain, std::string digest)
    : toolchain_(std::move(toolchain)), digest_(std::move(digest)) {
  if (!is_toolchain_id(toolchain_)) throw std::invalid_argument("not a toolchain id: " + toolchain_.substr(0, 100));
  if (!is_digest(digest_)) throw std::invalid_argument("not a digest: " + digest_.substr(0, 100));
}

std::optional<EntryKey> EntryKey::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view toolchain = text.substr(0, slash), digest = text.substr(slash + 1);
  if (!is_toolchain_id(toolchain) || !is_digest(digest)) return std::nullopt;
  return EntryKey(std::string(toolchain), std::string(digest));
}

// A toolchain's entries share a directory, so its size is one walk and dropping it one removal.
std::string StoreLayout::object(Kind kind, const EntryKey& key) const {
  if (kind == Kind::kManifest) return fanned(manifests_dir(), key.digest(), ".json");
  return fanned(entries_dir() + "/" + key.toolchain(), key.digest(), ".entry");
}

std::string StoreLayout::toolchain_entries_dir(const std::string& toolchain) const {
  if (!EntryKey::is_toolchain_id(toolchain)) throw std::invalid_argument("not a toolchain id: " + toolchain.substr(0, 100));
  return entries_dir() + "/" + toolchain;
}

std::string StoreLayout::lock(const std::string& input_key) const {
  if (!EntryKey::is_digest(input_key)) throw std::invalid_argument("not a digest: " + input_key.substr(0, 100));
  return fanned(locks_dir(), input_key, ".lock");
}

std::string StoreLayout::toolchain_release(const std::string& toolchain) const {
  return toolchains_dir() + "/" + toolchain + ".release";
}

std::string StoreLayout::toolchain_used(const std::string& toolchain) const {
  return toolchains_dir() + "/" + toolchain + ".used";
}

std::vector<std::string> StoreLayout::entry_toolchains() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(entries_dir(), ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->is_directory(ec) && EntryKey::is_toolchain_id(name)) out.push_back(std::move(name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

void StoreLayout::for_each_entry(const std::function<void(const EntryFile&)>& visit, const std::string& toolchain,
                                 bool with_temporaries) const {
  std::vector<std::string> toolchains = toolchain.empty() ? entry_toolchains() : std::vector<std::string>{toolchain};
  for (const auto& t : toolchains) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(toolchain_entries_dir(t), ec), end; !ec && it != end; it.increment(ec)) {
      std::string path = it->path().string();
      bool temporary = path.find(".entry.tmp.") != std::string::npos;
      if (!(path.ends_with(".entry") || (temporary && with_temporaries))) continue;
      auto st = stat_file(path);
      if (!st || (st->mode & S_IFMT) != S_IFREG) continue;  // removed while walking, or not a file
      visit({std::move(path), t, st->size, st->mtime_ns, temporary});
    }
  }
}

void StoreLayout::for_each_file(const std::string& dir, const std::function<void(const StoredFile&)>& visit) const {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string path = it->path().string();
    auto st = stat_file(path);
    if (!st || (st->mode & S_IFMT) != S_IFREG) continue;
    visit({std::move(path), st->size, st->mtime_ns, st->inode});
  }
}

}  // namespace cratecache
