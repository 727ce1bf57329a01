#pragma once
// Every path under the store directory ($CRATECACHE_DIR) comes from here: no other file joins a
// name onto the store dir. A name read from a manifest or a remote tier becomes a path only as an
// EntryKey, whose parts are checked when it is made.
//
//   entries/<toolchain>/<2 hex>/<digest>.entry   results (local_store.h)
//   manifests/<2 hex>/<input key>.json           input key -> result keys (key/manifest.h)
//   locks/<2 hex>/<input key>.lock               single flight between concurrent misses
//   stat/ stats/ events/ explain/ toolchains/    digests, counters, event log, misses, toolchains
//   projects.sqlite warm/ requests/ config.toml  project records, warm's work, tenants' requests,
//                                                settings
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cratecache {

// What the store holds: results, and per input key the manifest that leads to them.
enum class Kind { kEntry, kManifest };

// The name of a stored object: the toolchain id (16 lowercase hex, or "none" for a build-script
// run without a rustc) and a digest (64 lowercase hex: an entry's result key, a manifest's input
// key; a manifest's path does not depend on the toolchain).
class EntryKey {
 public:
  // Throws std::invalid_argument when a part is not of its form.
  EntryKey(std::string toolchain, std::string digest);
  // "<toolchain>/<digest>", the form a manifest records; nullopt when `text` is not one.
  static std::optional<EntryKey> parse(std::string_view text);

  static bool is_toolchain_id(std::string_view s);
  static bool is_digest(std::string_view s);

  const std::string& toolchain() const { return toolchain_; }
  const std::string& digest() const { return digest_; }
  std::string str() const { return toolchain_ + "/" + digest_; }
  bool operator==(const EntryKey&) const = default;

 private:
  std::string toolchain_;
  std::string digest_;
};

class StoreLayout {
 public:
  explicit StoreLayout(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }
  std::string object(Kind kind, const EntryKey& key) const;
  std::string entries_dir() const { return dir_ + "/entries"; }
  // Throws std::invalid_argument for a name that is not a toolchain id.
  std::string toolchain_entries_dir(const std::string& toolchain) const;
  std::string manifests_dir() const { return dir_ + "/manifests"; }
  // The single-flight lock of an input key; throws std::invalid_argument for a non-digest.
  std::string lock(const std::string& input_key) const;
  std::string locks_dir() const { return dir_ + "/locks"; }

  std::string stat_dir() const { return dir_ + "/stat"; }
  std::string stats_dir() const { return dir_ + "/stats"; }
  std::string events_dir() const { return dir_ + "/events"; }
  std::string explain_dir() const { return dir_ + "/explain"; }
  // Toolchain records (key/toolchain.h) and, per toolchain id, its release and last use.
  std::string toolchains_dir() const { return dir_ + "/toolchains"; }
  std::string toolchain_release(const std::string& toolchain) const;
  std::string toolchain_used(const std::string& toolchain) const;
  std::string warm_dir() const { return dir_ + "/warm"; }
  // Tenants' build requests for `warm --from-requests`: a drop box (mode 1733) others write, not
  // list (request_spool.h).
  std::string requests_dir() const { return dir_ + "/requests"; }

  std::string config_file() const { return dir_ + "/config.toml"; }
  std::string project_db() const { return dir_ + "/projects.sqlite"; }
  std::string warnings_log() const { return dir_ + "/warnings.log"; }
  std::string cleanup_lock() const { return dir_ + "/cleanup.lock"; }
  std::string uploads_lock() const { return dir_ + "/uploads.lock"; }
  std::string remote_breaker() const { return dir_ + "/remote.breaker"; }

  // Every entry file, with its size and last use; `toolchain` limits the walk to one toolchain's
  // directory. With `with_temporaries`, also the temp files of writes not yet renamed (or abandoned).
  struct EntryFile {
    std::string path;
    std::string toolchain;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    bool temporary = false;
  };
  void for_each_entry(const std::function<void(const EntryFile&)>& visit, const std::string& toolchain = "",
                      bool with_temporaries = false) const;
  // Every regular file under `dir` (manifests_dir(), locks_dir(), stat_dir()), temporaries too.
  struct StoredFile {
    std::string path;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    uint64_t inode = 0;
  };
  void for_each_file(const std::string& dir, const std::function<void(const StoredFile&)>& visit) const;
  // The toolchain ids that have an entries directory.
  std::vector<std::string> entry_toolchains() const;

 private:
  std::string dir_;
};

}  // namespace cratecache
