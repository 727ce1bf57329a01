#pragma once
// The store as a build sees it: the local tier first, then one optional remote tier
// (redis://, http(s)://, s3://). A remote hit is written back locally; a new local entry is
// uploaded by a detached child process, so the build does not wait for the network, and
// `cratecache flush-uploads` waits for those in flight. Remote faults never fail a build: they are
// counted, and a circuit breaker skips a dead remote for a while.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "store/local_store.h"
#include "store/remote/circuit_breaker.h"
#include "store/remote/entry_signature.h"
#include "store/remote/remote_config.h"
#include "store/stats.h"
#include "store/storage.h"

namespace cratecache {

// An entry as the hit path reads it: mapped from the local tier, or owned (a remote hit).
struct FetchedEntry {
  std::optional<MappedFile> mapped;
  std::string owned;
  std::string_view bytes() const { return mapped ? mapped->bytes() : std::string_view(owned); }
};

class TieredStorage {
 public:
  // A bad remote configuration (URL, policy, key file) disables the remote tier, with a warning and
  // `errors.remote_config`; the local tier still works.
  explicit TieredStorage(const Config& config);

  // A local entry is mapped rather than read; a remote one (unless `local_only`) is checked and
  // written back locally.
  std::optional<FetchedEntry> get(const std::string& key, bool local_only = false);
  void remove(const std::string& key);

  // Where the local tier keeps `key` (a remote hit is written back there).
  std::string local_entry_path(const std::string& key) const { return local_.entry_path(key); }

  // Manifests live locally as files; the remote tier holds a copy of each so that another
  // machine can find the result keys of an input key.
  std::optional<std::string> get_remote_manifest(const std::string& input_key);
  // Stores an entry locally and uploads it with its updated manifest.
  void put_with_manifest(const std::string& key, const std::string& bytes, const std::string& input_key,
                         const std::string& manifest);

 private:
  bool remote_readable() const;
  bool remote_writable() const;
  std::unique_ptr<Storage> open_remote() const;
  std::optional<std::string> remote_get(const std::string& name);
  std::optional<std::string> fetch_remote(const std::string& key);
  // Each pair is (object name, bytes); entries are signed when a key is configured.
  void upload_in_background(std::vector<std::pair<std::string, std::string>> objects);

  const Config& config_;
  LocalStore local_;
  Stats stats_;
  std::optional<RemoteUrl> url_;
  RemotePolicy policy_ = RemotePolicy::ReadWrite;
  std::optional<EntrySignature> signer_;
  CircuitBreaker breaker_;
};

// Name of an entry on a remote: 64 hex digits, valid for every engine (bazel-remote's /ac/ too).
std::string remote_object_name(const std::string& key);

// Blocks until every background upload started from this store has finished, or the timeout.
// Returns false on timeout.
bool flush_uploads(const std::string& dir, int timeout_seconds);

}  // namespace cratecache
