#pragma once
// Settings come from $CRATECACHE_DIR/config.toml, then environment variables (which win).
// The full list, with defaults, is in docs/config.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "entry/codec.h"
#include "util/env.h"

namespace cratecache {

struct Config {
  std::string dir;                      // CRATECACHE_DIR
  uint64_t max_size = 10ULL << 30;      // CRATECACHE_MAX_SIZE / max_size
  bool disable = false;                 // CRATECACHE_DISABLE / disable
  bool cache_path_packages = false;     // CRATECACHE_CACHE_PATH_PACKAGES / cache_path_packages
  bool read_only = false;               // CRATECACHE_READ_ONLY / read_only
  bool store_unwritable = false;        // found by load_from_environment: the store exists and
                                        // this process cannot write to it (a read-only mount,
                                        // another user's); used read-only, saying what it does
                                        // not store
  Compression compression;              // CRATECACHE_COMPRESSION / compression: auto, lz4, zstd,
                                        // aligned, none;
                                        // CRATECACHE_COMPRESSION_LEVEL / compression_level: zstd's
  std::string log_file;                 // CRATECACHE_LOG / log_file
  uint64_t lock_timeout_ms = 600000;    // CRATECACHE_LOCK_TIMEOUT (seconds) / lock_timeout
  std::string shared_store;             // CRATECACHE_SHARED_STORE / shared_store: a store this user
                                        // reads after its own and never writes (a trusted
                                        // builder's); its requests/ drop box gets this user's misses
  std::string remote;                   // CRATECACHE_REMOTE / remote: redis://, http(s)://, s3:// URL
  std::string remote_policy;            // CRATECACHE_REMOTE_POLICY / remote_policy
  uint64_t remote_connect_timeout_ms = 500;  // CRATECACHE_REMOTE_CONNECT_TIMEOUT_MS
  uint64_t remote_timeout_ms = 5000;    // CRATECACHE_REMOTE_TIMEOUT_MS: I/O stall limit
  std::string signing_key;              // CRATECACHE_SIGNING_KEY / signing_key: Ed25519 private key
  uint64_t signing_epoch = 0;           // CRATECACHE_SIGNING_EPOCH / signing_epoch: raised to revoke
  std::vector<std::string> trusted_keys;  // CRATECACHE_TRUSTED_KEYS / trusted_keys: public keys
  uint64_t trusted_epoch = 0;           // CRATECACHE_TRUSTED_EPOCH / trusted_epoch: the oldest accepted
  bool require_signature = false;       // CRATECACHE_REQUIRE_SIGNATURE / require_signature

  // Throws std::runtime_error naming the bad setting and its source.
  static Config load(const EnvLookup& getenv_fn);
  // load() from the process environment, and finds store_unwritable.
  static Config load_from_environment();
  // For a wrapped rustc or build-script run: nullopt when caching is off for it, disabled or
  // misconfigured (warned about: a build never fails because of the cache).
  static std::optional<Config> load_for_run();

  // Nothing is to be written to the store: entries, manifests, locks, project records.
  bool store_read_only() const { return read_only || store_unwritable; }
};

// "10G", "512M", "1.5GiB", "4096" -> bytes. Throws std::invalid_argument.
uint64_t parse_size(const std::string& text);
bool parse_bool(const std::string& text);

}  // namespace cratecache
