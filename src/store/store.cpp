#include "store/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "store/remote/remote_plugin.h"
#include "util/clone.h"
#include "util/digest.h"
#include "util/file_lock.h"
#include "util/log.h"
#include "util/process.h"

namespace cratecache {
namespace {

RemoteTier remote_tier_of(const Config& config) {
  RemoteTier tier;
  RemoteUrl url = parse_remote_url(config.remote);
  int connect_ms = static_cast<int>(config.remote_connect_timeout_ms);
  int io_ms = static_cast<int>(config.remote_timeout_ms);
  // No object is larger than the store may hold: a bigger reply is refused before its body.
  uint64_t max_object = config.max_size;
  tier.connect = [url, connect_ms, io_ms, max_object] { return open_remote_storage(url, connect_ms, io_ms, max_object); };
  tier.policy = parse_remote_policy(config.remote_policy);
  return tier;
}

}  // namespace

Signatures Signatures::load(const Config& config) {
  Signatures s;
  s.trusted = TrustedKeys::load(config.trusted_keys);
  if (!config.signing_key.empty()) {
    s.signer = SigningKey::load(config.signing_key);
    s.signing_epoch = config.signing_epoch;
    s.trusted.add(s.signer->public_key());
  }
  s.trusted_epoch = config.trusted_epoch;
  s.required = config.require_signature;
  if (s.required && s.trusted.empty()) {
    throw std::invalid_argument("require_signature needs trusted_keys (CRATECACHE_TRUSTED_KEYS)");
  }
  return s;
}

std::string signed_object_name(Kind kind, const EntryKey& key) {
  return (kind == Kind::kManifest ? "manifest/" : "entry/") + key.str();
}

std::string remote_object_name(Kind kind, const EntryKey& key) {
  std::string name = kind == Kind::kManifest ? "manifest/" + key.digest() : key.str();
  return sha256_hex("cratecache-remote-v1:" + name);
}

Store Store::open(const Config& config) {
  Signatures signatures;
  try {
    signatures = Signatures::load(config);
  } catch (const std::exception& e) {
    // Nothing signed, nothing trusted: what signatures were required of stays refused.
    signatures.required = config.require_signature;
    Stats(StoreLayout(config.dir)).add("errors.remote_config");
    warn("signatures disabled, bad setting: {}", e.what());
  }
  std::optional<RemoteTier> remote;
  if (!config.remote.empty()) {
    try {
      remote = remote_tier_of(config);
    } catch (const std::exception& e) {
      // A bad remote setting costs the remote tier only: the local one still serves.
      Stats(StoreLayout(config.dir)).add("errors.remote_config");
      warn("remote cache disabled, bad setting: {}", e.what());
    }
  }
  return Store(config, std::move(remote), std::move(signatures));
}

Store::Store(const Config& config, std::optional<RemoteTier> remote, Signatures signatures)
    : config_(config),
      local_(StoreLayout(config.dir), config.max_size),
      stats_(local_.layout()),
      remote_(std::move(remote)),
      signatures_(std::move(signatures)),
      breaker_(local_.layout().remote_breaker()) {
  if (!config.shared_store.empty() && config.shared_store != config.dir) {
    shared_.emplace(StoreLayout(config.shared_store), config.max_size);
  }
}

bool Store::remote_readable() const {
  return remote_ && remote_->policy != RemotePolicy::WriteOnly && breaker_.allows();
}

bool Store::remote_writable() const {
  return remote_ && remote_->policy != RemotePolicy::ReadOnly && breaker_.allows();
}

std::optional<std::string> Store::remote_get(const std::string& name) {
  if (!remote_readable()) return std::nullopt;
  try {
    auto bytes = remote_->connect()->get(name);
    breaker_.record_success();
    return bytes;
  } catch (const std::exception& e) {
    breaker_.record_failure();
    stats_.add("errors.remote_get");
    warn("remote cache unavailable: {}", e.what());
    return std::nullopt;
  }
}

// This user's own file is taken on its word. Anything else (a remote object, another user's file)
// is checked when a signature is required or can be checked; a bad signature is always refused.
std::optional<Store::Vetted> Store::vet(Kind kind, const EntryKey& key, std::string_view bytes, bool own) {
  size_t trailer = bytes.size() - without_signature(bytes).size();
  if (own) return Vetted{true, trailer};
  if (!signatures_.required && (signatures_.trusted.empty() || trailer == 0)) return Vetted{false, trailer};
  if (signatures_.trusted.verify(signed_object_name(kind, key), bytes, signatures_.trusted_epoch)) {
    return Vetted{true, trailer};
  }
  stats_.add("errors.bad_signature");
  warn("rejected a {} without a valid signature of a trusted key", kind == Kind::kEntry ? "stored entry" : "manifest");
  return std::nullopt;
}

Compression Store::entry_compression() {
  Compression compression = config_.compression;
  if (!compression.clone_when_possible) return compression;
  if (!can_clone_) can_clone_ = dir_can_clone(layout().dir());
  if (*can_clone_) compression.codec = Codec::kAligned;
  return compression;
}

std::optional<StoredObject> Store::get(Kind kind, const EntryKey& key, Tiers tiers) {
  std::string path = layout().object(kind, key);
  auto mapped_from = [&](LocalStore& tier) -> std::optional<StoredObject> {
    auto mapped = tier.map(kind, key);
    if (!mapped) return std::nullopt;
    auto vetted = vet(kind, key, mapped->bytes(), mapped->owner() == ::geteuid());
    if (!vetted) return std::nullopt;
    return StoredObject{std::move(mapped), "", tier.layout().object(kind, key), vetted->authenticated, vetted->trailer};
  };
  if (tiers == Tiers::kAll || tiers == Tiers::kLocalOnly) {
    if (auto object = mapped_from(local_)) return object;
  }
  if (shared_ && (tiers == Tiers::kAll || tiers == Tiers::kSharedOnly)) {
    if (auto object = mapped_from(*shared_)) return object;
  }
  if (tiers == Tiers::kLocalOnly || tiers == Tiers::kSharedOnly) return std::nullopt;
  auto bytes = remote_get(remote_object_name(kind, key));
  if (!bytes) return std::nullopt;
  auto vetted = vet(kind, key, *bytes, false);
  if (!vetted) return std::nullopt;
  if (kind == Kind::kEntry) stats_.add("remote_hits");
  StoredObject object{std::nullopt, std::move(*bytes), "", vetted->authenticated, vetted->trailer};
  // A remote manifest is merged into the local one by its reader; an entry is kept as it is, its
  // signature with it.
  if (kind == Kind::kEntry && !config_.store_read_only()) {
    try {
      local_.put(kind, key, object.owned);
      object.local_path = path;
    } catch (const std::exception& e) {
      warn("could not keep a remote entry locally: {}", e.what());
    }
  }
  return object;
}

void Store::put(Kind kind, const EntryKey& key, const std::string& bytes, Tiers tiers) {
  const auto& signer = signatures_.signer;
  std::string signed_bytes = signer ? signer->sign(signed_object_name(kind, key), bytes, signatures_.signing_epoch) : "";
  const std::string& stored = signer ? signed_bytes : bytes;
  local_.put(kind, key, stored);
  if (tiers == Tiers::kLocalOnly || !remote_writable()) return;
  queued_.emplace_back(remote_object_name(kind, key), stored);
}

void Store::remove(Kind kind, const EntryKey& key) {
  local_.remove(kind, key);
  if (!remote_ || remote_->policy != RemotePolicy::ReadWrite || !breaker_.allows()) return;
  try {
    remote_->connect()->remove(remote_object_name(kind, key));
  } catch (const std::exception&) {
    stats_.add("errors.remote_remove");
  }
}

void Store::upload_queued() {
  if (queued_.empty()) return;
  auto objects = std::move(queued_);
  queued_.clear();
  // The shared lock is taken before forking, so flush_uploads can never miss this upload.
  // 0600: no user who can only read the store can hold it. Still bounded: without the lock after
  // 2 s, the upload goes ahead and flush_uploads may not wait for it.
  int lock = ::open(layout().uploads_lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
       lock >= 0 && ::flock(lock, LOCK_SH | LOCK_NB) != 0;) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::close(lock);
      lock = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_t pid = fork_detached(lock);
  if (pid < 0) {
    if (lock >= 0) ::close(lock);
    stats_.add("errors.remote_put");
    return;
  }
  if (pid > 0) {
    if (lock >= 0) ::close(lock);  // the child's copy keeps the lock
    return;
  }
  // Child: detached from Cargo's pipes and jobserver and from any single-flight lock.
  try {
    auto remote = remote_->connect();
    for (const auto& [name, data] : objects) remote->put(name, data);
    breaker_.record_success();
    stats_.add("remote_uploads");
  } catch (const std::exception&) {
    breaker_.record_failure();
    stats_.add("errors.remote_put");
  }
  ::_exit(0);
}

bool flush_uploads(const StoreLayout& layout, int timeout_seconds) {
  int fd = ::open(layout.uploads_lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return true;
  bool done = flock_within(fd, LOCK_EX, std::chrono::seconds(timeout_seconds));
  ::close(fd);
  return done;
}

}  // namespace cratecache
