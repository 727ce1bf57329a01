#pragma once
// The store as a build sees it: entries and manifests (layout.h) in the local tier first, then in
// an optional shared store (another user's local store, read and never written), then in
// one optional remote tier (redis://, http(s)://, s3://). A remote hit is written back locally; what
// is stored locally is uploaded by a detached child process, so the build does not wait for the
// network, and `cratecache flush-uploads` waits for those in flight. Remote faults never fail a
// build: they are counted, and a circuit breaker skips a dead remote for a while.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "store/layout.h"
#include "store/local_store.h"
#include "store/remote/circuit_breaker.h"
#include "store/remote/object_signature.h"
#include "store/remote/remote_config.h"
#include "store/stats.h"
#include "store/storage.h"
#include "util/mapped_file.h"

namespace cratecache {

// An object as read: mapped from the local tier, or owned (a remote hit).
struct StoredObject {
  std::optional<MappedFile> mapped;
  std::string owned;
  std::string local_path;  // the local file with these bytes; empty when a remote hit was not kept
  // Whether what the bytes claim (the digests in an entry's header) can be taken on their word:
  // from this user's own local file, or with a trusted signature. Otherwise anyone who can write
  // the store or the remote may have made them.
  bool authenticated = false;
  // A local file keeps its signature trailer; the object is what precedes it.
  size_t trailer = 0;
  std::string_view bytes() const {
    std::string_view all = mapped ? mapped->bytes() : std::string_view(owned);
    return all.substr(0, all.size() - trailer);
  }
};

// kAll is local, then shared, then remote.
enum class Tiers { kAll, kLocalOnly, kSharedOnly, kRemoteOnly };

// The remote tier: how to reach it and what it may do.
struct RemoteTier {
  // A new connection; called only when the remote is used, so a local hit never loads the plugin.
  std::function<std::unique_ptr<Storage>()> connect;
  RemotePolicy policy = RemotePolicy::ReadWrite;
};

// What this store writes is signed (a trusted builder's key), in every tier; what it did not write
// itself (a remote object, a file of another user's in the local or shared store) is checked
// against the trusted keys (the signer's own among them). Required: such an object without a
// valid signature from one of them is a miss.
struct Signatures {
  std::optional<SigningKey> signer;
  uint64_t signing_epoch = 0;
  TrustedKeys trusted;
  uint64_t trusted_epoch = 0;
  bool required = false;
  // Throws std::runtime_error or std::invalid_argument for a bad key file, or required without a
  // key to check with.
  static Signatures load(const Config& config);
};

class Store {
 public:
  // The store `config` names, with its remote tier. Never throws: a bad remote setting (URL,
  // policy) disables the remote tier only, warned about and counted (errors.remote_config); a bad
  // key file leaves this store signing nothing and trusting no signature (still requiring them
  // when required), warned about and counted the same.
  static Store open(const Config& config);
  Store(const Config& config, std::optional<RemoteTier> remote, Signatures signatures = {});

  const Config& config() const { return config_; }
  const StoreLayout& layout() const { return local_.layout(); }
  Stats& stats() { return stats_; }

  // A local or shared object is mapped; a remote one is fetched, its signature checked, and an
  // entry written back locally (a shared one is not: it is already on this machine). Remote faults
  // are counted, not thrown; a local fault throws.
  std::optional<StoredObject> get(Kind kind, const EntryKey& key, Tiers tiers = Tiers::kAll);
  bool has_shared() const { return shared_.has_value(); }
  // The configured compression, with "auto" made aligned when this store's filesystem can clone
  // (asked once per process, on the first entry stored).
  Compression entry_compression();
  // Writes locally at once (throws on a fault); the remote copy is queued for upload_queued().
  void put(Kind kind, const EntryKey& key, const std::string& bytes, Tiers tiers = Tiers::kAll);
  void remove(Kind kind, const EntryKey& key);
  // Uploads what put() queued, in order (an entry before the manifest that leads to it), from one
  // detached child process.
  void upload_queued();

 private:
  bool remote_readable() const;
  bool remote_writable() const;
  std::optional<std::string> remote_get(const std::string& name);
  // Whether an object may be used, and how: nullopt when it is refused (counted).
  struct Vetted {
    bool authenticated;
    size_t trailer;
  };
  std::optional<Vetted> vet(Kind kind, const EntryKey& key, std::string_view bytes, bool own);

  const Config& config_;
  LocalStore local_;
  std::optional<LocalStore> shared_;
  Stats stats_;
  std::optional<RemoteTier> remote_;
  Signatures signatures_;
  CircuitBreaker breaker_;
  std::vector<std::pair<std::string, std::string>> queued_;  // (object name, bytes)
  std::optional<bool> can_clone_;
};

// Name of an object on a remote: 64 hex digits, valid for every engine (bazel-remote's /ac/ too).
std::string remote_object_name(Kind kind, const EntryKey& key);
// What a signature binds an object to: its kind and full name.
std::string signed_object_name(Kind kind, const EntryKey& key);

// Blocks until every background upload started from this store has finished, or the timeout.
// Returns false on timeout.
bool flush_uploads(const StoreLayout& layout, int timeout_seconds);

}  // namespace cratecache
